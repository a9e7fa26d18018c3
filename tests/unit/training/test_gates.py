import pytest

from invoice_assets.training.gates import GateThresholds, evaluate_gates

RECALL = {"corrective": 0.95, "preventive": 0.93}


def gates(**kwargs):
    values = {"macro_f1": 0.94, "recall": RECALL, "baseline_macro_f1": 0.93, "champion_macro_f1": 0.94}
    values.update(kwargs)
    return {g.name: g for g in evaluate_gates(thresholds=GateThresholds(), **values)}


def test_a_good_candidate_passes_every_gate():
    assert all(g.passed for g in gates().values())
    assert list(gates()) == ["macro_f1", "not_worse_than_baseline", "class_recall", "not_worse_than_champion"]


@pytest.mark.parametrize(
    ("change", "failing"),
    [
        ({"macro_f1": 0.84, "champion_macro_f1": None, "baseline_macro_f1": 0.80}, "macro_f1"),
        ({"baseline_macro_f1": 0.97}, "not_worse_than_baseline"),
        ({"recall": {"corrective": 0.99, "preventive": 0.69}}, "class_recall"),
        ({"champion_macro_f1": 0.96}, "not_worse_than_champion"),
    ],
)
def test_each_gate_fails_on_its_own(change, failing):
    results = gates(**change)
    assert [name for name, g in results.items() if not g.passed] == [failing]
    assert results[failing].detail


def test_the_edges_are_inclusive():
    edge = gates(
        macro_f1=0.85,
        baseline_macro_f1=0.87,
        champion_macro_f1=0.86,
        recall={"corrective": 0.70, "preventive": 0.9},
    )
    assert all(g.passed for g in edge.values())


def test_without_a_champion_the_comparison_passes_and_says_why():
    result = gates(champion_macro_f1=None)["not_worse_than_champion"]
    assert result.passed and result.value is None and "no champion" in result.detail
