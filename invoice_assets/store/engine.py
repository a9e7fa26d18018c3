"""The platform database: one SQLAlchemy engine from a URL (SQLite or MySQL), schema created on first use."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError, ProgrammingError

from invoice_assets.store.tables import metadata


class DatabaseUnavailableError(RuntimeError):
    """The platform database could not be opened; the message names the URL (without its password)."""


def create_platform_engine(url: str) -> Engine:
    """Open `url` and make sure every platform table exists.

    SQLite gets WAL journaling and a busy timeout because several Dagster runs (one per batch) may
    write to the same file at once. MySQL (and MariaDB) connections speak utf8mb4, are checked before
    use and recycled before the server's idle timeout drops them, and run at READ COMMITTED: the
    upserts in `invoice_assets.store` delete then insert by key, and under InnoDB's default
    REPEATABLE READ a delete that finds no row takes a gap lock, so two batch runs inserting new
    documents into the same gap deadlock each other. READ COMMITTED takes no such gap locks.
    """
    parsed = make_url(url)
    options: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        options["connect_args"] = {"timeout": 60}
    elif parsed.get_backend_name() in ("mysql", "mariadb"):
        if "charset" not in parsed.query:
            parsed = parsed.update_query_dict({"charset": "utf8mb4"})
        options.update(pool_pre_ping=True, pool_recycle=3600, isolation_level="READ COMMITTED")
    else:
        options.update(pool_pre_ping=True, pool_recycle=3600)
    engine = create_engine(parsed, **options)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    try:
        with engine.connect():
            pass
    except OperationalError as error:
        engine.dispose()
        raise DatabaseUnavailableError(
            f"cannot open the platform database {safe_url(parsed)}: {error.orig}. Check that the server "
            "is running and reachable, and that INVOICES_DATABASE_URL (with INVOICES_DATABASE_PASSWORD) "
            "names an existing database and a user allowed to use it."
        ) from error
    create_tables(engine)
    return engine


def create_tables(engine: Engine) -> None:
    """Create the missing tables. Batch runs starting at once on an empty database race to create the
    same table; the loser sees "already exists" and simply checks again."""
    for attempt in range(3):
        try:
            metadata.create_all(engine)
            return
        except (OperationalError, ProgrammingError) as error:
            if attempt == 2 or "already exists" not in str(error.orig):
                raise


def safe_url(url: str | URL) -> str:
    """`url` as text with its password masked, for messages and logs."""
    return make_url(url).render_as_string(hide_password=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
