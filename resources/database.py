"""The platform database: one SQLAlchemy 2 engine from a URL, with the schema created on first use."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dagster import ConfigurableResource
from pydantic import Field, PrivateAttr
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from invoice_assets.tables import metadata


def create_platform_engine(url: str) -> Engine:
    """Open `url` and make sure every platform table exists.

    SQLite gets WAL journaling and a busy timeout because several Dagster runs (one per batch) may
    write to the same file at once; MySQL connections are recycled before the server's idle timeout.
    """
    parsed = make_url(url)
    options: dict[str, Any] = {"future": True}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        options["connect_args"] = {"timeout": 60}
    else:
        options.update(pool_pre_ping=True, pool_recycle=3600)
    engine = create_engine(parsed, **options)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    metadata.create_all(engine)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


class DatabaseResource(ConfigurableResource):
    """The SQL database holding manifests, OCR text, fields (and later labels and predictions)."""

    url: str = Field(description="SQLAlchemy URL, e.g. sqlite:///path.db or mysql+pymysql://user@host/db")

    _engine: Engine | None = PrivateAttr(default=None)

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = create_platform_engine(self.url)
        return self._engine
