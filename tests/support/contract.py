"""The fields of the `invoices extract` JSON line (docs/contract.md), as the tests check them."""

CONTRACT = [
    "file",
    "sha256",
    "invoice_number",
    "date",
    "supplier",
    "customer",
    "subtotal",
    "tax",
    "total",
    "currency",
    "lines",
    "ocr_confidence",
]
