"""`invoices serve`: uvicorn running the app factory in `workers` processes."""

from __future__ import annotations

import uvicorn

APP_FACTORY = "invoice_assets.service.app:create_app_from_env"


def run_server(host: str, port: int, workers: int) -> None:
    """Serve until interrupted. Settings are checked by the caller first (`load_service_settings`), so
    a missing API key is one clear message rather than a traceback per worker process."""
    uvicorn.run(
        APP_FACTORY,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,  # the app logs every request with its latency
        log_level="info",
    )
