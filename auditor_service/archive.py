"""A zip a school sends, opened without trusting it: no entry is written outside the folder it
is unpacked into, links and zips inside zips are refused, and a zip bomb is stopped by what it
really unpacks to, not by the sizes it declares."""

from __future__ import annotations

import re
import stat
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import BinaryIO

CHUNK = 1 << 20
_DRIVE = re.compile(r"^[A-Za-z]:")


class ArchiveRefused(Exception):
    """The whole zip is refused (unreadable, too many entries, or it unpacks to too much)."""


@dataclass(frozen=True)
class Entry:
    """One file of a zip: its path inside the zip, as parts with no climbing, or why it is refused."""

    name: str  # as the zip names it
    parts: tuple[str, ...] = ()
    refused: str | None = None
    info: zipfile.ZipInfo | None = None


def entries(archive: zipfile.ZipFile, max_entries: int) -> list[Entry]:
    """Every file entry of ``archive`` (folders left out), each either safe to unpack or refused
    with the reason."""
    infos = archive.infolist()
    if len(infos) > max_entries:
        raise ArchiveRefused(f"has {len(infos)} entries, more than the {max_entries} taken from one zip")
    found = []
    for info in infos:
        if info.is_dir():
            continue
        found.append(_entry(info))
    return found


def split_path(name: str) -> tuple[tuple[str, ...], str | None]:
    """``name``, a path inside a zip or a file's path in a folder chosen in the browser, as its
    parts; or, if it climbs out of its folder, no parts and why it is refused."""
    # ZipInfo turns "\" into "/" on Windows only; a zip made there may use either.
    name = name.replace("\\", "/")
    parts = tuple(p for p in name.split("/") if p not in ("", "."))
    if name.startswith("/") or _DRIVE.match(name) or ".." in parts or "\x00" in name:
        return (), "its path climbs out of the folder chosen (../, / or a drive letter)"
    return parts, None


def _entry(info: zipfile.ZipInfo) -> Entry:
    name = info.orig_filename.replace("\\", "/")
    parts, climbs = split_path(name)
    if climbs:
        return Entry(info.orig_filename, refused="its path climbs out of the zip's folder (../, / or a drive letter)")
    if stat.S_ISLNK(info.external_attr >> 16):
        return Entry(info.orig_filename, refused="it is a symbolic link, which is never followed")
    if info.flag_bits & 0x1:
        return Entry(info.orig_filename, refused="it is encrypted: send it unencrypted")
    if PurePosixPath(name).suffix.lower() in (".zip", ".jar"):
        return Entry(info.orig_filename, refused="it is a zip inside the zip: unzip it and send its files")
    return Entry(info.orig_filename, parts=parts, info=info)


def unpack(archive: zipfile.ZipFile, entry: Entry, target: BinaryIO, budget: Budget) -> int:
    """Copy ``entry`` into ``target``, counting every byte it really unpacks to against ``budget``."""
    written = 0
    with archive.open(entry.info) as source:
        while chunk := source.read(CHUNK):
            budget.spend(len(chunk))
            target.write(chunk)
            written += len(chunk)
    return written


class Budget:
    """What one upload may unpack to, in all its zips together."""

    def __init__(self, limit: int):
        self.limit, self.used = limit, 0

    def spend(self, size: int) -> None:
        self.used += size
        if self.used > self.limit:
            raise self._too_much()

    def check_declared(self, found: list[Entry]) -> None:
        """Refuse at once a zip that says it is too large (it is still counted as it unpacks); what
        it declares is not spent, so that the zips after it are judged on their own."""
        declared = sum(e.info.file_size for e in found if e.info is not None)
        if self.used + declared > self.limit:
            raise self._too_much()

    def _too_much(self) -> ArchiveRefused:
        return ArchiveRefused(
            f"unpacks to more than {self.limit // 1048576} MB, more than this service takes: it looks like "
            "a zip bomb, or send its files in smaller parts"
        )


def files(entries_: list[Entry]) -> Iterator[tuple[Entry, str | None]]:
    """Each entry with the name it takes in the pack, or None with the entry refused: a zip of a
    whole pack folder (one top folder) gives that folder's files; files in sub-folders are not
    the pack's."""
    usable = [e for e in entries_ if e.refused is None and not hidden(e.parts)]
    tops = {e.parts[0] for e in usable if len(e.parts) > 1}
    loose = [e for e in usable if len(e.parts) == 1]
    strip = 1 if len(tops) == 1 and not loose else 0
    for entry in entries_:
        if entry.refused is not None:
            yield entry, None
        elif hidden(entry.parts):
            yield Entry(entry.name, refused="a hidden or system file"), None
        elif len(entry.parts) - strip != 1:
            yield Entry(entry.name, refused="it is in a sub-folder: the pack is the files at the top of the zip"), None
        else:
            yield entry, entry.parts[-1]


def hidden(parts: tuple[str, ...]) -> bool:
    return any(p.startswith(".") or p == "__MACOSX" for p in parts)
