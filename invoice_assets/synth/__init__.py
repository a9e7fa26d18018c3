"""Synthetic scanned maintenance invoices (textile mills, corrective vs preventive) with ground truth.

Used by ``invoices demo``, by the tests and by the benchmarks. Everything is a pure function of a seed:

>>> inbox = generate_inbox("/tmp/inbox", count=20, seed=7)          # doctest: +SKIP
>>> rows = read_ground_truth(inbox.ground_truth_csv)                # doctest: +SKIP

Modules, one job each: ``catalog`` (suppliers, mills), ``vocabulary`` (maintenance wording per class),
``content`` (what an invoice says), ``formats`` (amount/date printing), ``style`` (each supplier's template),
``fonts``, ``render`` (layout and rasterization), ``degrade`` (scan look), ``writer`` (files and CSVs),
``inbox`` (the parallel, reproducible driver).
"""

from invoice_assets.synth.content import LineItem, SyntheticInvoice, make_invoice
from invoice_assets.synth.inbox import GeneratedInbox, generate_inbox, invoice_content
from invoice_assets.synth.writer import read_ground_truth

__all__ = [
    "GeneratedInbox",
    "LineItem",
    "SyntheticInvoice",
    "generate_inbox",
    "invoice_content",
    "make_invoice",
    "read_ground_truth",
]
