"""An upload: the files a school sent, taken into a folder of their own that becomes the pack,
and the choices the user makes on the page written into its pack.toml.

Only the kinds of file the loader reads are taken, each under its own base name; every other
file is listed as not taken, with the reason. Nothing is written or read outside the folder."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import BinaryIO

import tomlkit
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request

from auditor.load import FILES, split_sheet
from auditor.load.readers import OTHER_SUFFIXES
from auditor_service import archive
from auditor_service.settings import Settings

TAKEN_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".parquet", ".xml")
PACK_TOML = "pack.toml"
PACK_FILES = (PACK_TOML, "waivers.csv")  # the pack's own, read by their names: no role to choose
KINDS = "CSV, TSV, TXT, XLSX, XLSM, Parquet, XML (Common Transfer Files), a zip of them, and pack.toml"
MAX_FILES = 500  # parts of one form
# What every form is parsed with. The CSRF check parses a POST's form first and the views get it
# cached, so these are the limits that hold, for uploads and for every other form.
FORM_LIMITS = {"max_files": MAX_FILES, "max_fields": 1000, "max_part_size": 64 * 1024}
MAX_ZIP_ENTRIES = 2000
UNPACK_FACTOR = 10  # all the zips of one upload unpack to at most this many times the upload limit
CTF = "ctf"
_LABELS = {"attendance": "attendance register", "la_returns": "LA's list of returns",
           "allocations": "LA's allocations of places", "part_time_timetables": "part-time timetables",
           "calendar": "school calendar"}
ROLES = {spec.key: _LABELS.get(spec.key, spec.key.replace("_", " ")) for spec in FILES} | {
    CTF: "Common Transfer File (register and attendance)"}


@dataclass
class Received:
    taken: list[dict] = field(default_factory=list)  # {name, bytes}
    refused: list[dict] = field(default_factory=list)  # {name, refused}: what was not taken, and why

    @property
    def files(self) -> list[dict]:
        return self.taken + self.refused


def new_folder(settings: Settings, upload_id: str) -> Path:
    folder = settings.uploads / upload_id
    folder.mkdir(parents=True)
    return folder


async def receive(request: Request, settings: Settings, folder: Path) -> Received:
    """Take the form's ``files`` into ``folder``."""
    form = await request.form(**FORM_LIMITS)
    try:
        sent = [f for f in form.getlist("files") if isinstance(f, UploadFile) and f.filename]
        return await run_in_threadpool(take, folder, [(f.filename, f.file) for f in sent], settings)
    finally:
        await form.close()


def take(folder: Path, sent: list[tuple[str, BinaryIO]], settings: Settings) -> Received:
    received = Received()
    budget = archive.Budget(UNPACK_FACTOR * settings.max_upload_bytes)
    for raw_name, source in sent:
        if PurePosixPath(raw_name.replace("\\", "/")).suffix.lower() == ".zip":
            _take_zip(folder, raw_name, source, budget, received)
            continue
        name, refused = pack_name(raw_name, received)
        if refused:
            received.refused.append({"name": raw_name, "refused": refused})
            continue
        with _create(folder, name) as out:
            shutil.copyfileobj(source, out, archive.CHUNK)
            received.taken.append({"name": name, "bytes": out.tell()})
    return received


def _take_zip(folder: Path, zip_name: str, source: BinaryIO, budget: archive.Budget, received: Received) -> None:
    shown = _base(zip_name)
    written: list[dict] = []
    try:
        with zipfile.ZipFile(source) as zipped:
            found = archive.entries(zipped, MAX_ZIP_ENTRIES)
            budget.check_declared(found)
            for entry, base in archive.files(found):
                where = f"{shown}: {entry.name}"
                if base is None:
                    received.refused.append({"name": where, "refused": entry.refused})
                    continue
                name, refused = pack_name(base, received, written)
                if refused:
                    received.refused.append({"name": where, "refused": refused})
                    continue
                with _create(folder, name) as out:
                    written.append({"name": name, "bytes": 0})
                    written[-1]["bytes"] = archive.unpack(zipped, entry, out, budget)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError):
        _forget(folder, written)
        received.refused.append({"name": shown, "refused": "it is not a zip that can be opened (damaged, or an unknown kind of compression)"})
    except archive.ArchiveRefused as err:
        _forget(folder, written)
        received.refused.append({"name": shown, "refused": f"the zip {err}"})
    else:
        received.taken += written


def _forget(folder: Path, written: list[dict]) -> None:
    for file in written:
        (folder / file["name"]).unlink(missing_ok=True)


def _create(folder: Path, name: str) -> BinaryIO:
    path = folder / name
    if path.parent != folder or name in (".", ".."):  # pack_name makes this impossible; never trusted
        raise ValueError(f"unsafe file name {name!r}")
    return open(path, "xb")  # exclusive: never over a file (or a link) already there


def _base(raw: str) -> str:
    return raw.replace("\\", "/").rsplit("/", 1)[-1].strip()


def pack_name(raw: str, received: Received, pending: list[dict] = ()) -> tuple[str, str | None]:
    """The name ``raw`` takes in the pack (its base name), or why it is not taken."""
    name = _base(raw)
    suffix = PurePosixPath(name).suffix.lower()
    if not name or name in (".", ".."):
        return name, "it has no file name"
    if name.startswith("."):
        return name, "a hidden file"
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        return name, "its name has control characters in it"
    try:
        if len(name.encode("utf-8")) > 200:
            return name, "its name is longer than 200 characters"
    except UnicodeEncodeError:
        return name, "its name is not text the pack can name: rename it"
    if name.lower() == PACK_TOML:
        name = PACK_TOML
    elif suffix not in TAKEN_SUFFIXES:
        return name, f"not a kind of file an inspection reads ({suffix or 'no extension'}); it takes {KINDS}"
    elif split_sheet(name)[0] != name:
        return name, "its name has '#' after .xlsx, which pack.toml reads as a sheet name: rename it"
    if any(f["name"].casefold() == name.casefold() for f in [*received.taken, *pending]):
        return name, f"another file named {name} was taken first"
    return name, None


# What the user chooses on the page, written into pack.toml.


def read_toml(root: Path) -> tomlkit.TOMLDocument:
    try:
        return tomlkit.parse((root / PACK_TOML).read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, tomlkit.exceptions.TOMLKitError):
        return tomlkit.document()


def write_toml(root: Path, doc: tomlkit.TOMLDocument) -> None:
    (root / PACK_TOML).write_text(tomlkit.dumps(doc), encoding="utf-8")


def check_roles(root: Path, roles: dict[str, str | None]) -> list[str]:
    """Why ``roles`` (file name -> role, or None: not used) cannot be written, if they cannot."""
    problems = []
    for key, label in ROLES.items():
        chosen = [name for name, role in roles.items() if role == key]
        if key != CTF and len(chosen) > 1:
            problems.append(f"{' and '.join(chosen)} are each chosen as the {label}: choose one")
    for spec in FILES:
        stem = spec.default_name.rsplit(".", 1)[0]
        defaults = {spec.default_name, *(stem + suffix for suffix in OTHER_SUFFIXES)}
        for name, role in roles.items():
            if name in defaults and role != spec.key and spec.key not in roles.values():
                problems.append(f"{name} is always read as the {ROLES[spec.key]}, by its name, unless another file is: "
                                f"choose it or another file as the {ROLES[spec.key]}, or upload it under another name")
    ctfs = [name for name, role in roles.items() if role == CTF]
    xmls = [name for name in roles if name.lower().endswith(".xml")]
    if len(ctfs) > 1 and len(ctfs) < len(xmls):
        problems.append("choose one XML file as the Common Transfer File, or all of them")
    return problems


def write_roles(
    root: Path,
    roles: dict[str, str | None],
    presets: dict[str, str | None],
    layout: str | None,
    mappings: dict[str, dict[str, str]],
) -> None:
    """``[files]`` and ``[columns]`` of pack.toml from the choices: each role's file (where it is not
    the default name), the attendance layout, each file's preset and its headers named by hand."""
    doc = read_toml(root)
    old = doc.get("files", {})
    files = tomlkit.table()
    by_role = {role: name for name, role in roles.items() if role and role != CTF}
    for spec in FILES:
        name = by_role.get(spec.key)
        if name is None:
            continue
        earlier = old.get(spec.key)
        value = earlier if isinstance(earlier, str) and split_sheet(earlier)[0] == name else name  # keep a sheet
        if value != spec.default_name:
            files[spec.key] = value
    if layout:
        files["attendance_layout"] = layout
    ctfs = [name for name, role in roles.items() if role == CTF]
    if len(ctfs) == 1:
        files[CTF] = ctfs[0]
    doc["files"] = files
    columns = tomlkit.table()
    for key in by_role:
        table = tomlkit.table()
        if presets.get(key):
            table["preset"] = presets[key]
        for contract, header in mappings.get(key, {}).items():
            table[contract] = header
        if table:
            columns[key] = table
    if "columns" in doc:
        del doc["columns"]
    if columns:
        doc["columns"] = columns
    write_toml(root, doc)


def write_inspection(root: Path, *, urn: str, name: str, la: str, as_of: dt.date, period_start: dt.date,
                     policy: str) -> None:
    """``[school]`` and ``[inspection]`` as set on the page; the school's other keys kept (a CTF's
    laestab), and the comments ``init`` wrote for the user to check dropped with what they were on."""
    doc = read_toml(root)
    for name_, values in (("school", {"urn": urn, "name": name, "la": la}),
                          ("inspection", {"date": as_of, "period_start": period_start, "policy": policy})):
        earlier = doc.get(name_)
        kept = {k: v for k, v in earlier.unwrap().items() if k not in values} if isinstance(earlier, dict) else {}
        table = tomlkit.table()
        for key, value in {**values, **kept}.items():
            table[key] = value
        table.add(tomlkit.nl())
        doc[name_] = table
    write_toml(root, doc)


# A batch: a folder of packs (chosen in the browser, each file named by its path in the folder)
# and/or zips of pack folders. Each folder with a pack.toml is a pack, taken as an upload of its own.

MAX_DEPTH = 6  # parts of a path a batch takes: a file at most five folders down
NOT_IN_A_PACK = "it is not in a pack folder (a folder with a pack.toml), so no inspection reads it"


class BatchRefused(Exception):
    """The whole batch is refused: a zip in it unpacks to too much, or breaks while unpacking."""


@dataclass
class Pack:
    """One pack of a batch: its folder as sent (``packs/school-a``, ``la.zip: school-a``), the
    upload id its files were taken under, and what was taken."""

    folder: str
    upload_id: str
    received: Received


@dataclass
class BatchReceived:
    packs: list[Pack] = field(default_factory=list)
    not_used: list[dict] = field(default_factory=list)  # {name, refused}: files in no pack, and why


@dataclass(frozen=True)
class _Sent:
    """A file of a batch, before it is taken: where it came from, its path, and how to copy it."""

    source: str  # "" for the folder chosen, else the zip's name
    parts: tuple[str, ...]
    shown: str
    copy: Callable[[BinaryIO], int]


async def receive_batch(request: Request, settings: Settings, new_id: Callable[[], str]) -> BatchReceived:
    """Take the form's ``files`` (a folder's files and/or zips) as packs, each into a new upload folder."""
    form = await request.form(**FORM_LIMITS)
    try:
        sent = [f for f in form.getlist("files") if isinstance(f, UploadFile) and f.filename]
        return await run_in_threadpool(take_batch, [(f.filename, f.file) for f in sent], settings, new_id)
    finally:
        await form.close()


def take_batch(sent: list[tuple[str, BinaryIO]], settings: Settings, new_id: Callable[[], str]) -> BatchReceived:
    """Each folder with a pack.toml, in the folder or a zip, taken into its own upload folder; files
    in no pack listed as not used. Raises BatchRefused (with every folder it made deleted)."""
    batch = BatchReceived()
    budget = archive.Budget(UNPACK_FACTOR * settings.max_upload_bytes)
    with contextlib.ExitStack() as open_zips:
        files: list[_Sent] = []
        zips: set[str] = set()
        for raw_name, source in sent:
            parts, refused = _batch_parts(raw_name)
            if refused:
                batch.not_used.append({"name": raw_name, "refused": refused})
            elif PurePosixPath(parts[-1]).suffix.lower() != ".zip":
                files.append(_Sent("", parts, "/".join(parts), functools.partial(_copy, source)))
            elif (shown := "/".join(parts)).casefold() in zips:  # its packs would be taken for the first's
                batch.not_used.append({"name": shown, "refused": f"another zip named {shown} was taken first"})
            else:
                zips.add(shown.casefold())
                files += _zip_files(shown, source, budget, open_zips, batch)
        packs = sorted({(f.source, f.parts[:-1]) for f in files if f.parts[-1].lower() == PACK_TOML})
        by_pack: dict[tuple, list[_Sent]] = {pack: [] for pack in packs}
        for file in files:
            if (file.source, file.parts[:-1]) in by_pack:
                by_pack[file.source, file.parts[:-1]].append(file)
            else:
                batch.not_used.append({"name": file.shown, "refused": NOT_IN_A_PACK})
        made: list[str] = []
        try:
            for (source, folder), members in by_pack.items():
                made.append(new_id())
                batch.packs.append(_take_pack(settings, made[-1], _pack_folder(source, folder), members))
        except BaseException as err:
            for upload_id in made:
                shutil.rmtree(settings.uploads / upload_id, ignore_errors=True)
            if isinstance(err, archive.ArchiveRefused):
                raise BatchRefused(f"A zip {err}") from err
            if isinstance(err, (zipfile.BadZipFile, NotImplementedError, EOFError)):
                raise BatchRefused("A zip could not be unpacked (damaged, or an unknown kind of compression)") from err
            raise
    return batch


def _batch_parts(raw: str) -> tuple[tuple[str, ...], str | None]:
    """A path in the folder chosen, as parts a batch can group by; or why it is not taken."""
    parts, refused = archive.split_path(raw)
    if refused or not parts:
        return (), refused or "it has no file name"
    if archive.hidden(parts):
        return (), "a hidden or system file"
    if len(parts) > MAX_DEPTH:
        return (), f"it is more than {MAX_DEPTH - 1} folders down: choose a folder nearer the packs"
    if any(ord(c) < 32 or ord(c) == 127 for part in parts for c in part):
        return (), "its path has control characters in it"
    return parts, None


def _zip_files(shown: str, source: BinaryIO, budget: archive.Budget, open_zips: contextlib.ExitStack,
               batch: BatchReceived) -> list[_Sent]:
    try:
        zipped = open_zips.enter_context(zipfile.ZipFile(source))
        found = archive.entries(zipped, MAX_ZIP_ENTRIES)
        budget.check_declared(found)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError):
        batch.not_used.append({"name": shown, "refused": "it is not a zip that can be opened (damaged, or an unknown kind of compression)"})
        return []
    except archive.ArchiveRefused as err:
        batch.not_used.append({"name": shown, "refused": f"the zip {err}"})
        return []
    files = []
    for entry in found:
        where = f"{shown}: {entry.name}"
        refused = entry.refused
        if refused is None:
            refused = _batch_parts("/".join(entry.parts))[1]
        if refused:
            batch.not_used.append({"name": where, "refused": refused})
            continue
        files.append(_Sent(shown, entry.parts, where, functools.partial(_unpack, zipped, entry, budget)))
    return files


def _copy(source: BinaryIO, out: BinaryIO) -> int:
    shutil.copyfileobj(source, out, archive.CHUNK)
    return out.tell()


def _unpack(zipped: zipfile.ZipFile, entry: archive.Entry, budget: archive.Budget, out: BinaryIO) -> int:
    return archive.unpack(zipped, entry, out, budget)


def _pack_folder(source: str, folder: tuple[str, ...]) -> str:
    path = "/".join(folder)
    if source:
        return f"{source}: {path}" if path else source
    return path or "the files chosen"


def _take_pack(settings: Settings, upload_id: str, folder_name: str, members: list[_Sent]) -> Pack:
    folder = new_folder(settings, upload_id)
    pack = Pack(folder_name, upload_id, Received())
    for file in members:
        name, refused = pack_name(file.parts[-1], pack.received)
        if refused:
            pack.received.refused.append({"name": file.parts[-1], "refused": refused})
            continue
        with _create(folder, name) as out:
            pack.received.taken.append({"name": name, "bytes": file.copy(out)})
    return pack
