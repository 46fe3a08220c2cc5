"""Stream HTTP responses out of WARC files (CC-NEWS style: gzip per record), one at a time.

Why streaming: a CC-NEWS file is about 1 GB; records are read and handed on one by one
(the reader holds one record body, capped), so memory does not grow with the file. Each
record comes with its byte offset, so a killed backfill can seek back to the first record
it had not committed and go on from there (gzip per record makes offsets seekable).

The cheap pre-filter (`may_be_relevant`) runs here, before any text extraction: the
markup gate of extractors.relevance on the raw bytes plus the <title>, the same test
the daily run applies before trafilatura.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from extractors import relevance

_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)


class WarcError(ValueError):
    """The file is not a readable WARC (or is cut short): a clear message, nothing stored."""


@dataclass
class WarcResponse:
    """One HTTP response record: what a fetch of `url` on `date` returned."""

    offset: int  # byte offset of the record in the file
    url: str  # WARC-Target-URI
    date: datetime | None  # WARC-Date, aware UTC
    status: int
    content_type: str | None
    charset: str | None
    body: bytes
    truncated: bool = False


def _warc_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        return None


def title_of(body: bytes) -> str:
    """The page's <title> text (cheap regex over the first 64 kB; entities left alone)."""
    m = _TITLE.search(body[:65536])
    return re.sub(r"\s+", " ", m.group(1).decode("utf-8", "replace")).strip() if m else ""


def may_be_relevant(body: bytes) -> bool:
    """The markup gate on raw bytes: False only when no extracted text could name a mineral.

    The gate looks at ASCII letters only, so a byte-preserving decode is as good as the
    page's real charset here and costs nothing.
    """
    return relevance.has_commodity(title_of(body)) or relevance.markup_may_mention(
        body.decode("latin-1")
    )


def iter_responses(
    fh: BinaryIO, max_bytes: int = 20_000_000
) -> Iterator[tuple[int, WarcResponse | None]]:
    """(offset, response) for each record from the file's current position.

    Non-response records (request, metadata, warcinfo) yield (offset, None) so the caller
    can count them and knows every record's offset. Bodies over `max_bytes` are cut.
    """
    try:
        records = ArchiveIterator(fh, arc2warc=False)
        for record in records:
            if not str(record.format).startswith("warc"):
                raise WarcError(f"not a readable WARC record stream: a record in {record.format or 'an unknown'} "
                                "format (only WARC files are read)")
            if record.rec_type != "response" or record.http_headers is None:
                yield records.get_record_offset(), None  # (reads the record to its end)
                continue
            headers = record.http_headers
            try:
                status = int(headers.get_statuscode() or 0)
            except ValueError:
                status = 0
            ctype_raw = headers.get_header("Content-Type") or ""
            media = ctype_raw.split(";")[0].strip().lower() or None
            cs = _CHARSET.search(ctype_raw)
            body, truncated = _read_capped(record.content_stream(), max_bytes)
            offset = records.get_record_offset()  # only after the body: it reads to the end
            yield offset, WarcResponse(
                offset=offset,
                url=record.rec_headers.get_header("WARC-Target-URI") or "",
                date=_warc_date(record.rec_headers.get_header("WARC-Date")),
                status=status,
                content_type=media,
                charset=cs.group(1) if cs else None,
                body=body,
                truncated=truncated,
            )
    except ArchiveLoadFailed as exc:
        raise WarcError(f"not a readable WARC record stream: {exc}") from exc


def _read_capped(stream: BinaryIO, max_bytes: int) -> tuple[bytes, bool]:
    """Up to max_bytes of a record body, in 64 kB reads (warcio's readers return nothing
    for one very large read request)."""
    parts, size = [], 0
    while size <= max_bytes:
        chunk = stream.read(65536)
        if not chunk:
            return b"".join(parts), False
        parts.append(chunk)
        size += len(chunk)
    return b"".join(parts)[:max_bytes], True


def open_at(path: Path, offset: int) -> BinaryIO:
    """The file opened for reading at `offset` (a record boundary from an earlier run)."""
    fh = path.open("rb")
    fh.seek(offset)
    return fh
