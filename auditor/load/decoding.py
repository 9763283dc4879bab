"""Bytes to text: the encodings English MIS exports and hand-edited files arrive in."""

from __future__ import annotations


def decode(data: bytes) -> tuple[str, str]:
    """UTF-8 (with or without byte-order mark), UTF-16 with a byte-order mark (Excel's "Unicode
    text"), else Windows-1252, as English MIS exports are."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError:  # bytes cp1252 leaves undefined: keep them rather than fail
        return data.decode("latin-1"), "latin-1"
