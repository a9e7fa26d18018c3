"""The two SQL backends the platform runs on, for tests: SQLite in a temporary folder, and MySQL (MariaDB)
at `INVOICES_TEST_MYSQL_URL`, which `scripts/mariadb.sh` (called by `scripts/test.sh`) starts and sets.

Each MySQL test gets a database of its own, `invoices_test_<random>`, dropped afterwards: the test user
may create and drop exactly those. Without the variable the MySQL variants skip with the reason, except
under CI, where a skipped backend would be a silent gap: there they fail.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

from tests.support.machine import skip_or_fail

MYSQL_URL_VARIABLE = "INVOICES_TEST_MYSQL_URL"
BACKENDS = ("sqlite", "mysql")


def mysql_server_url() -> URL:
    """The test server's URL (no database in it); skips, or fails under CI, when none is configured."""
    value = os.environ.get(MYSQL_URL_VARIABLE, "").strip()
    if not value:
        reason = (
            f"{MYSQL_URL_VARIABLE} is not set, so the MySQL (MariaDB) variants cannot run: start a local "
            f'server with `export {MYSQL_URL_VARIABLE}="$(bash scripts/mariadb.sh)"` or run scripts/test.sh'
        )
        skip_or_fail(reason)
    return make_url(value)


@contextmanager
def fresh_mysql_database(server: URL) -> Iterator[URL]:
    """A new empty utf8mb4 database on `server` for the duration of the block, then dropped."""
    name = f"invoices_test_{secrets.token_hex(6)}"
    admin = create_engine(server.set(database=None), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"))
        try:
            yield server.set(database=name)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
    finally:
        admin.dispose()


def as_text(url: URL) -> str:
    """The URL with its password, as settings and resources take it."""
    return url.render_as_string(hide_password=False)


@contextmanager
def backend_database_url(backend: str, folder: Path) -> Iterator[str]:
    """A fresh, empty platform database on `backend` (`sqlite` under `folder`, or `mysql`)."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'invoices.db'}"
    elif backend == "mysql":
        with fresh_mysql_database(mysql_server_url()) as url:
            yield as_text(url)
    else:
        raise ValueError(f"unknown backend {backend!r}; expected one of {BACKENDS}")


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty platform database URL, once on SQLite and once on MySQL (MariaDB)."""
    with backend_database_url(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def mysql_url() -> Iterator[str]:
    """An empty database on the MySQL (MariaDB) test server."""
    with fresh_mysql_database(mysql_server_url()) as url:
        yield as_text(url)
