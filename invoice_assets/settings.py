"""Where the platform keeps its state, read from the environment (docs/contract.md lists the variables).

This is the one module that reads the deployment environment. Every default lives under one home folder
so a local run needs no configuration at all, and production only sets the variables it overrides
(an `s3://` inbox, a `mysql+pymysql://` database URL, an MLflow server).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url


@dataclass(frozen=True)
class PlatformSettings:
    """The resolved locations of all platform state."""

    home: Path
    inbox: str
    database_url: str
    mlflow_tracking_uri: str
    dagster_home: Path

    @property
    def inbox_is_s3(self) -> bool:
        return self.inbox.startswith("s3://")

    @property
    def archive(self) -> Path:
        """Originals, stored by sha256 before anything else happens to them."""
        return self.home / "archive"

    @property
    def mlflow_artifacts(self) -> str:
        """Where MLflow keeps model files when the tracking store is local."""
        return str(self.home / "mlartifacts")

    @property
    def quarantine(self) -> Path:
        """Files that could not be processed, each beside a note with the reason."""
        return self.home / "quarantine"


def database_url_with_password(url: str, password: str | None) -> str:
    """Put a password that arrives on its own (ECS injects it from the RDS-managed secret in Secrets
    Manager as `INVOICES_DATABASE_PASSWORD`) into a URL that carries none, so no file or task definition
    ever holds the password. A URL that already has one is left as it is."""
    if not password:
        return url
    parsed = make_url(url)
    if parsed.password:
        return url
    return parsed.set(password=password).render_as_string(hide_password=False)


def load_settings(environ: dict[str, str] | None = None) -> PlatformSettings:
    """Resolve the settings from `environ` (default: the process environment)."""
    env = os.environ if environ is None else environ
    home = Path(env.get("INVOICES_HOME") or "./.invoices").expanduser().absolute()
    return PlatformSettings(
        home=home,
        inbox=env.get("INVOICES_INBOX") or str(home / "inbox"),
        database_url=database_url_with_password(
            env.get("INVOICES_DATABASE_URL") or f"sqlite:///{home / 'invoices.db'}",
            env.get("INVOICES_DATABASE_PASSWORD"),
        ),
        mlflow_tracking_uri=env.get("MLFLOW_TRACKING_URI") or f"sqlite:///{home / 'mlflow.db'}",
        dagster_home=Path(env.get("DAGSTER_HOME") or home / "dagster").expanduser().absolute(),
    )
