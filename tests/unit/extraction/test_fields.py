"""Invoice text → fields: labels in Spanish and English, layouts, and the arithmetic cross-checks."""

from decimal import Decimal

from invoice_assets.extraction import extract_fields
from invoice_assets.extraction.fields import RECORD_KEYS

SPANISH = """\
Talleres Mecánicos Ruiz S.L.                                        FACTURA
CIF: B62185731
C/ Sant Isidre, 14                                    Factura nº:   F-2026/0041
08223 Terrassa (Barcelona)                            Fecha:        27 de noviembre de 2026
Tel. 937 31 24 56 · facturacion@talleresruiz.es       Vencimiento:  27/12/2026
Cliente:
Tejidos Serra i Fills S.L.
CIF: B61402731
C/ Telers, 45
 Descripción                                            Cant.      Precio     Importe
 Sustitución de rodamiento roto en telar de pinzas         2     145,50 €    291,00 €
 nº 12 (urgente)
 Desplazamiento técnico                                    1      45,00 €     45,00 €
 Mano de obra reparación telar averiado                  3,5      42,00 €    147,00 €
                                               Base imponible:        483,00 €
                                               IVA (21%):             101,43 €
                                               TOTAL FACTURA:         584,43 €
Forma de pago: transferencia bancaria. IBAN: ES76 2100 0853 5102 0034 5671
"""

ENGLISH_GRID = """\
Northern Textile Engineering Ltd                          Customer:
VAT No.: GB 284 7731 52                                   Hilaturas Montseny S.A.
Unit 4, Cotton Mill Way                                   VAT No.: ESA08214561
 Invoice No.              Date                    Payment due
 INV-10234                Nov 27, 2026            Dec 27, 2026
 Code      Description                                   Qty    Unit price   Line total
 SER-101   Annual overhaul of carding machine              1     1,931.47     1,931.47
 TRA-220   Technician travel                               1        45.00        45.00
                                    Subtotal          VAT 21%            TOTAL
                                   €1,976.47          €415.06        €2,391.53
"""


def test_spanish_invoice():
    fields = extract_fields(SPANISH)
    assert fields.invoice_number == "F-2026/0041"
    assert fields.date == "2026-11-27"  # not the due date
    assert fields.supplier == "Talleres Mecánicos Ruiz S.L."
    assert fields.customer == "Tejidos Serra i Fills S.L."
    assert (fields.subtotal, fields.tax, fields.total) == (
        Decimal("483.00"),
        Decimal("101.43"),
        Decimal("584.43"),
    )
    assert fields.currency == "EUR"
    assert [(i.quantity, i.unit_price, i.amount) for i in fields.lines] == [
        (Decimal("2"), Decimal("145.50"), Decimal("291.00")),
        (Decimal("1"), Decimal("45.00"), Decimal("45.00")),
        (Decimal("3.5"), Decimal("42.00"), Decimal("147.00")),
    ]
    # a wrapped description continues the row above; numbers inside it are not figures
    assert fields.lines[0].description == "Sustitución de rodamiento roto en telar de pinzas nº 12 (urgente)"
    assert fields.totals_match is True
    assert fields.lines_match_subtotal is True
    assert fields.flags == []


def test_english_invoice_with_labels_above_values():
    fields = extract_fields(ENGLISH_GRID)
    assert fields.invoice_number == "INV-10234"
    assert fields.date == "2026-11-27"
    assert fields.supplier == "Northern Textile Engineering Ltd"
    assert fields.customer == "Hilaturas Montseny S.A."
    assert (fields.subtotal, fields.tax, fields.total) == (
        Decimal("1976.47"),
        Decimal("415.06"),
        Decimal("2391.53"),
    )
    assert [i.amount for i in fields.lines] == [Decimal("1931.47"), Decimal("45.00")]
    assert fields.totals_match and fields.lines_match_subtotal


def test_label_variants_in_both_languages():
    variants = {
        "Nº Factura: FAC-000412": "FAC-000412",
        "Número de factura: 2026-0087": "2026-0087",
        "Nº de factura    A/26/015": "A/26/015",
        "Factura N®:  = A/25/199": "A/25/199",  # OCR's reading of "Nº"
        "Invoice #: LSI-2026-0300": "LSI-2026-0300",
        "Invoice number: PSR004120": "PSR004120",
        "Invoice No. WT/26/0710": "WT/26/0710",
        "Facture n°562044387 du 02 Juillet 2015": "562044387",
        "Rechnungsnr.   30064443": "30064443",
        "Factuurnummer: 993548900": "993548900",
    }
    for line, number in variants.items():
        assert extract_fields(line + "\nTotal: 10,00 €").invoice_number == number, line
    dates = {
        "Fecha de emisión: 05/03/2026": "2026-03-05",
        "Fecha factura: 5 de marzo de 2026": "2026-03-05",
        "Invoice date: 2026-03-05": "2026-03-05",
        "Date of issue: 05 MAR 2026": "2026-03-05",
        "Date: Mar 5, 2026": "2026-03-05",
    }
    for line, iso in dates.items():
        assert extract_fields(f"Vencimiento: 30/04/2026\n{line}").date == iso, line


def test_totals_labels():
    text = """\
Net amount:     €1,000.00
VAT (21%):        €210.00
Amount due:     €1,210.00
"""
    fields = extract_fields(text)
    assert (fields.subtotal, fields.tax, fields.total) == (
        Decimal("1000.00"),
        Decimal("210.00"),
        Decimal("1210.00"),
    )


def test_arithmetic_recovers_a_misread_subtotal_and_flags_it():
    # OCR dropped a digit of the subtotal (1949,11 → 199,11); the lines and the VAT rate vouch for 1949,11
    text = """\
 Concepto                                   Cantidad    Precio unit.     Importe
 Calibración trimestral de manuar               1      1564,11 €      1564,11 €
 Medición de ruido y vibraciones                9        40,00 €       360,00 €
 Dietas del técnico                             1        25,00 €        25,00 €
                                                       Subtotal:       199,11 €
                                                       IVA 21%:        409,31 €
                                                       Total:         2358,42 €
"""
    fields = extract_fields(text)
    assert fields.subtotal == Decimal("1949.11")
    assert (fields.tax, fields.total) == (Decimal("409.31"), Decimal("2358.42"))
    assert fields.totals_match is True
    assert "subtotal 1949.11 computed from the other figures (the printed 199.11 disagrees)" in fields.flags


def test_the_combination_that_adds_up_wins_over_a_stray_total():
    # a VAT summary prints its own "Total" row; the grand total is the one that completes the arithmetic
    text = """\
Base imponible          1.000,00 €
IVA 21%                   210,00 €
TOTAL FACTURA           1.210,00 €
Resumen IVA    Base       Cuota
Total       1.000,00     210,00
"""
    fields = extract_fields(text)
    assert fields.total == Decimal("1210.00")
    assert fields.totals_match is True


def test_disagreements_are_flagged():
    text = """\
Factura nº: 77
 Descripción                 Cant.    Precio    Importe
 Revisión                        1    100,00     100,00
 Engrase                         1     50,00      50,00
Base imponible:    140,00 €
IVA:                29,40 €
Total:             200,00 €
"""
    fields = extract_fields(text)
    assert fields.totals_match is False
    assert fields.lines_match_subtotal is False
    assert any("does not equal total" in flag for flag in fields.flags)
    assert any("line items add up to 150.00" in flag for flag in fields.flags)
    assert any("no date" in flag for flag in fields.flags)


def test_missing_customer_label_falls_back_to_the_second_party_block():
    text = """\
Montajes Mecánicos Anoia S.L.                       at
CIF: B65730285                                      Paños y Lanas de Béjar S.L.
C/ de la Indústria, 19                              CIF: B37022787
Factura nº: FAC-002422        Fecha: 17/07/2026
Total: 10,00 €
"""
    fields = extract_fields(text)
    assert fields.supplier == "Montajes Mecánicos Anoia S.L."
    assert fields.customer == "Paños y Lanas de Béjar S.L."


def test_supplier_label_wins_and_prose_is_not_a_label():
    text = """\
FACTURA
Proveedor: Compresores del Norte S.A.
Facturar a: Textil Mariola S.A.
Total: 10,00 €
Notes: work carried out at the customer's premises.
"""
    fields = extract_fields(text)
    assert fields.supplier == "Compresores del Norte S.A."
    assert fields.customer == "Textil Mariola S.A."


def test_empty_text_gives_nulls_and_the_contract_keys():
    fields = extract_fields("")
    record = fields.to_record()
    assert tuple(record)[: len(RECORD_KEYS)] == RECORD_KEYS
    assert set(record) == {*RECORD_KEYS, "lines_match_subtotal", "totals_match", "flags"}
    assert all(record[key] is None for key in RECORD_KEYS if key != "lines")
    assert record["lines"] == []
    assert record["flags"] == ["no text"]


def test_to_record_uses_plain_json_types():
    record = extract_fields(SPANISH).to_record()
    assert record["total"] == 584.43 and isinstance(record["total"], float)
    assert record["lines"][2] == {
        "description": "Mano de obra reparación telar averiado",
        "quantity": 3.5,
        "unit_price": 42.0,
        "amount": 147.0,
    }
    assert record["totals_match"] is True and record["flags"] == []


def test_a_total_that_disagrees_with_vouched_figures_is_recomputed_and_flagged():
    # the lines add up to the subtotal and the tax is 21 % of it: the printed total is the odd one out
    text = """\
 Descripción                 Cant.    Precio    Importe
 Revisión                        1    100,00     100,00
 Engrase                         1     40,00      40,00
Base imponible:    140,00 €
IVA 21%:            29,40 €
Total:             189,40 €
"""
    fields = extract_fields(text)
    assert fields.total == Decimal("169.40")
    assert "total 169.40 computed from the other figures (the printed 189.40 disagrees)" in fields.flags
