"""--pseudonymise on the sample school: whole identities are replaced wherever they are, and
nothing else is (the defect report's M6)."""

from __future__ import annotations

import csv
import html
import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from auditor import inspect
from auditor.cli import app
from auditor.pseudonym import pseudonymise
from auditor.report import write_outputs

SAMPLE = Path(__file__).resolve().parents[1] / "sample_registers" / "example-primary"
LISTS = ("admission_register.csv", "la_returns.csv", "allocations.csv")
VIEWS = ("findings.json", "findings.csv", "report.html")
PSEUDONYM = re.compile(r"P([0-9A-F]{10})")


def people(pack: Path) -> tuple[set[str], set[str]]:
    """Every surname and forename, and every UPN, of the pack's register and lists."""
    names, upns = set(), set()
    for name in LISTS:
        for row in csv.DictReader((pack / name).open(encoding="utf-8-sig")):
            names.update(row[c].strip() for c in ("surname", "forename") if row[c].strip())
            upns.update({row["upn"].strip()} - {""})
    return names, upns


def view_text(out: Path, name: str) -> str:
    text = (out / name).read_text(encoding="utf-8-sig")
    if name.endswith(".json"):
        return json.dumps(json.loads(text), ensure_ascii=False)
    return html.unescape(text) if name.endswith(".html") else text


def as_words(names: set[str], text: str) -> dict[str, int]:
    """How often each name occurs in ``text`` as a whole word."""
    counts = {name: len(re.findall(rf"(?<!\w){re.escape(name)}(?!\w)", text)) for name in names}
    return {name: count for name, count in counts.items() if count}


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """The sample inspected, and the same with a pupil surnamed England, a return whose bad cell
    holds a pupil's surname and a rejected line quoting a UPN."""
    pack = tmp_path_factory.mktemp("pack") / "england"
    shutil.copytree(SAMPLE, pack)
    register = pack / "admission_register.csv"
    register.write_text(
        register.read_text(encoding="utf-8").replace(
            "T961215424005,Rahman,Isabella,", "T961215424005,England,Isabella,"
        ),
        encoding="utf-8",
    )
    returns = pack / "la_returns.csv"
    returns.write_text(
        returns.read_text(encoding="utf-8").replace(
            "M961215424021,Hill,Aisha,06/09/2019,new_pupil,02/09/2024,",
            "M961215424021,Hill,Aisha,06/09/2019,new_pupil,Hill,",
        ),
        encoding="utf-8",
    )
    return inspect(SAMPLE), inspect(pack), pack


@pytest.fixture(scope="module")
def outputs(sample, tmp_path_factory):
    original, england, _ = sample
    folders = {}
    for name, result in (("sample", original), ("england", england)):
        folders[name] = tmp_path_factory.mktemp(name)
        write_outputs(pseudonymise(result), folders[name], ("json", "csv", "html"))
    return folders


def test_a_candidate_keeps_no_part_of_its_name(sample):
    # M6: "P045D0F34C8 (O'Neill, Pupil DB588A9F86, born 24/01/2016)", DB588A9F86 another pupil's.
    original, _, _ = sample
    result = pseudonymise(original)
    ((before, after),) = [(a, b) for a, b in zip(original.findings, result.findings) if a.rule == "DQ008"]
    assert "O'Neill, Siobhán" in before.evidence["candidates"]
    upn = result.findings[original.findings.index(before)].upn
    tag = PSEUDONYM.fullmatch(upn)[1]
    assert after.evidence["candidates"] == f"{upn} (Pupil {tag}, born 24/01/2016)"
    assert after.summary.endswith(f": {upn} (Pupil {tag}, born 24/01/2016).")
    assert after.pupil == f"Pupil {tag}" and "Siobh" not in after.summary and "Neill" not in after.summary


def test_a_surname_that_is_a_word_of_the_law_leaves_the_law_alone(sample):
    # M6: with a pupil surnamed England, every legal basis read "... (Pupil 6F3B236D75) Regulations".
    _, england, _ = sample
    result = pseudonymise(england)
    assert [f.legal_basis for f in result.findings] == [f.legal_basis for f in england.findings]
    assert [f.title for f in result.findings] == [f.title for f in england.findings]
    assert any("(England) Regulations 2024" in f.legal_basis for f in result.findings)
    (at,) = [i for i, f in enumerate(england.findings) if f.rule == "REG001" and f.upn == "T961215424005"]
    assert england.findings[at].summary.startswith("England, Isabella was deleted")
    deleted = result.findings[at]
    assert deleted.summary.startswith(f"Pupil {deleted.upn[1:]} was deleted") and "England" not in deleted.summary


@pytest.mark.parametrize("pack", ["sample", "england"])
def test_no_name_or_upn_of_the_pack_is_left_in_any_view(sample, outputs, pack, tmp_path):
    original, england, england_pack = sample
    result, folder = (original, SAMPLE) if pack == "sample" else (england, england_pack)
    names, upns = people(folder)
    # The words of the report and of the rules (a table headed "Green", a surname in the sample;
    # "(England) Regulations") may be names: none may occur more often than in the same views
    # with the findings' pupils, words and evidence taken out.
    unnamed = {"upn": None, "pupil": None, "summary": "", "action": "", "evidence": {}, "register_extract": None}
    bare = [f.model_copy(update=unnamed) for f in result.findings]
    write_outputs(result.model_copy(update={"findings": bare, "rejected_rows": []}), tmp_path, ("json", "csv", "html"))
    for view in VIEWS:
        text = view_text(outputs[pack], view)
        assert not [upn for upn in upns if upn in text], view
        own_words = as_words(names, view_text(tmp_path, view))
        found = as_words(names, text)
        assert {name: n for name, n in found.items() if n > own_words.get(name, 0)} == {}, view


def test_a_rejected_row_keeps_its_line_and_reason_but_not_its_cell_values(sample):
    _, england, _ = sample
    result = pseudonymise(england)
    (before,) = [r for r in england.rejected_rows if r.file == "la_returns.csv"]
    (after,) = [r for r in result.rejected_rows if r.file == "la_returns.csv"]
    assert "'Hill'" in before.reason
    assert after.reason == before.reason.replace("'Hill'", "'…'") and (after.line, after.column) == (
        before.line,
        before.column,
    )


def test_one_pseudonym_per_pupil_and_never_two_pupils_under_one(sample):
    original, _, _ = sample
    result = pseudonymise(original)
    seen: dict[str, set[str]] = {}

    def pair(real, pseudonym):
        if real:
            seen.setdefault(real, set()).add(pseudonym)

    for before, after in zip(original.findings, result.findings):
        pair(before.upn, after.upn)
        if before.register_extract:
            pair(before.register_extract.upn, after.register_extract.upn)
        for key, value in before.evidence.items():
            if key.endswith("upn") and value:
                pair(value, after.evidence[key])
        if before.upn and before.pupil:
            assert after.pupil == f"Pupil {after.upn[1:]}"  # the name and the UPN of a pupil share the tag
        for real, pseudonym in zip(
            re.findall(r"\b[A-Z]\d{12}\b", before.evidence.get("candidates") or ""),
            PSEUDONYM.findall(after.evidence.get("candidates") or ""),
        ):
            pair(real, f"P{pseudonym}")
    assert all(len(pseudonyms) == 1 for pseudonyms in seen.values()), seen
    assert len({next(iter(p)) for p in seen.values()}) == len(seen) > 40
    assert pseudonymise(original).findings == result.findings  # stable


def test_pupils_who_share_a_surname_each_get_their_own_and_the_word_stays(sample):
    # Rahman, Leo and Rahman, Isabella: replacing "Rahman" by one of them named the other wrongly.
    original, _, _ = sample
    template = original.findings[0]
    findings = [
        template.model_copy(
            update={
                "upn": upn,
                "pupil": name,
                "summary": f"{name} was deleted; Rahman is also a street.",
                "action": f"Return {name.split(', ')[1]} {name.split(', ')[0]} now.",
            }
        )
        for upn, name in (("F961215419028", "Rahman, Leo"), ("T961215424005", "Rahman, Isabella"))
    ]
    leo, isabella = pseudonymise(original.model_copy(update={"findings": findings})).findings
    assert leo.pupil != isabella.pupil
    for finding in (leo, isabella):
        assert finding.summary == f"{finding.pupil} was deleted; Rahman is also a street."
        assert finding.action == f"Return {finding.pupil} now."  # "Forename Surname" too


def test_an_already_pseudonymised_previous_inspection_keeps_its_pseudonyms(sample):
    from auditor.findings import ResolvedFinding
    from auditor.history import compare

    original, _, _ = sample
    earlier = pseudonymise(original).findings[0]
    gone = ResolvedFinding(**{**earlier.model_dump(), "id": "REG001-000000000000"})
    again = pseudonymise(compare(original, None, [gone]))
    assert again.resolved == [gone]


def test_pseudonymise_from_the_command_line_on_the_sample(tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["inspect", str(SAMPLE), "-o", str(out), "--pseudonymise"])
    assert result.exit_code == 0, result.output
    data = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    assert data["inspection"]["pseudonymised"] is True
    assert not [f["summary"] for f in data["findings"] if "O'Neill" in f["summary"] or "Siobh" in f["summary"]]


def test_an_ambiguous_match_names_each_candidate_by_its_own_upn(sample):
    # A return with no UPN for "Smith, Noah" that two pupils of that name could be.
    original, _, _ = sample
    candidates = "W961215418019 (Smith, Noah, born 01/02/2016); H961215418009 (Smith, Noah, born 01/02/2016)"
    finding = original.findings[0].model_copy(
        update={
            "upn": None,
            "pupil": "Smith, Noah",
            "summary": f"The return for Smith, Noah matches 2 pupils: {candidates}.",
            "evidence": {"match": "ambiguous", "candidates": candidates, "given_upn": None},
        }
    )
    odd = finding.model_copy(update={"evidence": {"candidates": "Smith, Noah or Smith, Fatima"}})
    (after, withheld) = pseudonymise(original.model_copy(update={"findings": [finding, odd]})).findings
    first, second = PSEUDONYM.findall(after.evidence["candidates"])
    assert after.upn is None and len({after.pupil, f"Pupil {first}", f"Pupil {second}"}) == 3
    assert (
        after.evidence["candidates"]
        == f"P{first} (Pupil {first}, born 01/02/2016); P{second} (Pupil {second}, born 01/02/2016)"
    )
    assert after.summary == f"The return for {after.pupil} matches 2 pupils: {after.evidence['candidates']}."
    assert withheld.evidence["candidates"] == "[candidates withheld]"
