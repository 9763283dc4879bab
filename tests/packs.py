"""Build inspection packs for tests: the contract's files written from a few Python calls
(``PackBuilder`` lives in the library, where the feature files' steps use it)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path

from auditor.scenarios.builder import PackBuilder, split_name, tokenise_marks, uk, upn_for

__all__ = ["PackBuilder", "one_unnotified_deletion", "split_name", "tokenise_marks", "uk", "upn_for", "zipped"]


def one_unnotified_deletion(tmp_path: Path) -> Path:
    """A pack whose one pupil was deleted on 10/01/2025 with no deletion return: a red REG001."""
    pack = PackBuilder(tmp_path / "pack")
    pack.add_pupil("Ada Example")
    pack.delete("Ada Example", dt.date(2025, 1, 10), "9(1)(g)")
    return pack.write(dt.date(2025, 1, 24))


def zipped(files: Mapping[str, bytes] | Iterable[tuple[str, bytes]]) -> bytes:
    """A zip, in memory, of ``files`` (name -> bytes, or pairs, which may repeat a name)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in (files.items() if isinstance(files, Mapping) else files):
            archive.writestr(name, data)
    return buffer.getvalue()
