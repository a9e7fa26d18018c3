"""Entry point of the Pulumi program: read the selected stack's settings, build, export."""

import pulumi
from invoices_infra.settings import load_settings
from invoices_infra.stack import build

for key, value in build(load_settings()).items():
    pulumi.export(key, value)
