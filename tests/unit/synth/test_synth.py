"""Tests of the synthetic invoice generator: reproducibility, ground-truth arithmetic, files, and labels.

Generation tests use small counts and share one generated inbox; content tests run on a few hundred
invoices without rasterizing (``compose`` lays pages out in points, which is fast).
"""

from __future__ import annotations

import hashlib
import itertools
import random
import re
from collections import Counter
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest
from PIL import Image

from invoice_assets.synth import (
    GeneratedInbox,
    SyntheticInvoice,
    generate_inbox,
    invoice_content,
    make_invoice,
    read_ground_truth,
)
from invoice_assets.synth.catalog import CUSTOMERS, SUPPLIERS, cif, nif
from invoice_assets.synth.content import majority_label
from invoice_assets.synth.degrade import degrade, scan_params
from invoice_assets.synth.fonts import FAMILIES, available_families, text_width
from invoice_assets.synth.formats import AMOUNT_FORMATS, DATE_FORMATS, format_date
from invoice_assets.synth.render import PAGE_H, PAGE_W, Text, compose, page_size_px, page_text, paint
from invoice_assets.synth.style import LAYOUTS, house_style
from tests.support.machine import skip_or_fail

SEED = 20260
COUNT = 8
ALL_FORMATS = {"png", "jpeg", "tiff", "pdf"}
LITERAL = re.compile(r"correctivo|preventivo|corrective|preventive", re.IGNORECASE)
CENT = Decimal("0.01")


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def _money(value: float | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def _page_count(path: Path) -> int:
    if path.suffix == ".pdf":
        document = pdfium.PdfDocument(str(path))
        try:
            return len(document)
        finally:
            document.close()
    with Image.open(path) as image:
        image.load()
        return getattr(image, "n_frames", 1)


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> GeneratedInbox:
    return generate_inbox(tmp_path_factory.mktemp("inbox"), COUNT, SEED, workers=1)


@pytest.fixture(scope="module")
def contents() -> list[SyntheticInvoice]:
    return [invoice_content(7, i) for i in range(300)]


@pytest.fixture(scope="module")
def rendered_texts(contents: list[SyntheticInvoice]) -> list[str]:
    return [page_text(compose(inv, house_style(inv.supplier))) for inv in contents]


# ----- reproducibility -------------------------------------------------------------------------------------


def test_same_seed_gives_identical_files_whatever_the_worker_count(
    inbox: GeneratedInbox, tmp_path: Path
) -> None:
    again = generate_inbox(tmp_path / "again", COUNT, SEED, workers=2)
    first, second = _digest(inbox.folder), _digest(again.folder)
    assert first == second
    assert {"ground_truth.csv", "labels.csv"} <= set(first)


def test_different_seed_gives_different_files(inbox: GeneratedInbox, tmp_path: Path) -> None:
    other = generate_inbox(tmp_path / "other", COUNT, SEED + 1, workers=1)
    first, second = _digest(inbox.folder), _digest(other.folder)
    assert first["ground_truth.csv"] != second["ground_truth.csv"]
    # The supplier register is the mill's vendor list: the same whatever invoices arrive.
    assert first.pop("suppliers.csv") == second.pop("suppliers.csv")
    assert not set(first.values()) & set(second.values())


def test_the_supplier_register_names_every_supplier_that_appears(inbox: GeneratedInbox) -> None:
    from invoice_assets.extraction.suppliers import parse_register_csv

    register = parse_register_csv(inbox.suppliers_csv.read_text(encoding="utf-8"))
    names = set(register.values())
    assert {row["supplier"] for row in read_ground_truth(inbox.ground_truth_csv)} <= names
    assert len(register) == len(names) >= 20


def test_dpi_and_degradation_change_the_look_not_the_content_or_format(
    inbox: GeneratedInbox, tmp_path: Path
) -> None:
    other = generate_inbox(tmp_path / "low", 4, SEED, degradation=2.0, dpi_range=(150, 150), workers=1)
    kept = ("file", "invoice_number", "date", "total", "label", "format", "pages", "lines")
    first = [{k: row[k] for k in kept} for row in read_ground_truth(inbox.ground_truth_csv)[:4]]
    assert first == [{k: row[k] for k in kept} for row in read_ground_truth(other.ground_truth_csv)]
    assert {row["dpi"] for row in read_ground_truth(other.ground_truth_csv)} == {150}


def test_content_does_not_depend_on_rendering_choices() -> None:
    assert invoice_content(3, 9) == invoice_content(3, 9)
    assert make_invoice(random.Random(42)) == make_invoice(random.Random(42))
    assert invoice_content(3, 9) != invoice_content(4, 9)


# ----- files and ground truth ------------------------------------------------------------------------------


def test_inbox_layout_and_labels_csv(inbox: GeneratedInbox) -> None:
    rows = read_ground_truth(inbox.ground_truth_csv)
    assert [inbox.folder / row["file"] for row in rows] == inbox.files
    assert [p.name for p in inbox.files] == [row["file"] for row in rows]
    assert all(re.fullmatch(r"inv-\d{5}\.(png|jpg|tif|pdf)", p.name) for p in inbox.files)
    labels = inbox.labels_csv.read_text(encoding="utf-8").splitlines()
    assert labels[0] == "file,label"
    assert labels[1:] == [f"{row['file']},{row['label']}" for row in rows]
    header = inbox.ground_truth_csv.read_text(encoding="utf-8").splitlines()[0]
    assert header == (
        "file,invoice_number,date,supplier,customer,subtotal,tax,total,currency,label,language,layout,"
        "format,dpi,pages,lines"
    )


def test_ground_truth_arithmetic(inbox: GeneratedInbox) -> None:
    for row in read_ground_truth(inbox.ground_truth_csv):
        lines = row["lines"]
        assert 1 <= len(lines) <= 14
        for line in lines:
            assert set(line) == {"description", "quantity", "unit_price", "amount"}
            assert _money(Decimal(str(line["quantity"])) * Decimal(str(line["unit_price"]))) == _money(
                line["amount"]
            )
        subtotal, tax, total = _money(row["subtotal"]), _money(row["tax"]), _money(row["total"])
        assert sum(_money(line["amount"]) for line in lines) == subtotal
        assert tax == _money(subtotal * Decimal("0.21"))
        assert subtotal + tax == total
        assert row["currency"] == "EUR"
        assert date(2024, 1, 1) <= date.fromisoformat(row["date"]) <= date(2026, 12, 31)
        assert row["label"] in {"corrective", "preventive"}
        assert row["language"] in {"es", "en"}
        assert row["layout"] in LAYOUTS


def test_every_file_opens_with_the_recorded_page_count_size_and_dpi(inbox: GeneratedInbox) -> None:
    rows = read_ground_truth(inbox.ground_truth_csv)
    assert {row["format"] for row in rows} == ALL_FORMATS
    for row in rows:
        path = inbox.folder / row["file"]
        assert _page_count(path) == row["pages"]
        assert 150 <= row["dpi"] <= 300
        if row["format"] == "pdf":
            document = pdfium.PdfDocument(str(path))
            width_pt, height_pt = document[0].get_size()
            document.close()
            assert abs(width_pt - PAGE_W) < 2 and abs(height_pt - PAGE_H) < 2
        else:
            with Image.open(path) as image:
                assert image.size == page_size_px(row["dpi"])
                assert round(float(image.info["dpi"][0])) == row["dpi"]


def test_long_invoice_spills_onto_a_second_page_and_single_image_formats_stack(tmp_path: Path) -> None:
    seed = next(
        s for s in range(1000) if len(compose(inv := invoice_content(s, 0), house_style(inv.supplier))) > 1
    )
    multi = generate_inbox(
        tmp_path / "multi", 1, seed, formats=("png", "pdf"), dpi_range=(150, 150), workers=1
    )
    row = read_ground_truth(multi.ground_truth_csv)[0]
    assert row["format"] == "pdf" and row["pages"] == 2 == _page_count(multi.files[0])

    single = generate_inbox(tmp_path / "single", 1, seed, formats=("png",), dpi_range=(150, 150), workers=1)
    row = read_ground_truth(single.ground_truth_csv)[0]
    assert row["format"] == "png" and row["pages"] == 1
    with Image.open(single.files[0]) as image:
        width, height = page_size_px(150)
        assert image.size == (width, 2 * height)


def test_share_of_two_page_invoices(contents: list[SyntheticInvoice]) -> None:
    pages = [len(compose(inv, house_style(inv.supplier))) for inv in contents]
    assert set(pages) <= {1, 2}
    assert 0.02 <= pages.count(2) / len(pages) <= 0.2


def test_rejects_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        generate_inbox(tmp_path, 1, 0, formats=("bmp",))
    with pytest.raises(ValueError):
        generate_inbox(tmp_path, 1, 0, dpi_range=(300, 150))
    with pytest.raises(ValueError):
        generate_inbox(tmp_path, -1, 0)


# ----- labels and wording ----------------------------------------------------------------------------------


def test_labels_are_roughly_balanced_and_majority_of_lines(contents: list[SyntheticInvoice]) -> None:
    sample = contents[:200]
    share = sum(inv.label == "corrective" for inv in sample) / len(sample)
    assert 0.4 <= share <= 0.6
    for inv in sample:
        assert majority_label(inv.lines) == inv.label  # raises on ties


def test_some_invoices_mix_both_classes(contents: list[SyntheticInvoice]) -> None:
    share = sum(inv.is_mixed for inv in contents) / len(contents)
    assert 0.1 <= share <= 0.45


def test_literal_class_words_appear_in_a_minority(rendered_texts: list[str]) -> None:
    share = sum(bool(LITERAL.search(text)) for text in rendered_texts) / len(rendered_texts)
    assert 0.08 <= share <= 0.3


def test_no_single_word_predicts_the_label(
    contents: list[SyntheticInvoice], rendered_texts: list[str]
) -> None:
    """Rule "word present -> class A, absent -> class B" (either way round), for every printed word."""
    words = [set(re.findall(r"\w+", text.lower())) for text in rendered_texts]
    corrective = [inv.label == "corrective" for inv in contents]
    best = 0.0
    for word in set().union(*words):
        hits = sum((word in w) == c for w, c in zip(words, corrective, strict=True)) / len(words)
        best = max(best, hits, 1 - hits)
    assert best <= 0.9


_CORRECTIVE_CUES = re.compile(
    "|".join(
        (
            *("averí", "averiad", r"\brot[oa]\b", "rotura", "urgen", "fallo", "gripad", "quemad", "dañad"),
            *(
                "fisurad",
                "bloquead",
                "incidencia",
                "no arranca",
                "imprevist",
                "cortocircuito",
                "sobrecalentad",
            ),
            *(
                "desalinead",
                "deformad",
                "fuga de aceite",
                "fuga de aire en",
                "reparaci",
                "anómalo",
                "excesiva",
            ),
            *("disparo", "horas extra", "detenid", r"\bparad[oa]\b", "emergencia", "guardia", "desgastad"),
            *("breakdown", "broken", "failure", "failed", "fault", "emergency", "seized", "burnt", "damaged"),
            *(
                "cracked",
                "jammed",
                "will not start",
                "unplanned",
                "unexpected",
                "short-circuit",
                "overheating",
            ),
            *("misaligned", "bent", "abnormal", "excessive", r"trip\b", "overtime", "stopped", r"\bdown\b"),
            *("worn", "repair", "air leak at"),
        )
    ),
    re.IGNORECASE,
)
_PREVENTIVE_CUES = re.compile(
    "|".join(
        (
            *(
                "periódic",
                "programad",
                r"\bplan",
                "planificad",
                "contrato",
                "calendario",
                "visita",
                r"\bcada\b",
            ),
            *("horas de uso", "contador", "anual", "mensual", "trimestral", "semestral", "puesta a punto"),
            *("rutinari", "pauta", "intervalo", "cuota", "kit de revisión", "al cumplir", "termografía"),
            *(
                "análisis de vibraciones",
                "medición",
                "periodic",
                "scheduled",
                "planned",
                "contract",
                "calendar",
            ),
            *("visit", "every", "hours counter", "annual", "monthly", "quarterly", "six-monthly", "overhaul"),
            *("routine", "schedule", "interval", r"fee\b", "service kit", "as planned", "thermographic"),
            *("vibration analysis", "measurement", "air leak survey"),
        )
    ),
    re.IGNORECASE,
)


def _expert(inv: SyntheticInvoice) -> str | None:
    """What a maintenance expert does: decide each line from its wording, then take the majority."""
    votes = Counter()
    for line in inv.lines:
        score = len(_CORRECTIVE_CUES.findall(line.description)) - len(
            _PREVENTIVE_CUES.findall(line.description)
        )
        if score:
            votes["corrective" if score > 0 else "preventive"] += 1
    if votes["corrective"] == votes["preventive"]:
        return None
    return votes.most_common(1)[0][0]


def test_an_expert_reading_the_lines_finds_the_label(contents: list[SyntheticInvoice]) -> None:
    accuracy = sum(_expert(inv) == inv.label for inv in contents) / len(contents)
    assert accuracy >= 0.95


def test_both_classes_share_vocabulary(contents: list[SyntheticInvoice]) -> None:
    by_label: dict[str, set[str]] = {"corrective": set(), "preventive": set()}
    for inv in contents:
        by_label[inv.label] |= set(re.findall(r"\w+", inv.text().lower()))
    shared = by_label["corrective"] & by_label["preventive"]
    expected = {
        "sustitución",
        "revisión",
        "inspección",
        "lubricación",
        "motor",
        "rodamiento",
        "parada",
        "ajuste",
        "correa",
        "compresor",
        "bobinadora",
        "replacement",
        "inspection",
        "bearing",
        "lubrication",
    }
    assert expected <= shared
    assert len(shared) >= 100


# ----- catalogue, formats, layout and degradation ----------------------------------------------------------


def test_catalogue_has_enough_distinct_parties_with_valid_tax_ids() -> None:
    assert len(SUPPLIERS) >= 25 and 6 <= len(CUSTOMERS) <= 8
    assert len({s.name for s in SUPPLIERS}) == len(SUPPLIERS)
    assert len({s.tax_id for s in SUPPLIERS}) == len(SUPPLIERS)
    assert cif("Q", "2826000") == "Q2826000H"  # published ids: Spanish tax agency and two large companies
    assert cif("A", "2801789") == "A28017895" and cif("A", "2801586") == "A28015865"
    assert nif(12345678) == "12345678Z"
    assert {s.language for s in SUPPLIERS} == {"es", "en"}


def test_every_layout_is_used_in_both_languages() -> None:
    for language in ("es", "en"):
        used = {house_style(s).layout for s in SUPPLIERS if s.language == language}
        assert used == set(LAYOUTS)
    assert len(LAYOUTS) >= 4


def test_amount_and_date_formats() -> None:
    value = Decimal("1234.56")
    assert {f.money(value) for f in AMOUNT_FORMATS["es"]} == {"1.234,56 €", "1.234,56 EUR", "1234,56 €"}
    assert {f.money(value) for f in AMOUNT_FORMATS["en"]} == {"€1,234.56", "1234.56 EUR", "EUR 1,234.56"}
    day = date(2026, 11, 27)
    printed = {format_date(day, p) for lang in ("es", "en") for p in DATE_FORMATS[lang]}
    assert printed == {
        "27/11/2026",
        "27-11-26",
        "27 de noviembre de 2026",
        "2026-11-27",
        "Nov 27, 2026",
        "27 NOV 2026",
    }


def test_text_stays_on_the_page_and_never_overlaps(contents: list[SyntheticInvoice]) -> None:
    for inv in contents[:150]:
        for page in compose(inv, house_style(inv.supplier)):
            boxes = []
            for op in page.ops:
                if isinstance(op, Text):
                    width = text_width(op.text, op.family, op.bold, op.size)
                    x0 = {"left": op.x, "right": op.x - width, "center": op.x - width / 2}[op.align]
                    assert x0 >= 20 and x0 + width <= PAGE_W - 20 and op.y + op.size <= PAGE_H - 20, op.text
                    boxes.append((x0, op.y, x0 + width, op.y + op.size * 1.1))
            for a, b in itertools.combinations(boxes, 2):
                assert not (
                    a[0] < b[2] - 0.5 and b[0] < a[2] - 0.5 and a[1] < b[3] - 0.5 and b[1] < a[3] - 0.5
                )


def test_text_size_is_realistic_at_every_dpi(contents: list[SyntheticInvoice]) -> None:
    for inv in contents[:50]:
        sizes = [
            op.size
            for page in compose(inv, house_style(inv.supplier))
            for op in page.ops
            if isinstance(op, Text)
        ]
        body = Counter(round(s, 1) for s in sizes).most_common(1)[0][0]
        assert 9.0 <= body <= 11.0
        assert min(sizes) >= 7.5


def test_degradation_grows_with_level() -> None:
    inv = invoice_content(5, 0)
    page = paint(compose(inv, house_style(inv.supplier))[0], 150)
    clean = np.asarray(page, dtype=np.float32)
    assert degrade(page, np.random.default_rng(1), 0, 150) is page
    diffs = []
    for level in (0.5, 1.0, 2.0):
        scanned = degrade(page, np.random.default_rng(1), level, 150)
        assert scanned.size == page.size and scanned.mode == page.mode
        diffs.append(float(np.abs(np.asarray(scanned, dtype=np.float32) - clean).mean()))
    assert 0 < diffs[0] < diffs[2]
    for level in (1.0, 2.0):
        params = scan_params(np.random.default_rng(7), level, 300)
        assert abs(params.angle) <= 2.0


def test_every_font_family_of_the_generator_is_installed():
    """Styles index into the installed families, so a machine missing one generates other invoices from the
    same seed: the setup installs them all (fonts-dejavu-extra brings DejaVu Sans Condensed)."""
    missing = [family for family in FAMILIES if family not in available_families()]
    if missing:
        skip_or_fail(f"font families missing: {', '.join(missing)}; run `bash scripts/setup.sh`")
