"""Option values for the query commands without loading pydantic.

Why: typer 0.29 converts every option value (`--db x.duckdb`, `--since 30d`) with a
pydantic TypeAdapter, so the first option a command reads imports pydantic: 50-85 ms,
a quarter of a whole `reewatch events --new`. The query commands only take strings,
whole and decimal numbers, paths, a format choice and lists of strings; for those
`PlainValuesCommand` gives every parameter a converter that produces what typer's
adapter produces, using typer's own path and choice checks. Anything else, and any
value it cannot convert the same way (a bad number, an unknown choice), goes to typer's
own converter, so values and error messages stay exactly typer's
(tests/test_cli_query.py compares the two).

This leans on typer's private coercion layer (`_TyperParameter._runtime_param`,
`typer._coercion.RuntimeParam`); if another typer lacks it, the commands are
plain typer commands again (slower to start, same behaviour).
"""

from __future__ import annotations

import re
from enum import Enum
from pathlib import Path
from typing import Any, get_args, get_origin

from typer.core import TyperCommand, TyperGroup

try:
    from typer._coercion import RuntimeParam, build_runtime_param
    from typer._param_types import coerce_cli_choice, coerce_cli_path
except ImportError:  # pragma: no cover - another typer: its own conversion, at its own cost
    RuntimeParam = None  # type: ignore[assignment,misc]

_NUMBERS: dict[type, re.Pattern[str]] = {
    int: re.compile(r"-?[0-9]+"),
    float: re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?"),
}
_SCALARS = (str, bool, int, float, Path)


class _Unconverted(Exception):
    """The value is typer's to convert (and to word the error for)."""


def plain_annotation(annotation: Any) -> bool:
    """Whether `plain_value` converts values of this annotation."""
    if get_origin(annotation) is list:
        return all(plain_annotation(a) for a in get_args(annotation))
    return annotation in _SCALARS or (isinstance(annotation, type) and issubclass(annotation, Enum))


def plain_value(annotation: Any, info: Any, value: Any, param: Any = None, ctx: Any = None) -> Any:
    """What typer makes of `value`; raises _Unconverted where typer has to decide."""
    if get_origin(annotation) is list:
        if not isinstance(value, list | tuple):
            raise _Unconverted
        (item,) = get_args(annotation)
        return [plain_value(item, info, v, param, ctx) for v in value]
    if annotation is str or annotation is bool:
        if type(value) is not annotation:
            raise _Unconverted
        return value
    if annotation in _NUMBERS:
        if isinstance(value, str) and _NUMBERS[annotation].fullmatch(value):
            number = annotation(value)
        elif type(value) is annotation:
            number = value
        else:
            raise _Unconverted
        if info.clamp or (info.min is not None and number < info.min) or (
            info.max is not None and number > info.max
        ):
            raise _Unconverted
        return number
    if annotation is Path and info.path_type is None:
        if not isinstance(value, str | Path) or value == "":
            raise _Unconverted
        # A Path in, so typer's checks (exists, dir_okay, ...) run without a TypeAdapter.
        return coerce_cli_path(Path(value), info, path_type=Path, param=param, ctx=ctx)
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        try:
            return coerce_cli_choice(
                value, choices=tuple(annotation), case_sensitive=info.case_sensitive, ctx=ctx
            )
        except ValueError:
            raise _Unconverted from None
    raise _Unconverted


if RuntimeParam is not None:

    class PlainRuntimeParam(RuntimeParam):
        """typer's RuntimeParam for plain values: None and multi-value handling stay typer's."""

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            try:
                return plain_value(self.annotation, self.parameter_info, value, param, ctx)
            except _Unconverted:
                return build_runtime_param(param.type_descriptor)._coerce_value(
                    value, param=param, ctx=ctx
                )


def _prime(param: Any) -> None:
    """Give a parameter the plain converter when typer would build a TypeAdapter for it.

    Typer builds the converter the first time a parameter sees a value, even None
    (the --help flag of every command and group sees None), so without this any
    command line at all would import pydantic.
    """
    descriptor = getattr(param, "type_descriptor", None)
    if (
        RuntimeParam is not None
        and descriptor is not None
        and getattr(param, "_runtime_param", False) is None
        and descriptor.file_annotation is None
        and descriptor.parameter_info.parser is None
        and plain_annotation(descriptor.annotation)
    ):
        param._runtime_param = PlainRuntimeParam(
            parameter_info=descriptor.parameter_info, annotation=descriptor.annotation
        )


class _PlainValues:
    """Mixin for typer's command and group classes: plain parameters skip pydantic."""

    params: list[Any]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:
            _prime(param)

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            _prime(option)
        return option


class PlainValuesCommand(_PlainValues, TyperCommand):
    """A typer command whose plain parameters convert their values without pydantic."""


class PlainValuesGroup(_PlainValues, TyperGroup):
    """A typer group (the `reewatch` app itself) that does the same for its own options."""
