"""Pure text → invoice fields: amounts, dates, labels, line items and the arithmetic cross-checks."""

from invoice_assets.extraction.fields import InvoiceFields, extract_fields
from invoice_assets.extraction.items import LineItem

__all__ = ["InvoiceFields", "LineItem", "extract_fields"]
