"""The supplier register names a supplier from the tax id printed on the page."""

from __future__ import annotations

from invoice_assets.extraction.suppliers import find_registered_supplier, name_supplier, parse_register_csv

REGISTER_CSV = (
    "tax_id,name,iban\n"
    "B65902146,Mantenimientos Textiles del Vallès S.L.,ES00\n"
    "NL123456789B01,Weavetech Field Service B.V.,\n"
    "B1,Too Short S.L.,\n"
)
PAGE = """Mantenimientos Textiles del Valles S.L.
CIF: B-6590214 6 · Polígon Can Roqueta, nau 7
FACTURA F-2026/0520
Cliente: Tintorería Vallesana S.A. CIF A03188429
"""


def test_a_register_csv_is_read_by_its_columns_and_short_ids_are_dropped():
    register = parse_register_csv(REGISTER_CSV)
    assert register == {
        "B65902146": "Mantenimientos Textiles del Vallès S.L.",
        "NL123456789B01": "Weavetech Field Service B.V.",
    }


def test_a_csv_without_register_columns_is_not_a_register():
    assert parse_register_csv("file,label\ninv-1.png,corrective\n") is None


def test_the_tax_id_on_the_page_names_the_supplier_despite_spacing_and_punctuation():
    match = find_registered_supplier(PAGE, parse_register_csv(REGISTER_CSV))
    assert match is not None
    assert (match.tax_id, match.name) == ("B65902146", "Mantenimientos Textiles del Vallès S.L.")


def test_a_vat_number_with_its_country_prefix_matches_the_bare_register_entry():
    page = "Weavetech Field Service BV\nVAT ES B65902146\n"
    match = find_registered_supplier(page, {"B65902146": "Mantenimientos Textiles del Vallès S.L."})
    assert match is not None and match.tax_id == "B65902146"


def test_an_unregistered_or_misread_id_leaves_the_ocr_name_alone():
    register = parse_register_csv(REGISTER_CSV)
    misread = PAGE.replace("B-6590214 6", "B-6590Z14 6")
    fields = {"supplier": "Mantenimientos Textiles del Valles S.L.", "flags": []}
    assert name_supplier(fields, misread, register) == fields
    assert name_supplier(fields, PAGE, {}) == fields


def test_a_renamed_supplier_is_flagged_with_what_ocr_read():
    fields = {"supplier": "Mantenimientos Textiles del Valles S.L.", "flags": ["x"]}
    named = name_supplier(fields, PAGE, parse_register_csv(REGISTER_CSV))
    assert named["supplier"] == "Mantenimientos Textiles del Vallès S.L."
    assert named["flags"][0] == "x"
    assert "B65902146" in named["flags"][1] and "Valles S.L." in named["flags"][1]
    assert fields["supplier"].endswith("Valles S.L.")  # the input is not modified


def test_registers_are_merged_from_the_csv_files_that_are_registers():
    from invoice_assets.extraction.suppliers import read_registers

    files = [
        ("labels.csv", b"file,label\ninv-1.png,corrective\n"),
        ("suppliers.csv", REGISTER_CSV.encode()),
        ("more/suppliers-2026.csv", b"Name,Tax_ID\nOtra S.L.,ESB12345678\n"),
    ]
    register, sources = read_registers(files)
    assert sources == ["suppliers.csv", "more/suppliers-2026.csv"]
    assert register["ESB12345678"] == "Otra S.L." and len(register) == 3
