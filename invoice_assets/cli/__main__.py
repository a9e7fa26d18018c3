"""`python -m invoice_assets.cli`, the same as the `invoices` command."""

import sys

from invoice_assets.cli import main

sys.exit(main())
