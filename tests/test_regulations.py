import datetime as dt

import pytest

from auditor.regulations import normalise_ground, regulations


@pytest.mark.parametrize(
    ("text", "on", "canonical"),
    [
        ("9(1)(i)", dt.date(2025, 1, 1), "9(1)(i)"),
        ("reg 9(1)(i)", dt.date(2025, 1, 1), "9(1)(i)"),
        ("9.1.i", dt.date(2025, 1, 1), "9(1)(i)"),
        ("ground i", dt.date(2025, 1, 1), "9(1)(i)"),
        ("ground h", dt.date(2024, 5, 1), "8(1)(h)"),  # a letter alone is read in the era of the date
        ("Regulation 8(1)(h)", dt.date(2025, 1, 1), "8(1)(h)"),
        ("moved house", dt.date(2025, 1, 1), None),
        ("", dt.date(2025, 1, 1), None),
    ],
)
def test_ground_spellings(text, on, canonical):
    assert normalise_ground(text, on) == canonical


def test_era_changes_on_19_august_2024():
    regs = regulations()
    assert regs.era_on(dt.date(2024, 8, 18)).citation == "SI 2006/1751"
    assert regs.era_on(dt.date(2024, 8, 19)).citation == "SI 2024/208"


def test_lost_pupil_grounds_correspond():
    regs = regulations()
    old = regs.ground("8(1)(h)", dt.date(2024, 1, 1))
    new = regs.ground("9(1)(i)", dt.date(2025, 1, 1))
    assert "lost_pupil" in old.tags and "lost_pupil" in new.tags
    assert old.maps_to == ("i",)
    assert regs.ground("9(1)(z)", dt.date(2025, 1, 1)) is None


def test_code_tables_of_both_eras():
    regs = regulations()
    new, old = regs.era("2024"), regs.era("2006")
    assert new.code_category["C2"] == "authorised" and "C2" not in old.code_category
    assert old.code_category["H"] == "authorised" and "H" not in new.code_category
    assert new.lost_pupil_codes == {"G", "N", "O"} and "U" in old.lost_pupil_codes
    assert new.code_category["#"] == "closure"
