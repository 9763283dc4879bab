"""The ``register-audit`` command: thin over the library."""

from __future__ import annotations

import datetime as dt
import os
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text
from typer.core import TyperGroup

from auditor import __version__, catalogue
from auditor.errors import PackError, describe_crash
from auditor.history import compare, load_previous
from auditor.inspection import inspect as run_inspection
from auditor.inspection import prepare_process
from auditor.load import load_pack
from auditor.policy import load_policy
from auditor.pseudonym import pseudonymise
from auditor.report import DEFAULT_FORMATS, WRITERS, write_outputs
from auditor.rules import SEVERITY_ORDER, find_rule
from auditor.values import parse_date

EXIT_STATUSES = (
    "Exit status: 0 inspected; 1 findings at --fail-on, or rows rejected by validate; 2 the pack, "
    "a policy or an option cannot be used (the message names the file and the key or column); "
    "3 an internal error (one line, and a crash report without pupil data in the user's cache "
    "folder; --debug prints the traceback instead)."
)


REFUSED = {
    "inspect": "Cannot inspect the pack",
    "validate": "The pack is malformed",
    "init": "Cannot write a pack",
    "policy": "Cannot compare the policies",
}


class Commands(TyperGroup):
    """Every command's errors, in one place. A ``PackError`` is exit 2 with its message. Any
    other exception is an internal error, exit 3: one line naming its kind and its crash report,
    never its message (which can hold a cell's value), unless ``--debug`` asks for the traceback."""

    def invoke(self, ctx: typer.Context):
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.TyperException, BrokenPipeError):  # click's own: usage errors are 2
            raise
        except PackError as err:
            heading = REFUSED.get(ctx.invoked_subcommand, "error")
            errors.print(Text.assemble((heading, "bold red"), ": ", str(err)), soft_wrap=True)
            raise typer.Exit(2) from None
        except Exception as err:
            command = ctx.invoked_subcommand or ctx.info_name or "register-audit"
            if ctx.params.get("debug"):
                traceback.print_exception(err)
            else:
                errors.print(
                    Text.assemble(
                        ("error", "bold red"),
                        f": register-audit {command}: {describe_crash(command, err)}; "
                        "run again with --debug for the traceback",
                    ),
                    soft_wrap=True,
                )
            raise typer.Exit(3) from None


app = typer.Typer(
    cls=Commands,
    help="Check a school's admission and attendance registers against the pupil registration "
    "regulations and local policy.",
    epilog=EXIT_STATUSES,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,  # a traceback is printed only with --debug, and never its locals
)
# Data (school names, codes, headers, file names) is printed as Text, never read as markup or emoji.
console = Console(emoji=False, highlight=False)
errors = Console(stderr=True, emoji=False, highlight=False)

COLOURS = {"red": "bold red", "amber": "bold yellow", "green": "bold green"}


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"register-audit {__version__}")
        raise typer.Exit()


@app.callback()
def _global_options(
    debug: Annotated[
        bool, typer.Option("--debug", help="On an internal error, print the traceback instead of a crash report.")
    ] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    pass  # the options are read where they act: _print_version, Commands.invoke


@contextmanager
def _writing(out: Path) -> Iterator[None]:
    """Outputs that cannot be written are a fault of the folder given (exit 2), not of the tool."""
    try:
        yield
    except OSError as err:
        raise PackError(str(err.filename or out), f"cannot be written ({err.strerror or err})") from None


def _check_out(out: Path) -> None:
    """Refuse an --out that cannot be a folder before any work is done."""
    if out.exists() and not out.is_dir():
        raise PackError(str(out), "is a file: --out names the folder to write the outputs into")


class FailOn(str, Enum):
    red = "red"
    amber = "amber"
    green = "green"
    never = "never"


def _formats(values: list[str]) -> list[str]:
    """``--format pdf --format xlsx`` or ``--format pdf,xlsx``: the named views, in order, once,
    and findings.json always (the source of truth, which ``--previous`` reads)."""
    names = [name.strip().lower() for value in values for name in value.split(",") if name.strip()]
    unknown = sorted(set(names) - set(WRITERS))
    if unknown:
        raise typer.BadParameter(f"unknown format {', '.join(unknown)}; choose from {', '.join(WRITERS)}")
    return list(dict.fromkeys(names if "json" in names else ["json", *names]))


def _as_of(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return parse_date(value)
    except ValueError as err:
        raise typer.BadParameter(str(err), param_hint="--as-of") from None


@app.command("inspect")
def inspect_command(
    pack: Annotated[Path, typer.Argument(help="The inspection pack folder (with pack.toml).")],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder for the outputs (by default findings.json, findings.csv, report.html).")
    ] = Path("inspection"),
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Judge as at this date (dd/mm/yyyy); default: the pack's.")
    ] = None,
    policy: Annotated[
        str | None, typer.Option("--policy", help="A bundled policy name or a policy file; default: the pack's.")
    ] = None,
    fail_on: Annotated[
        FailOn, typer.Option("--fail-on", help="Exit 1 when any finding is at least this severe.")
    ] = FailOn.never,
    formats: Annotated[
        list[str],
        typer.Option(
            "--format",
            "-f",
            help=f"Outputs to write, repeated or comma-separated: {', '.join(WRITERS)}. "
            "pdf: report.pdf; xlsx: findings.xlsx. findings.json is always written.",
        ),
    ] = [",".join(DEFAULT_FORMATS)],
    previous: Annotated[
        Path | None,
        typer.Option("--previous", help="The last inspection's findings.json: mark findings new, still open, resolved."),
    ] = None,
    pseudonymised: Annotated[
        bool,
        typer.Option("--pseudonymise", help="Replace pupils' names and UPNs by stable pseudonyms in every output."),
    ] = False,
    pseudonym_key: Annotated[
        str | None,
        typer.Option(
            "--pseudonym-key",
            envvar="REGISTER_AUDIT_PSEUDONYM_KEY",
            help="Secret key for --pseudonymise (or set REGISTER_AUDIT_PSEUDONYM_KEY: keeps it out of shell history). Default: derived from the school's URN, so anyone "
            "who knows the URN and a UPN can recompute the pseudonym; give a secret key to prevent that.",
        ),
    ] = None,
) -> None:
    """Inspect a pack and write the findings and the report.

    findings.json is always written, whatever --format says.

    Exit 0 inspected, 1 findings at --fail-on, 2 the pack, a policy or an option cannot be used, 3 an internal error.
    """
    chosen_formats = _formats(formats)
    _check_out(out)
    prepare_process()
    result = run_inspection(pack, as_of=_as_of(as_of), policy=policy, processes=os.cpu_count() or 1)
    if previous is not None:
        result = compare(result, *load_previous(previous, urn=result.school.urn))
    if pseudonymised:
        result = pseudonymise(result, pseudonym_key)
    with _writing(out):
        written = write_outputs(result, out, chosen_formats)

    school = result.school
    table = Table(title=Text(f"{school.name} (URN {school.urn}) as at {result.inspection.date:%d/%m/%Y}"))
    table.add_column("Rule", no_wrap=True)
    table.add_column("Title")
    table.add_column("Status")
    for severity in COLOURS:
        table.add_column(severity.capitalize(), justify="right")
    for rule in result.rules:
        status = "checked" if rule.status == "checked" else f"not checked: {rule.reason}"
        counts = [str(result.count(severity, rule.code)) for severity in COLOURS]
        table.add_row(*map(Text, (rule.code, rule.title, status, *counts)))
    console.print(table)
    read = sum(i.rows for i in result.inputs)
    rejected = sum(i.rejected for i in result.inputs)
    waived = f"· {len(result.waived)} waived (not counted) " if result.waived else ""
    console.print(
        Text.assemble(
            f"{len(result.counted)} findings ",
            *[part for s in COLOURS for part in ((f"{result.count(s)} {s}", COLOURS[s]), " ")],
            f"{waived}· {read} rows read, {rejected} rejected · policy {result.inspection.policy}",
        )
    )
    if result.inspection.previous_date:
        new = sum(1 for f in result.findings if f.change == "new")
        console.print(
            f"since {result.inspection.previous_date:%d/%m/%Y}: {new} new, "
            f"{len(result.findings) - new} still open, {len(result.resolved)} resolved",
        )
    for path in written:
        console.print(Text(f"  wrote {path}"))

    if fail_on is not FailOn.never:
        limit = SEVERITY_ORDER[fail_on.value]
        if any(SEVERITY_ORDER[f.severity] <= limit for f in result.counted):
            raise typer.Exit(1)


@app.command("inspect-la")
def inspect_la_command(
    folder: Annotated[Path, typer.Argument(help="A folder of inspection packs (each with its pack.toml), at any depth.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for each school's outputs and the summary.")] = Path(
        "authority"
    ),
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Judge every pack as at this date (dd/mm/yyyy); default: each pack's.")
    ] = None,
    policy: Annotated[str | None, typer.Option("--policy", help="Policy for every pack; default: each pack's.")] = None,
    formats: Annotated[
        list[str], typer.Option("--format", "-f", help=f"Each school's outputs: {', '.join(WRITERS)}.")
    ] = [",".join(DEFAULT_FORMATS)],
    workers: Annotated[
        int | None, typer.Option("--workers", "-j", help="Processes to use (default: every core).")
    ] = None,
) -> None:
    """Inspect every pack under a folder (a whole authority) and write an authority summary.

    Each school's outputs go into a folder of its own (findings.json always).

    A pack that fails does not stop the others, and the summary is still written.

    Exit 0 when every pack was inspected, 2 when some could not be used, 3 when any hit an internal error.
    """
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from auditor.authority_report import write_summary
    from auditor.batch import find_packs, inspect_authority

    chosen_formats, as_of_date = _formats(formats), _as_of(as_of)
    if not folder.is_dir():
        raise PackError(str(folder), "no such folder")
    _check_out(out)
    total = len(find_packs(folder))
    if total == 0:
        raise PackError(str(folder), "holds no packs (folders with a pack.toml)")
    with _writing(out):
        out.mkdir(parents=True, exist_ok=True)
    seen = {"pupils": 0, "marks": 0, "failed": 0}
    with Progress(
        TextColumn("[bold]schools"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[pupils]:,} pupils · {task.fields[marks]:,} marks · {task.fields[failed]} failed"),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    ) as progress:
        task = progress.add_task("inspect", total=total, **seen)

        def advance(result, _total):
            seen["pupils"] += result.pupils
            seen["marks"] += result.marks
            seen["failed"] += 0 if result.ok else 1
            progress.update(task, advance=1, **seen)

        summary = inspect_authority(
            folder, out, as_of=as_of_date, policy=policy, formats=chosen_formats, workers=workers,
            on_result=advance,
        )
    with _writing(out):
        paths = write_summary(summary, out)
    for school in summary.failed:
        errors.print(Text.assemble((school.pack, "bold red"), f": {school.error}"), soft_wrap=True)
    console.print(
        Text(
            f"{len(summary.schools) - len(summary.failed)} of {len(summary.schools)} schools inspected in "
            f"{summary.seconds:.1f}s · summary: {paths[2]}"
        )
    )
    if summary.failed:
        raise typer.Exit(3 if summary.crashed else 2)


@app.command("rules")
def rules_command(
    markdown: Annotated[
        bool, typer.Option("--markdown", help="Print the catalogue as the README's Markdown table.")
    ] = False,
) -> None:
    """List the rule catalogue."""
    if markdown:
        typer.echo(catalogue.markdown(), nl=False)
        return
    table = Table(box=None, pad_edge=False)
    for column in ("Code", "Name", "Severity", "Duty"):
        table.add_column(column, no_wrap=True)
    table.add_column("What it finds")
    for entry in catalogue.entries():
        table.add_row(*map(Text, (entry.code, entry.name, entry.severity, entry.requirement, entry.title)))
    console.print(table)


@app.command("explain")
def explain_command(
    code: Annotated[str, typer.Argument(help="A rule code (REG001) or name (deletion-not-notified).")],
    policy: Annotated[str, typer.Option("--policy", help="Show thresholds under this policy.")] = "statutory",
) -> None:
    """Explain a rule: what it does, why, its legal basis, its thresholds and an example."""
    rule = find_rule(code)
    if rule is None:
        raise typer.BadParameter(f"no rule {code!r}: `register-audit rules` lists them", param_hint="CODE")
    chosen = load_policy(policy)
    today = dt.date.today()
    console.print(Text.assemble((f"{rule.code} {rule.name}", "bold"), f": {rule.title}"))
    listed = catalogue.entry(rule)
    console.print(Text(f"Severity: {listed.severity} · duty: {listed.requirement} · needs: {listed.needs}"))
    sections = [("What it does", rule.explain.what), ("Why is this bad?", rule.explain.why)]
    if rule.explain.exempt:
        sections.append(("Exempt", rule.explain.exempt))
    sections.append(("Example", rule.explain.example))
    for heading, body in sections:
        console.print(Text.assemble("\n", (heading, "bold"), "\n", body))
    console.print(Text.assemble("\n", ("Legal basis", "bold")))
    for era, text in rule.legal_basis.items():
        label = {"any": "In any era"}.get(era, f"{era} Regulations era")
        console.print(Text(f"- {label}: {text}"))
    console.print(Text.assemble("\n", ("Thresholds", "bold"), f" (policy {chosen.name})"))
    if not rule.uses:
        console.print("- none")
    for name in rule.uses:
        threshold = chosen.thresholds[name]
        console.print(
            Text(
                f"- {name} = {threshold.value_on(today)} {threshold.unit}: {threshold.description}. "
                f"Source: {threshold.source}"
            )
        )


@app.command("validate")
def validate_command(
    pack: Annotated[Path, typer.Argument(help="The inspection pack folder (with pack.toml).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON (inputs, rejected_rows).")] = False,
) -> None:
    """Check a pack without inspecting it: every rejected row with file, line, column and reason.

    Exit 0 when every row was accepted, 1 when rows were rejected, 2 when the pack is malformed."""
    import dataclasses
    import json

    try:
        loaded = load_pack(pack)
        load_policy(loaded.config.inspection.policy, base=loaded.root)
    except PackError as err:
        if not as_json:
            raise  # told as every command's errors are
        typer.echo(json.dumps({"valid": False, "malformed": {"file": err.file, "problem": err.problem}}))
        raise typer.Exit(2) from None
    rejected = sum(s.rejected for s in loaded.inputs)
    if as_json:
        result = {
            "valid": rejected == 0,
            "inputs": [dataclasses.asdict(s) for s in loaded.inputs],
            "rejected_rows": [dataclasses.asdict(r) for r in loaded.rejected],
            "notes": [dataclasses.asdict(n) for n in loaded.notes],
        }
        typer.echo(json.dumps(result, ensure_ascii=False, indent=1))
        raise typer.Exit(1 if rejected else 0)
    table = Table(title=Text(f"{pack}: {loaded.config.school.name} (URN {loaded.config.school.urn})"))
    for column in ("File", "Layout", "Counted", "Rows", "Accepted", "Rejected", "Encoding"):
        table.add_column(column, overflow="fold")
    for summary in loaded.inputs:
        cells = (
            summary.file + (f" (sheet {summary.sheet})" if summary.sheet else ""),
            summary.layout or "-",
            {"cell": "marks", "record": "records"}.get(summary.unit, "rows"),
            str(summary.rows),
            str(summary.accepted),
            str(summary.rejected),
            summary.encoding,
        )
        table.add_row(*map(Text, cells))
    console.print(table)
    absent = [spec for spec in ("attendance", "la_returns", "allocations", "part_time_timetables", "calendar")
              if not loaded.has(spec)]
    if absent:
        console.print(Text("Not in the pack: " + ", ".join(loaded.file_name(key) for key in absent)))
    for row in loaded.rejected:
        where = f"line {row.line}" + (f", column {row.column!r}" if row.column else "")
        console.print(Text(f"{row.file} {where}: {row.reason}"), soft_wrap=True)
    for note in loaded.notes:  # a CTF's reading: what was decided and noticed, rejecting nothing
        where = f"line {note.line}" + (f", {note.column}" if note.column else "")
        console.print(Text(f"note: {note.file} {where}: {note.reason}"), soft_wrap=True)
    if rejected:
        console.print(f"[bold yellow]{rejected} rejected[/] of {sum(s.rows for s in loaded.inputs)} read.")
        raise typer.Exit(1)
    console.print("[bold green]Valid[/]: every row was accepted.")


@app.command("presets")
def presets_command() -> None:
    """List the column presets for school systems' exports (`\\[columns] preset = "..."`)."""
    from auditor.load import presets

    for preset in presets().values():
        files = ", ".join(preset.columns)
        console.print(Text.assemble((preset.name, "bold"), f": {preset.title} ({files})"))
        console.print(Text(f"  {' '.join(preset.description.split())}"), soft_wrap=True)


@app.command("init")
def init_command(
    folder: Annotated[Path, typer.Argument(help="A folder of exports (CSV or XLSX, or Common Transfer Files).")],
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing pack.toml.")] = False,
) -> None:
    """Write a pack.toml for a folder of exports, guessing which file is which.

    It guesses how their columns map (by the headers, against each system's preset), and says what was guessed.
    """
    from auditor.scaffold import describe, guess_pack, pack_toml

    if not folder.is_dir():
        raise PackError(str(folder), "no such folder")
    target = folder / "pack.toml"
    if target.exists() and not force:
        raise PackError(str(target), "already exists: use --force to overwrite it")
    guess = guess_pack(folder)
    for line in describe(guess):
        console.print(Text(f"- {line}"), soft_wrap=True)
    if not guess.complete:
        errors.print("No file looks like the admission register (upn, surname, forename, date_of_birth, "
                     "admission_date): no pack.toml written.")
        raise typer.Exit(2)
    with _writing(target):
        target.write_text(pack_toml(guess, dt.date.today()), encoding="utf-8")
    console.print(Text(f"wrote {target}: fill in the lines marked CHECK, then run `register-audit validate {folder}`"))


# ---- register-audit policy ... -----------------------------------------------------------------

policy_app = typer.Typer(help="Policies: what a draft policy would change.", no_args_is_help=True)
app.add_typer(policy_app, name="policy")


@policy_app.command("diff")
def policy_diff_command(
    pack: Annotated[Path, typer.Argument(help="The inspection pack folder (with pack.toml).")],
    policy: Annotated[
        str, typer.Option("--policy", help="The draft: a policy file (or a bundled policy's name) to compare with the pack's.")
    ],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Judge as at this date (dd/mm/yyyy); default: the pack's.")
    ] = None,
) -> None:
    """Inspect a pack under its own policy and under a draft: the findings the draft adds, removes and changes in severity.

    Exit 0 compared (whatever the draft changes), 2 the pack, the policy or an option cannot be used, 3 an internal error.
    """
    from auditor.drafts import compare as compare_findings

    load_policy(policy)  # a policy that cannot be used is told before any inspection
    prepare_process()
    when, processes = _as_of(as_of), os.cpu_count() or 1
    before = run_inspection(pack, as_of=when, policy=None, processes=processes)
    after = run_inspection(pack, as_of=when, policy=policy, processes=processes)
    change = compare_findings(before, after)
    school = before.school
    console.print(
        Text(
            f"{school.name} (URN {school.urn}) as at {before.inspection.date:%d/%m/%Y}: "
            f"policy {before.inspection.policy} -> {after.inspection.policy}"
        ),
        soft_wrap=True,
    )
    rows = [("added", None, f) for f in change.added]
    rows += [("removed", f, None) for f in change.removed]
    rows += [("changed", c.before, c.after) for c in change.changed]
    for kind, earlier, later in rows:
        finding = later or earlier
        severities = f"{earlier.severity if earlier else 'none'} -> {later.severity if later else 'none'}"
        console.print(
            Text.assemble(
                (f"{kind:<8}", "bold"),
                f"{finding.rule:<7}",
                (f"{severities:<16}", COLOURS[finding.severity]),
                f"{finding.id}  {finding.pupil or 'the school'}: {finding.summary}",
            ),
            soft_wrap=True,
        )
    console.print(Text(change.counts()))


def main() -> None:  # pragma: no cover
    app()
