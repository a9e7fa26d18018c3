"""The service's own settings, read from the environment beside `invoice_assets.settings.load_settings`.

The API key has no default on purpose: a service that starts without one would either be open to anyone
or reject everyone, and both are worse than refusing to start with a message that says what to set.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from invoice_assets.ocr.cpus import available_cpus

DEFAULT_MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class ServiceConfigError(ValueError):
    """A setting the service cannot start with; the message names the variable and what to do."""


@dataclass(frozen=True)
class ServiceSettings:
    api_key: str = field(repr=False)
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES
    ocr_workers: int = 1

    def __post_init__(self) -> None:
        if not self.api_key:
            raise ServiceConfigError("the API key must not be empty")
        if self.max_upload_bytes <= 0 or self.ocr_workers <= 0:
            raise ServiceConfigError("max_upload_bytes and ocr_workers must be positive")


def default_ocr_workers() -> int:
    """One OCR process per CPU this process may use (`ocr.cpus.available_cpus`) in every service process.

    uvicorn hands each connection to whichever process accepts it first, so the load is rarely even; a
    process that gets two uploads at once should use both CPUs rather than queue one behind the other
    while its sibling idles. Under full load the processes share the CPUs (Tesseract is single-threaded).
    """
    return available_cpus()


def load_service_settings(environ: dict[str, str] | None = None) -> ServiceSettings:
    """Resolve the settings from `environ` (default: the process environment) or raise ServiceConfigError."""
    env = os.environ if environ is None else environ
    api_key = (env.get("INVOICES_API_KEY") or "").strip()
    if not api_key:
        raise ServiceConfigError(
            "INVOICES_API_KEY is not set: the service refuses to start without the key clients must send "
            "in X-API-Key. Set it in the environment (in production the ECS task fills it from Secrets "
            "Manager), e.g. export INVOICES_API_KEY=\"$(python -c 'import secrets; "
            "print(secrets.token_urlsafe(32))')\""
        )
    return ServiceSettings(
        api_key=api_key,
        max_upload_bytes=_positive_int(env, "INVOICES_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES),
        ocr_workers=_positive_int(env, "INVOICES_OCR_WORKERS", default_ocr_workers()),
    )


def _positive_int(env, name: str, default: int) -> int:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ServiceConfigError(f"{name}={raw!r} is not a whole number; unset it or give one") from None
    if value <= 0:
        raise ServiceConfigError(f"{name}={raw!r} must be positive; unset it to use the default ({default})")
    return value
