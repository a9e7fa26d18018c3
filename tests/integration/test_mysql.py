"""The platform on MySQL (MariaDB) as well as SQLite: the schema round-trips the same values on both, the
ETL → training → prediction graph gives identical tables on both and never duplicates rows when
re-materialized, and the Dagster instance itself runs on MariaDB through dagster-mysql.

The MySQL variants need `INVOICES_TEST_MYSQL_URL` (see tests/db_backends.py and scripts/mariadb.sh).
OCR is not what these tests are about and is the slow part, so the graph runs replay the OCR output that
the session's `etl_corpus` fixture recorded with real Tesseract: both backends then store the very same
text, and any difference between their tables comes from the database alone.
"""

from __future__ import annotations

import hashlib
import shutil
import socket
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from dagster import (
    AssetKey,
    AssetSelection,
    DagsterEventType,
    DagsterRunStatus,
    instance_for_test,
    materialize,
)
from sqlalchemy import Engine, Table, create_engine, delete, func, insert, select, text
from sqlalchemy.exc import OperationalError

from invoice_assets.definitions import build_defs
from invoice_assets.defs.etl import etl_assets
from invoice_assets.defs.partitions import batch_partitions
from invoice_assets.defs.runner import materialize_new_batches
from invoice_assets.ocr.reader import DocumentText, PageText
from invoice_assets.settings import PlatformSettings, load_settings
from invoice_assets.store.engine import DatabaseUnavailableError, create_platform_engine
from invoice_assets.store.invoices import replace_invoice
from invoice_assets.store.tables import (
    documents,
    inbox_files,
    invoice_labels,
    invoice_lines,
    invoice_predictions,
    invoices,
    ocr_pages,
    review_queue,
)
from invoice_assets.store.texts import replace_ocr_pages
from resources.database import DatabaseResource
from resources.environment import build_resources
from tests.support.db_backends import BACKENDS, backend_database_url, fresh_mysql_database, mysql_server_url
from tests.support.ml_helpers import ALL_ASSETS, LENIENT, train
from tests.support.paths import ROOT, copy_into

# Columns that differ between two runs by nature: autoincrement ids and wall-clock timestamps.
VOLATILE = {"id", "received_at", "extracted_at", "loaded_at", "predicted_at", "queued_at", "reviewed_at"}
COMPARED: tuple[Table, ...] = (
    documents,
    inbox_files,
    ocr_pages,
    invoices,
    invoice_lines,
    invoice_labels,
    invoice_predictions,
    review_queue,
)
BATCH = "b1"


# --- the schema on both backends ------------------------------------------------------------------------


def test_values_round_trip_identically(database_url):
    """Money to the cent, doubles to the last bit, microseconds, case-distinct keys, >64 KB of UTF-8 text,
    free text longer than its column."""
    engine = create_platform_engine(database_url)
    long_text = "Reparación de telar Nº 7 — 12,50 € 🧵\n" * 2000  # ~80 KB of UTF-8, four-byte emoji too
    when = datetime(2026, 11, 23, 9, 30, 15, 123456)
    sha = hashlib.sha256(b"round trip").hexdigest()
    try:
        with engine.begin() as conn:
            conn.execute(
                insert(documents).values(
                    sha256=sha,
                    file_name="Factura.PDF",
                    media_type="application/pdf",
                    size_bytes=1,
                    pages=1,
                    archive_key=f"{sha}.pdf",
                    batch=BATCH,
                    received_at=when,
                )
            )
            for key in ("Factura.PDF", "factura.pdf"):  # distinct keys on a case-sensitive inbox (S3)
                conn.execute(
                    insert(inbox_files).values(
                        batch=BATCH,
                        source_key=key,
                        file_name=key,
                        sha256=sha,
                        size_bytes=1,
                        status="accepted",
                        received_at=when,
                    )
                )
            conn.execute(
                insert(ocr_pages).values(sha256=sha, page=1, text=long_text, confidence=1 / 3, source="ocr")
            )
            invoice = {
                "sha256": sha,
                "batch": BATCH,
                "file_name": "Factura.PDF",
                "issue_date": date(2026, 2, 28),
                "supplier": "Tejidos Ñandú, S.L.",
                "customer": "Hilaturas " * 40,  # OCR read a paragraph: longer than the column
                "subtotal": 0.1 + 0.2,
                "tax": 12.345,
                "total": 1234567890.125,
                "ocr_confidence": 0.1 + 0.2,
                "lines_match_subtotal": True,
                "totals_match": None,
            }
            line = {
                "description": "Cambio de lanzadera " * 40,
                "quantity": 2.5,
                "unit_price": 1.005,
                "amount": 2.5,
            }
            replace_invoice(conn, invoice, [line])
        with engine.connect() as conn:
            keys = sorted(conn.execute(select(inbox_files.c.source_key)).scalars())
            page = conn.execute(select(ocr_pages)).one()
            invoice = conn.execute(select(invoices)).one()
            stored_line = conn.execute(select(invoice_lines)).one()
            received = conn.execute(select(documents.c.received_at)).scalar_one()
    finally:
        engine.dispose()
    assert keys == ["Factura.PDF", "factura.pdf"]
    assert page.text == long_text and len(long_text.encode()) > 65_535
    assert page.confidence == 1 / 3, "DOUBLE, not MySQL's single-precision FLOAT"
    assert invoice.ocr_confidence == 0.1 + 0.2
    assert (invoice.subtotal, invoice.tax, invoice.total) == (0.3, 12.35, 1234567890.13), "cents, half-up"
    assert invoice.supplier == "Tejidos Ñandú, S.L." and invoice.issue_date == date(2026, 2, 28)
    assert invoice.customer == ("Hilaturas " * 40)[:255], "free text cut to the column, not refused"
    assert stored_line.description == line["description"][:512]
    assert (stored_line.quantity, stored_line.unit_price) == (2.5, 1.01)
    assert (invoice.lines_match_subtotal, invoice.totals_match) == (True, None)
    assert received == when, "microseconds kept"


def test_mysql_tables_are_innodb_utf8mb4_with_the_portable_types(mysql_url):
    create_platform_engine(mysql_url).dispose()
    engine = create_engine(mysql_url)
    try:
        with engine.connect() as conn:
            schema = conn.execute(text("SELECT DATABASE()")).scalar_one()
            tables = conn.execute(
                text(
                    "SELECT table_name, engine, table_collation FROM information_schema.tables "
                    "WHERE table_schema = :schema AND table_type = 'BASE TABLE'"
                ),
                {"schema": schema},
            ).all()
            columns = {
                (table, column): (column_type, collation)
                for table, column, column_type, collation in conn.execute(
                    text(
                        "SELECT table_name, column_name, column_type, collation_name "
                        "FROM information_schema.columns WHERE table_schema = :schema"
                    ),
                    {"schema": schema},
                )
            }
    finally:
        engine.dispose()
    assert {name for name, _, _ in tables} >= {t.name for t in COMPARED}
    assert {(engine_name, collation) for _, engine_name, collation in tables} == {
        ("InnoDB", "utf8mb4_unicode_ci")
    }
    assert columns[("ocr_pages", "text")][0] == "mediumtext"
    assert columns[("invoice_predictions", "probability")][0] == "double"
    assert columns[("invoices", "total")][0] == "decimal(14,2)"
    assert columns[("documents", "received_at")][0] == "datetime(6)"
    assert columns[("inbox_files", "source_key")] == ("varchar(512)", "utf8mb4_bin")
    assert columns[("invoices", "supplier")] == ("varchar(255)", "utf8mb4_unicode_ci")


def replace_pages_side_by_side(engine: Engine, names: tuple[str, str]) -> list[BaseException | None]:
    """Two transactions replace the OCR pages of two new documents at the same moment: both delete
    (finding nothing) before either inserts, the interleaving that deadlocks on gap locks."""
    shas = [hashlib.sha256(name.encode()).hexdigest() for name in names]
    with engine.begin() as conn:
        for sha in shas:
            conn.execute(
                insert(documents).values(
                    sha256=sha,
                    file_name=f"{sha}.png",
                    media_type="image/png",
                    size_bytes=1,
                    pages=1,
                    archive_key=sha,
                    batch=BATCH,
                    received_at=datetime(2026, 1, 1),
                )
            )
    both_deleted = threading.Barrier(2)
    errors: list[BaseException | None] = [None, None]

    def replace(index: int) -> None:
        try:
            with engine.begin() as conn:
                conn.execute(text("SET SESSION innodb_lock_wait_timeout = 5"))
                conn.execute(delete(ocr_pages).where(ocr_pages.c.sha256 == shas[index]))
                both_deleted.wait(timeout=30)
                replace_ocr_pages(
                    conn, shas[index], [{"page": 1, "text": "t", "confidence": 1.0, "source": "ocr"}]
                )
        except Exception as error:
            errors[index] = error

    threads = [threading.Thread(target=replace, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def test_concurrent_replaces_of_new_documents_do_not_deadlock_on_mysql(mysql_url):
    engine = create_platform_engine(mysql_url)
    try:
        assert replace_pages_side_by_side(engine, ("first", "second")) == [None, None]
        with engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(ocr_pages)).scalar_one() == 2
        # The same interleaving at InnoDB's default isolation: the gap locks of the two deletes block
        # each other's insert (deadlock 1213, or a lock wait timeout 1205). This is why the engine
        # runs at READ COMMITTED.
        repeatable_read = engine.execution_options(isolation_level="REPEATABLE READ")
        errors = replace_pages_side_by_side(repeatable_read, ("third", "fourth"))
    finally:
        engine.dispose()
    codes = {error.orig.args[0] for error in errors if isinstance(error, OperationalError)}
    assert codes & {1213, 1205}, errors


def test_an_unreachable_server_is_named_without_its_password(tmp_path):
    with socket.socket() as probe:  # a port nothing listens on: bound, never listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        resource = DatabaseResource(url=f"mysql+pymysql://platform:s3cret-value@127.0.0.1:{port}/invoices")
        with pytest.raises(DatabaseUnavailableError) as raised:
            resource.engine  # noqa: B018 - opening the engine is the act under test
    message = str(raised.value)
    assert f"mysql+pymysql://platform:***@127.0.0.1:{port}/invoices" in message
    assert "s3cret-value" not in message
    assert "INVOICES_DATABASE_URL" in message and "running" in message


# --- the asset graph on both backends ----------------------------------------------------------------


def recorded_ocr(corpus_home: Path) -> dict[str, DocumentText]:
    """What real OCR produced for each corpus document (by sha256), read back from the corpus database."""
    engine = create_platform_engine(load_settings({"INVOICES_HOME": str(corpus_home)}).database_url)
    try:
        with engine.connect() as conn:
            media = dict(conn.execute(select(documents.c.sha256, documents.c.media_type)).all())
            rows = conn.execute(select(ocr_pages).order_by(ocr_pages.c.sha256, ocr_pages.c.page)).all()
    finally:
        engine.dispose()
    pages: dict[str, list[PageText]] = {}
    for row in rows:
        pages.setdefault(row.sha256, []).append(PageText(row.page, row.text, row.confidence, row.source))
    return {sha256: DocumentText(media[sha256], found) for sha256, found in pages.items()}


def replay_reader(recorded: dict[str, DocumentText]):
    """A stand-in for `read_documents` that returns the recorded OCR of each file (by content hash)."""

    def read_documents(paths: Iterable[Path], settings: Any = None, workers: int | None = None):
        for path in paths:
            sha256 = hashlib.sha256(Path(path).read_bytes()).hexdigest()
            if sha256 not in recorded:
                raise AssertionError(f"{path}: no recorded OCR for sha256 {sha256} in the corpus database")
            yield path, recorded[sha256]

    return read_documents


def snapshot(settings: PlatformSettings) -> dict[str, list[tuple]]:
    """Every compared table's rows without volatile columns, in a backend-independent order."""
    engine = create_platform_engine(settings.database_url)
    try:
        with engine.connect() as conn:
            tables = {}
            for table in COMPARED:
                columns = [c for c in table.columns if c.name not in VOLATILE]
                rows = [tuple(row) for row in conn.execute(select(*columns))]
                tables[table.name] = sorted(rows, key=repr)
    finally:
        engine.dispose()
    return tables


def row_counts(snap: dict[str, list[tuple]]) -> dict[str, int]:
    return {name: len(rows) for name, rows in snap.items()}


@dataclass(frozen=True)
class GraphRun:
    """Table snapshots of one backend's run: after each step and after repeating it."""

    etl: dict[str, list[tuple]]
    etl_again: dict[str, list[tuple]]
    predicted: dict[str, list[tuple]]
    predicted_again: dict[str, list[tuple]]


def run_graph(settings: PlatformSettings) -> GraphRun:
    """ETL of the inbox as one batch, the same batch again, training (lenient gates), predictions twice."""
    resources = build_resources(settings)
    with instance_for_test() as instance:
        instance.add_dynamic_partitions(batch_partitions.name, [BATCH])
        snaps = []
        for _ in range(2):
            etl = materialize(etl_assets, partition_key=BATCH, instance=instance, resources=resources)
            assert etl.success
            snaps.append(snapshot(settings))
        assert train(settings, instance, BATCH, LENIENT).success
        snaps.append(snapshot(settings))
        again = materialize(
            ALL_ASSETS,
            selection=AssetSelection.assets("invoice_predictions"),
            partition_key=BATCH,
            instance=instance,
            resources=resources,
        )
        assert again.success
        snaps.append(snapshot(settings))
    return GraphRun(*snaps)


@pytest.fixture(scope="module")
def graph_runs(etl_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, GraphRun]:
    """The corpus inbox through the same graph, once per backend, OCR replayed from the corpus."""
    mysql_server_url()  # skip (or fail under CI) before any work when there is no MySQL server
    inbox = tmp_path_factory.mktemp("shared-inbox") / "inbox"
    shutil.copytree(etl_corpus / "inbox", inbox)  # one inbox, so both runs store the same keys and paths
    runs = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("invoice_assets.defs.etl.read_documents", replay_reader(recorded_ocr(etl_corpus)))
        for backend in BACKENDS:
            home = tmp_path_factory.mktemp(f"graph-{backend}") / "home"
            home.mkdir(parents=True)
            with backend_database_url(backend, home) as url:
                settings = load_settings(
                    {"INVOICES_HOME": str(home), "INVOICES_INBOX": str(inbox), "INVOICES_DATABASE_URL": url}
                )
                runs[backend] = run_graph(settings)
    return runs


@pytest.mark.parametrize("backend", BACKENDS)
def test_rematerializing_never_duplicates_rows(graph_runs, backend):
    run = graph_runs[backend]
    counts = row_counts(run.etl)
    assert counts["documents"] == counts["invoices"] == counts["inbox_files"] == 60
    assert counts["ocr_pages"] >= 60 and counts["invoice_lines"] > 60
    assert run.etl_again == run.etl, "re-materializing the ETL batch rewrites the same rows, adds none"
    predicted = row_counts(run.predicted)
    assert predicted["invoice_predictions"] == predicted["invoice_labels"] == 60
    assert run.predicted_again == run.predicted, "predicting again rewrites the same rows, adds none"


def test_sqlite_and_mariadb_hold_identical_tables(graph_runs):
    sqlite, mysql = graph_runs["sqlite"], graph_runs["mysql"]
    assert set(mysql.etl) == set(sqlite.etl)
    for name in sqlite.predicted:
        assert mysql.predicted[name] == sqlite.predicted[name], f"table {name} differs between the backends"
    assert mysql.etl == sqlite.etl


# --- the Dagster instance on MariaDB -----------------------------------------------------------------


DEPLOYED_INSTANCE = ROOT / "deploy" / "dagster.yaml"


@pytest.fixture
def mysql_instance(monkeypatch) -> Iterator[Any]:
    """A Dagster instance with production's `storage` section (deploy/dagster.yaml: run, event-log and
    schedule storage in MySQL from the DAGSTER_MYSQL_* variables), pointed at a fresh MariaDB database."""
    storage = yaml.safe_load(DEPLOYED_INSTANCE.read_text())["storage"]
    with fresh_mysql_database(mysql_server_url()) as url:
        for variable, value in {
            "DAGSTER_MYSQL_HOSTNAME": url.host,
            "DAGSTER_MYSQL_DB": url.database,
            "DAGSTER_MYSQL_USERNAME": url.username,
            "DAGSTER_MYSQL_PASSWORD": url.password,
        }.items():
            monkeypatch.setenv(variable, str(value))
        storage["mysql"]["mysql_db"]["port"] = url.port or 3306  # production's is 3306 too
        with instance_for_test(overrides={"storage": storage}) as instance:
            yield instance, url


def test_the_dagster_instance_runs_the_etl_job_on_mariadb(mysql_instance, generated_invoices, tmp_path):
    from dagster._core.scheduler.instigation import InstigatorType, TickData, TickStatus
    from dagster._core.storage.dagster_run import JobBucket
    from dagster_mysql import MySQLEventLogStorage, MySQLRunStorage, MySQLScheduleStorage

    instance, url = mysql_instance
    assert isinstance(instance.run_storage, MySQLRunStorage)
    assert isinstance(instance.event_log_storage, MySQLEventLogStorage)
    assert isinstance(instance.schedule_storage, MySQLScheduleStorage)
    instance.upgrade()  # what `dagster instance migrate` does in production: alembic on MariaDB

    inbox = tmp_path / "inbox"
    copy_into(inbox, generated_invoices.files[:2])  # real OCR here: two files
    settings = load_settings({"INVOICES_HOME": str(tmp_path / "home"), "INVOICES_INBOX": str(inbox)})
    (run,) = materialize_new_batches(build_defs(settings), instance)
    assert run.success and run.files == 2

    stored = instance.get_run_by_id(run.run_id)
    assert stored is not None and stored.status == DagsterRunStatus.SUCCESS
    events = [entry.dagster_event for entry in instance.all_logs(run.run_id) if entry.is_dagster_event]
    materialized = {
        e.asset_key.to_user_string() for e in events if e.event_type == DagsterEventType.ASSET_MATERIALIZATION
    }
    assert materialized == {"raw_invoices", "ocr_pages", "invoice_fields"}
    checks = [e for e in events if e.event_type == DagsterEventType.ASSET_CHECK_EVALUATION]
    assert len(checks) == 3
    assert run.batch in instance.get_dynamic_partitions(batch_partitions.name)
    assert instance.get_materialized_partitions(AssetKey("invoice_fields")) == {run.batch}
    assert [
        r.run_id for r in instance.get_runs(bucket_by=JobBucket(job_names=["etl_job"], bucket_limit=1))
    ] == [run.run_id]

    # Sensor ticks go to the schedule storage; MariaDB's version string ("10.11...") passes
    # dagster-mysql's MySQL-8 check, so the batched tick query (a window function) runs on it.
    assert instance.schedule_storage.supports_batch_queries
    tick = instance.create_tick(
        TickData(
            instigator_origin_id="origin",
            instigator_name="inbox_sensor",
            instigator_type=InstigatorType.SENSOR,
            status=TickStatus.SKIPPED,
            timestamp=1.0,
            selector_id="selector",
        )
    )
    batch = instance.schedule_storage.get_batch_ticks(["selector"], limit=5)
    assert [t.tick_id for t in batch["selector"]] == [tick.tick_id]

    # The rows really are in MariaDB, not in a file beside the test.
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            runs = conn.execute(text("SELECT COUNT(*) FROM runs")).scalar_one()
            logged = conn.execute(
                select(func.count()).select_from(text("event_logs")).where(text("run_id = :run_id")),
                {"run_id": run.run_id},
            ).scalar_one()
    finally:
        engine.dispose()
    assert runs == 1 and logged == len(instance.all_logs(run.run_id))
