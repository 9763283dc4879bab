"""A whole authority at once: every pack inspected, one broken pack reported without stopping
the others, and the authority summary adds the schools up."""

import datetime as dt
import json

from typer.testing import CliRunner

from auditor.cli import app
from tests.packs import PackBuilder

runner = CliRunner()


def a_school(root, urn, deleted):
    pack = PackBuilder(root, urn=urn)
    pack.add_pupil("Ada Example")
    pack.add_pupil("Ben Other")
    if deleted:
        pack.delete("Ada Example", dt.date(2025, 1, 10), "9(1)(f)")
    return pack.write(dt.date(2025, 1, 24))


def test_inspect_la_inspects_every_pack_and_reports_the_broken_one(tmp_path):
    authority = tmp_path / "authority"
    a_school(authority / "north" / "100001", "100001", deleted=True)
    a_school(authority / "south" / "100002", "100002", deleted=False)
    broken = authority / "south" / "100003"
    broken.mkdir(parents=True)
    (broken / "pack.toml").write_text("[school\n", encoding="utf-8")
    out = tmp_path / "out"

    result = runner.invoke(app, ["inspect-la", str(authority), "--out", str(out), "--workers", "2"])

    assert result.exit_code == 2, result.output  # some packs could not be used; the others were inspected
    assert "2 of 3 schools inspected" in result.output
    summary = json.loads((out / "authority-summary.json").read_text(encoding="utf-8"))
    by_pack = {school["pack"]: school for school in summary["schools"]}
    assert by_pack["south/100003"]["ok"] is False and "pack.toml" in by_pack["south/100003"]["error"]
    assert by_pack["north/100001"]["findings"] == {"REG001": {"red": 1}}
    assert by_pack["south/100002"]["findings"] == {}
    assert summary["indicators"]["deletions_by_ground"]["elective home education"] == 1
    assert summary["indicators"]["deletions_not_notified"] == {"count": 1, "schools_checked": 2}
    assert (out / "north_100001" / "findings.json").is_file()
    html = (out / "authority-summary.html").read_text(encoding="utf-8")
    assert "could not be inspected" in html and "<script" not in html


def test_inspect_la_with_no_packs_exits_2(tmp_path):
    result = runner.invoke(app, ["inspect-la", str(tmp_path)])
    assert result.exit_code == 2
