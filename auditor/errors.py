"""Errors that stop an inspection, and the crash report of an error that should never happen.
Everything else is reported, not raised."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import sys
import traceback
from pathlib import Path


class PackError(Exception):
    """The pack, a policy or a file named by an option cannot be used (exit status 2). The
    message names the file and the problem."""

    def __init__(self, file: str, problem: str):
        self.file = file
        self.problem = problem
        super().__init__(f"{file}: {problem}")


class RuleDefinitionError(Exception):
    """A rule or policy file is malformed: a fault in the tool's configuration, not in the pack."""


def crash_report(command: str, error: BaseException) -> dict:
    """What an internal error report holds: the versions, the command, the kinds of exception and
    where they were raised. Never an exception's message or arguments, nor the locals: those can
    hold a register's cells, and so pupils' names."""
    from auditor import __version__

    chain, seen = [], set()
    while error is not None and id(error) not in seen:  # the error, then its causes
        seen.add(id(error))
        chain.append({
            "type": f"{type(error).__module__}.{type(error).__qualname__}",
            "frames": [
                {"file": file, "line": line, "function": function}
                for file, line, function in getattr(error, "frames", None)  # raised in a helper process
                or [(f.filename, f.lineno, f.name) for f in traceback.extract_tb(error.__traceback__)]
            ],
        })
        error = error.__cause__ or (None if error.__suppress_context__ else error.__context__)
    return {
        "tool": "register-auditor",
        "version": __version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "command": command,
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "exceptions": chain,
    }


def write_crash_report(command: str, error: BaseException) -> Path:
    """Write the crash report into the user's cache folder and return its path; raises OSError
    when it cannot be written."""
    from auditor.resources import user_cache

    folder = user_cache("crash-reports")
    if folder is None:
        raise OSError("the user has no home folder")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"crash-{dt.datetime.now():%Y%m%d-%H%M%S-%f}-{os.getpid()}.json"
    path.write_text(json.dumps(crash_report(command, error), indent=1), encoding="utf-8")
    return path


def describe_crash(command: str, error: BaseException) -> str:
    """One line for an internal error: its kind and where its crash report is (never its message,
    which can hold a cell's value). Writes the crash report, best effort."""
    try:
        where = f"crash report: {write_crash_report(command, error)}"
    except OSError as err:
        where = f"no crash report could be written ({err.strerror or err})"
    return f"internal error ({type(error).__name__}); {where}"
