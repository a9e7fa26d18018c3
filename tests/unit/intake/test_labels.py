from invoice_assets.intake.labels_csv import normalize_label, parse_labels_csv


def test_labels_csv_rows_and_unknown_values_are_reported():
    text = (
        "\ufefffile,Label,notes\ninv-1.png, Corrective ,x\nsub/inv-2.pdf,preventive,\n"
        "inv-3.png,repair,\n,preventive,\n"
    )
    parsed = parse_labels_csv(text, "labels.csv")
    assert parsed.problem is None
    assert [(r.file, r.label, r.line) for r in parsed.rows] == [
        ("inv-1.png", "corrective", 2),
        ("inv-2.pdf", "preventive", 3),
    ]
    assert [(u["line"], u["label"]) for u in parsed.unknown_labels] == [("4", "repair"), ("5", "preventive")]


def test_a_csv_without_the_columns_is_a_problem_not_silence():
    parsed = parse_labels_csv("name,class\na.png,corrective\n", "other.csv")
    assert parsed.rows == [] and "file" in parsed.problem


def test_normalize_label():
    assert normalize_label("PREVENTIVE") == "preventive"
    assert normalize_label("correctivo") is None
