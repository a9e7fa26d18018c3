"""Drift statistics: false alarms on same-population weeks, detection of each kind of drift, edge cases."""

from __future__ import annotations

import functools
import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.spatial.distance import jensenshannon

from invoice_assets.drift.categorical import js_distance_rows, pooled_table
from invoice_assets.drift.config import CATEGORICAL_FEATURES, NUMERIC_FEATURES, DriftConfig
from invoice_assets.drift.language import detect_language
from invoice_assets.drift.numeric import relabelled_wasserstein
from invoice_assets.drift.plots import plot_feature, plot_report
from invoice_assets.drift.report import build_report, feature_levels, verdict
from invoice_assets.drift.result import FeatureDrift
from invoice_assets.drift.synthetic import (
    NEW_SUPPLIER,
    SHIFTS,
    Population,
    invoice_rows,
    oov_share_function,
)
from invoice_assets.drift.tokens import OTHER, token_counts, words

OOV = oov_share_function()
PNG = b"\x89PNG\r\n\x1a\n"
ALL_FEATURES = [*NUMERIC_FEATURES, *CATEGORICAL_FEATURES, "oov_share", "token_distribution"]


def week(seed: int, population: Population | None = None, reference: int = 450, current: int = 300):
    rng = np.random.default_rng(seed)
    return invoice_rows(reference, rng), invoice_rows(current, rng, population or Population())


def shifted(name: str, seed: int = 11):
    population, moved = SHIFTS[name]
    reference, current = week(seed, population)
    return build_report(reference, current, oov_share=OOV), moved


# -- false alarms -------------------------------------------------------------------------------------


def test_same_population_weeks_almost_never_drift():
    """100 random splits of one population into a reference (300-600) and a week (200-400)."""
    rng = np.random.default_rng(2024)
    population = invoice_rows(1000, rng)
    shares = dict(zip(population["text"], OOV(population["text"].tolist()), strict=True))
    cached_oov = lambda texts: np.array([shares[t] for t in texts])  # noqa: E731 - the same texts recur
    cached_words = functools.lru_cache(maxsize=None)(words)
    verdicts = []
    for _ in range(100):
        order = rng.permutation(len(population))
        n_ref, n_cur = int(rng.integers(300, 601)), int(rng.integers(200, 401))
        reference, current = population.iloc[order[:n_ref]], population.iloc[order[n_ref : n_ref + n_cur]]
        report = build_report(reference, current, oov_share=cached_oov, tokens=cached_words)
        assert report.evaluated == len(ALL_FEATURES)
        verdicts.append(report.drift)
    assert sum(verdicts) <= 5


def test_feature_levels_split_alpha_between_alone_features_and_the_share_rule():
    levels = feature_levels(ALL_FEATURES, DriftConfig())
    assert levels["probability"] == levels["oov_share"] == pytest.approx(0.05 / 2 / 2)
    # 6 of 12 features needed, 10 others: Markov's bound 10 * level / 6 <= 0.025
    assert levels["total"] == pytest.approx(0.025 * 6 / 10)
    assert feature_levels(["total", "supplier"], DriftConfig()) == {"total": 0.025, "supplier": 0.025}
    assert feature_levels(["probability"], DriftConfig()) == {"probability": 0.05}


# -- detection ---------------------------------------------------------------------------------------


def test_shifted_totals_drift_on_total_and_subtotal():
    report, _ = shifted("totals x1.5")
    assert report.feature("total").drift and report.feature("subtotal").drift
    assert report.feature("total").method == "kolmogorov_smirnov"
    assert not report.feature("supplier").drift


def test_a_new_supplier_taking_a_large_share_drives_supplier_drift():
    report, _ = shifted("new supplier at 40%")
    supplier = report.feature("supplier")
    assert supplier.drift and supplier.method == "chi_square" and supplier.p_value < 1e-10


def test_a_new_supplier_never_seen_in_the_reference_counts():
    reference, current = week(5)
    current = current.assign(
        supplier=np.where(np.arange(len(current)) % 5 == 0, NEW_SUPPLIER, current["supplier"])
    )
    assert NEW_SUPPLIER not in set(reference["supplier"])
    assert build_report(reference, current).feature("supplier").drift


def test_a_mostly_english_week_drifts_on_language_and_tokens():
    report, _ = shifted("80% English")
    assert report.feature("language").drift
    tokens = report.feature("token_distribution")
    assert tokens.drift and tokens.method == "jensen_shannon_permutation" and tokens.p_value <= 0.002


def test_a_probability_shift_alone_gives_a_drift_verdict():
    report, _ = shifted("probability shift")
    assert report.drift and report.feature("probability").drift
    assert report.share < 0.5
    assert any(reason.startswith("probability drifted on its own") for reason in report.reasons)


def test_an_oov_increase_alone_gives_a_drift_verdict():
    report, _ = shifted("OOV increase")
    assert report.drift and report.feature("oov_share").drift
    assert any(reason.startswith("oov_share") for reason in report.reasons)


def test_half_of_the_features_drifting_gives_a_verdict():
    def feature(name: str, drift: bool) -> FeatureDrift:
        return FeatureDrift(
            name, "numeric", "kolmogorov_smirnov", 0.5, 0.001 if drift else 0.5, 0.01, drift, 9, 9
        )

    features = [feature(f"f{i}", i < 3) for i in range(6)] + [FeatureDrift.skipped("g", "numeric", "too few")]
    report = verdict(features, DriftConfig())
    assert report.drift and report.share == 0.5 and "3 of 6 features drifted" in report.reasons[0]
    assert not verdict(features[1:], DriftConfig()).drift


# -- large samples -----------------------------------------------------------------------------------


def test_large_samples_use_distances_without_p_values():
    rng = np.random.default_rng(3)
    reference = invoice_rows(1500, rng)
    current = invoice_rows(1200, rng, Population(total_factor=1.5, new_supplier_share=0.4))
    report = build_report(reference, current, oov_share=OOV)
    methods = {f.name: f.method for f in report.features}
    assert {methods[name] for name in NUMERIC_FEATURES} == {"wasserstein_normalized"}
    assert {methods[name] for name in CATEGORICAL_FEATURES} == {"jensen_shannon"}
    assert methods["oov_share"] == "wasserstein_normalized"
    assert methods["token_distribution"] == "jensen_shannon"
    assert all(f.p_value is None and f.threshold >= 0.1 for f in report.features)
    assert report.feature("total").drift and report.feature("supplier").drift
    assert not report.feature("ocr_confidence").drift and not report.feature("probability").drift


def test_chance_floor_raises_the_threshold_just_above_the_boundary():
    """30 suppliers in ~1,000 rows: the JS distance of two samples of one population is near 0.1 by chance."""
    rng = np.random.default_rng(4)
    columns = ["supplier"]
    report = build_report(invoice_rows(1100, rng)[columns], invoice_rows(1100, rng)[columns])
    supplier = report.feature("supplier")
    assert supplier.threshold > 0.1 and "chance floor" in supplier.note
    assert not supplier.drift
    far = build_report(invoice_rows(60_000, rng)[columns], invoice_rows(60_000, rng)[columns])
    assert far.feature("supplier").threshold == 0.1


def test_relabelled_wasserstein_matches_scipy():
    rng = np.random.default_rng(5)
    pooled = np.round(rng.lognormal(size=70), 1)  # ties included
    labels = np.zeros((3, 70), dtype=bool)
    for row in labels:
        row[rng.choice(70, size=30, replace=False)] = True
    expected = [stats.wasserstein_distance(pooled[~row], pooled[row]) for row in labels]
    assert relabelled_wasserstein(pooled, labels) == pytest.approx(expected)


def test_js_rows_match_scipy():
    p, q = np.array([[5.0, 0, 3, 2], [1, 1, 1, 1]]), np.array([[1.0, 4, 0, 2], [0, 0, 0, 7]])
    expected = [jensenshannon(a, b, base=2) for a, b in zip(p, q, strict=True)]
    assert js_distance_rows(p, q) == pytest.approx(expected)


# -- categorical pooling and tokens ------------------------------------------------------------------


def test_rare_categories_are_pooled_but_a_large_new_one_is_kept():
    reference = np.array([100, 80, 2, 1, 1, 0])
    current = np.array([60, 50, 1, 0, 2, 40])  # the last one is new
    table = pooled_table(reference, current, 5.0)
    # the three rare ones pool to 7 invoices, still rare: merged into the smallest kept column, the new one
    assert table.tolist() == [[100, 80, 4], [60, 50, 43]]
    enough = pooled_table(np.array([100, 80, 3, 3, 3, 0]), np.array([60, 50, 3, 2, 3, 40]), 5.0)
    assert enough.tolist() == [[100, 80, 0, 9], [60, 50, 40, 8]]  # 17 pooled invoices: their own column


def test_token_counts_keep_the_top_tokens_and_an_other_bucket():
    counts = token_counts(["a a b c", "a d"], ["b b e"], tokens=None, top=2)
    assert counts.buckets == ("a", "b", OTHER)
    assert counts.reference.tolist() == [[2, 1, 1], [1, 0, 1]]
    assert counts.current.tolist() == [[0, 2, 1]]


def test_a_custom_tokenizer_is_used():
    reference, current = week(6)
    calls = []

    def tokens(text: str) -> list[str]:
        calls.append(text)
        return text.split()[:3]

    report = build_report(reference, current, tokens=tokens)
    assert len(calls) == len(reference) + len(current)
    assert report.feature("token_distribution").evaluated


def test_words_lowercase_and_drop_numbers():
    assert words("Revisión TELAR 12,50 € n.º 7") == ["revisión", "telar", "n", "º"]


# -- missing values, tiny samples, odd inputs ------------------------------------------------------


def test_missing_values_are_dropped_per_feature():
    reference, current = week(7)
    current = current.copy()
    current.loc[current.index[:100], "total"] = np.nan
    current["ocr_confidence"] = current["ocr_confidence"].astype(object)
    current.loc[current.index[:5], "ocr_confidence"] = "ilegible"
    current.loc[current.index[:50], "text"] = None
    report = build_report(reference, current, oov_share=OOV)
    assert report.feature("total").current_size == current["total"].notna().sum()
    assert report.feature("ocr_confidence").current_size == current["ocr_confidence"].notna().sum() - 5
    assert report.feature("token_distribution").current_size == len(current) - 50
    assert report.evaluated == len(ALL_FEATURES)


def test_tiny_samples_and_all_missing_columns_are_reported_not_raised():
    reference, current = week(8, reference=400, current=4)
    current = current.assign(total=np.nan)
    report = build_report(reference, current, oov_share=OOV)
    assert [f.name for f in report.features] == ALL_FEATURES
    assert not report.drift and report.share == 0.0 and report.evaluated == 0
    assert all(f.method == "skipped" and not f.drift and "too few values" in f.note for f in report.features)
    assert report.feature("total").current_size == 0
    json.dumps(report.as_dict())


def test_columns_on_one_side_only_and_empty_frames():
    reference, current = week(9)
    report = build_report(reference, current.drop(columns=["supplier", "text"]))
    assert report.feature("supplier").note == "column missing from the current data"
    assert report.feature("token_distribution").method == "skipped"
    assert build_report(pd.DataFrame(), pd.DataFrame()).as_dict() == {
        "drift": False,
        "share": 0.0,
        "features": [],
    }
    empty = build_report(reference.iloc[:0], current.iloc[:0], oov_share=OOV)
    assert empty.evaluated == 0 and not empty.drift


def test_texts_without_words_and_constant_columns():
    rng = np.random.default_rng(10)
    reference = pd.DataFrame({"text": ["123 456"] * 30, "currency": "EUR", "n_lines": 2})
    current = pd.DataFrame({"text": ["789"] * 30, "currency": "EUR", "n_lines": 2})
    report = build_report(reference, current)
    assert report.feature("token_distribution").note == "no word tokens on one side"
    assert report.feature("currency").p_value == 1.0 and not report.feature("currency").drift
    assert not report.feature("n_lines").drift
    big = pd.DataFrame({"n_lines": np.full(2000, 2)})
    moved = pd.DataFrame({"n_lines": rng.integers(2, 4, 2000)})
    assert build_report(big, moved).feature("n_lines").drift  # constant reference: relative distance


# -- output shape ------------------------------------------------------------------------------------


def test_as_dict_is_plain_json_of_the_contract_shape():
    report, _ = shifted("probability shift")
    data = report.as_dict()
    assert json.loads(json.dumps(data)) == data
    assert set(data) == {"drift", "share", "features"}
    assert isinstance(data["drift"], bool) and isinstance(data["share"], float)
    for feature in data["features"]:
        assert {"name", "method", "statistic", "p_value", "threshold", "drift"} <= set(feature)
        assert type(feature["drift"]) is bool
        assert all(
            value is None or type(value) is float for value in (feature["statistic"], feature["p_value"])
        )
    assert [f["name"] for f in data["features"]] == ALL_FEATURES


def test_markdown_has_the_verdict_and_one_row_per_feature():
    report, _ = shifted("OOV increase")
    markdown = report.to_markdown()
    assert markdown.startswith("**Drift**")
    assert sum(line.startswith("| oov_share |") for line in markdown.splitlines()) == 1
    assert len([line for line in markdown.splitlines() if line.startswith("| ")]) == len(ALL_FEATURES) + 2


def test_the_same_frames_give_the_same_report():
    rng = np.random.default_rng(12)
    reference, current = invoice_rows(1300, rng), invoice_rows(1100, rng)
    assert build_report(reference, current, oov_share=OOV) == build_report(reference, current, oov_share=OOV)


def test_config_rejects_nonsense():
    with pytest.raises(ValueError):
        DriftConfig(alpha=0)
    with pytest.raises(ValueError):
        DriftConfig(min_values=1)


# -- plots and language ------------------------------------------------------------------------------


def test_plots_are_pngs_for_every_kind():
    reference, current = week(13, Population(english_share=0.8))
    report = build_report(reference, current, oov_share=OOV)
    numeric = plot_feature(reference["total"], current["total"], report.feature("total"))
    categorical = plot_feature(reference["supplier"], current["supplier"], report.feature("supplier"))
    text = plot_feature(reference["text"], current["text"], report.feature("token_distribution"))
    assert all(png.startswith(PNG) for png in (numeric, categorical, text))
    plots = plot_report(reference, current, report, oov_share=OOV)
    assert set(plots) == set(ALL_FEATURES) and all(png.startswith(PNG) for png in plots.values())
    assert set(plot_report(reference, current, report, names=["language"])) == {"language"}


def test_a_skipped_feature_still_plots():
    feature = FeatureDrift.skipped("total", "numeric", "too few values")
    assert plot_feature([1.0, None], [], feature).startswith(PNG)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (
            "FACTURA Nº 2024-113 Fecha: 03/05/2024. Reparación del telar 4 tras avería, "
            "sustitución de rodamiento y correa. Base imponible 1.200,00 IVA 21% Total 1.452,00 €",
            "es",
        ),
        (
            "INVOICE No. 553 Date: 2024-05-03. Repair of the warping machine after a breakdown, "
            "replacement of the bearing and belt. Subtotal 1,200.00 VAT 21% Total due 1,452.00",
            "en",
        ),
        (
            "FACTURE n° 88 du 03/05/2024. Réparation de la machine et remplacement des roulements "
            "pour le client, avec les pièces. Montant total 1 452,00 €",
            "other",
        ),
        ("", "other"),
        (None, "other"),
        ("1.452,00 € 03/05/2024 4411", "other"),
    ],
)
def test_detect_language(text, language):
    assert detect_language(text) == language


def test_detect_language_agrees_with_the_synthetic_labels():
    frame = invoice_rows(300, np.random.default_rng(14))
    detected = frame["text"].map(detect_language)
    assert (detected == frame["language"]).mean() > 0.98
