"""The generator scales to an authority: a small authority (two primaries and a secondary) is
generated with the generator's own functions, inspected with auditor.batch.inspect_authority,
and every school's findings are exactly the findings its manifest expects; the authority's
manifest counts the planted breaches the inspection finds."""

import json
import sys
from collections import Counter
from pathlib import Path

import pytest

from auditor.batch import inspect_authority

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "sample_registers"))

from generator.authority import generate_authority  # noqa: E402
from generator.cli import parse_args  # noqa: E402


@pytest.fixture(scope="module")
def authority(tmp_path_factory):
    root = tmp_path_factory.mktemp("authority")
    packs, out = root / "packs", root / "inspection"
    manifest = generate_authority(
        parse_args(["--out", str(packs), "--schools", "3", "--pupils-per-school", "60", "--seed", "7"])
    )
    summary = inspect_authority(packs, out, formats=("json",), workers=2)
    return manifest, summary, packs, out


def _key(rule, upn, pupil):
    return (rule, upn or pupil or None)


def test_the_mix_of_schools(authority):
    manifest, summary, _, _ = authority
    assert [s["phase"] for s in manifest["schools"]] == ["primary", "primary", "secondary"]
    assert len({s["urn"] for s in manifest["schools"]}) == 3
    assert all(school.ok for school in summary.schools), [s.error for s in summary.schools]


def test_every_school_finds_exactly_its_manifest(authority):
    manifest, summary, packs, out = authority
    for school in manifest["schools"]:
        expected_cases = json.loads((packs / school["folder"] / "manifest.json").read_text(encoding="utf-8"))
        findings = json.loads((out / school["folder"] / "findings.json").read_text(encoding="utf-8"))
        found = Counter(_key(f["rule"], f["upn"], f["pupil"]) for f in findings["findings"])
        expected = Counter(_key(c["rule"], c["upn"], c["pupil"]) for c in expected_cases if c["expect"] == "finding")
        near_misses = {_key(c["rule"], c["upn"], c["pupil"]) for c in expected_cases if c["expect"] == "no_finding"}
        assert found == expected, school["urn"]
        assert not near_misses & set(found), school["urn"]
        assert findings["rejected_rows"] == []


def test_the_authority_manifest_counts_what_is_found(authority):
    manifest, summary, _, _ = authority
    found = Counter()
    for school in summary.schools:
        for rule, by_severity in school.findings.items():
            found[rule] += sum(by_severity.values())
    assert dict(found) == manifest["expected_findings_per_rule"]
    planted = manifest["planted_breaches_per_rule"]
    assert set(planted) == {f"REG{n:03d}" for n in range(1, 16)}
    assert planted["REG015"] == 1  # the secondary's bunch of deletions before the census
    assert all(case["urn"] in {s["urn"] for s in manifest["schools"]} for case in manifest["cases"])


def test_attendance_as_parquet_gives_the_same_findings(tmp_path):
    """--format parquet writes attendance.parquet instead of attendance.csv (needs pyarrow, and a
    loader that reads Parquet); the inspection finds exactly the manifest's findings."""
    pytest.importorskip("pyarrow")
    from generator.cli import main

    from auditor import inspect

    main(["--out", str(tmp_path), "--format", "parquet"])
    assert (tmp_path / "attendance.parquet").exists() and not (tmp_path / "attendance.csv").exists()
    result = inspect(tmp_path)
    cases = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    expected = Counter(_key(c["rule"], c["upn"], c["pupil"]) for c in cases if c["expect"] == "finding")
    assert Counter(_key(f.rule, f.upn, f.pupil) for f in result.findings) == expected
    assert result.rejected_rows == []


def test_a_school_too_small_for_the_planted_cases_is_refused_with_a_reason(tmp_path):
    from generator.cli import main

    with pytest.raises(SystemExit) as refused:
        main(["--out", str(tmp_path), "--pupils", "20", "--no-verify"])
    assert "too few to plant every rule's cases" in str(refused.value.code)
    assert "--pupils" in str(refused.value.code)
