"""Charset labels from the network, turned into codecs that are safe to decode with.

A server chooses the label (Content-Type header, <meta>, XML declaration), and
Python's codec registry holds more than text encodings: `base64`, `hex`, `zip`
and `rot13` are bytes-to-bytes or str-to-str transforms, `undefined` always
raises, `idna` and `punycode` raise on ordinary text, `utf-7` smuggles markup
past filters. Only labels naming a real text encoding are accepted; for
anything else the caller falls back to its own default.
"""

from __future__ import annotations

import codecs

# Charset labels as browsers read them (WHATWG): the legacy label means the superset.
CHARSET_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
}

# Text codecs by Python's own flag that still must not decode web content.
_REFUSED = {
    "idna",
    "punycode",
    "undefined",
    "utf-7",
    "unicode-escape",
    "raw-unicode-escape",
    "unicode-internal",
    "mbcs",
    "oem",
}
MAX_LABEL = 40  # longer "charset names" are not names


def text_codec(label: str | None) -> str | None:
    """The Python codec name for a web charset label, or None if unknown or unsafe."""
    if not label or len(label) > MAX_LABEL:
        return None
    label = label.strip().lower()
    label = CHARSET_ALIASES.get(label, label)
    try:
        info = codecs.lookup(label)
    except (LookupError, ValueError):  # ValueError: a label with NUL bytes
        return None
    if not getattr(info, "_is_text_encoding", True):
        return None  # base64, hex, zip, rot13, bz2, quopri, uu...
    name = info.name.replace("_", "-")
    if name in _REFUSED:
        return None
    return info.name


def decode_text(body: bytes, label: str | None, default: str = "utf-8") -> str:
    """Bytes as text with the label's codec if it is a safe one, else `default`; never raises."""
    name = text_codec(label) or default
    try:
        return body.decode(name, errors="replace")
    except (LookupError, UnicodeError):
        return body.decode(default, errors="replace")
