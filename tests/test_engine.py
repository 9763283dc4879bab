"""The engine on its own: cases tried in order, facts posted in batches, thresholds from policy."""

from auditor.engine import evaluate
from auditor.rules import Rule


def a_rule(code="TST001", fact="thing"):
    return Rule.model_validate(
        {
            "code": code,
            "name": "a-test-rule",
            "title": "A test rule",
            "group": "test",
            "requirement": "must",
            "fact": fact,
            "event_date": "day",
            "uses": ["limit"],
            "cases": [
                {"severity": "red", "when": {"$gt": {"days": {"$policy": "limit"}}}},
                {"severity": "amber", "when": {"$gt": {"days": 0}}},
            ],
            "summary": "s",
            "action": "a",
            "evidence": {},
            "legal_basis": {"any": "none"},
            "explain": {"what": "w", "why": "y", "example": "e"},
        }
    )


def facts(*days, kind="thing"):
    return {kind: [{"kind": kind, "id": f"{kind}:{n}", "days": d} for n, d in enumerate(days)]}


def test_the_first_case_that_holds_decides_and_a_fact_no_case_holds_for_is_no_match():
    matches = evaluate([a_rule()], facts(30, 5, 0, 21, 20), {"limit": 20})
    assert [(m.fact["days"], m.case.severity) for m in matches] == [(30, "red"), (21, "red"), (5, "amber"), (20, "amber")]


def test_thresholds_come_from_the_policy():
    assert {m.case.severity for m in evaluate([a_rule()], facts(30), {"limit": 40})} == {"amber"}


def test_a_batch_with_no_match_and_one_with_only_matches():
    assert evaluate([a_rule()], facts(0, 0, 0), {"limit": 20}) == []
    assert len(evaluate([a_rule()], facts(*range(1, 2001)), {"limit": 20})) == 2000


def test_a_fact_id_given_twice_is_judged_once():
    twice = facts(30)["thing"] * 2
    assert len(evaluate([a_rule()], {"thing": twice}, {"limit": 20})) == 1


def test_each_rule_sees_only_its_own_kind_of_fact():
    both = {**facts(30, kind="thing"), **facts(30, 30, kind="other")}
    matches = evaluate([a_rule(), a_rule("TST002", fact="other")], both, {"limit": 20})
    assert sorted((m.rule.code, m.fact["id"]) for m in matches) == [
        ("TST001", "thing:0"), ("TST002", "other:0"), ("TST002", "other:1"),
    ]


def test_overlapping_cases_judge_each_of_many_facts_by_the_first_that_holds():
    """All of a rule's cases see one batch: each fact must get the first case that holds, never
    a later one as well, however many facts the batch holds."""
    rule = a_rule()
    rule.cases[1].when = {"$and": [{"$gt": {"days": 0}}, {"$lt": {"days": 40}}]}  # overlaps case 0
    days = [(n * 7919) % 60 for n in range(3000)]
    matches = evaluate([rule], facts(*days), {"limit": 20})
    expected = [("red" if d > 20 else "amber") for d in days if d > 20 or 0 < d < 40]
    assert sorted(m.case.severity for m in matches) == sorted(expected)
    assert len({m.fact["id"] for m in matches}) == len(matches)
    assert [m.case.severity for m in matches] == sorted(expected, key=["red", "amber"].index)
