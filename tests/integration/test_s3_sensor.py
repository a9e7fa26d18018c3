"""inbox_sensor over an S3 inbox (real moto server over HTTP, real Dagster instance), and the cursor
properties that make it exactly-once: S3 stamps objects to the second, uploads land while a tick pages
through the listing, the daemon restarts with the stored cursor; and the cursor and each tick stay small
enough for the MySQL row Dagster keeps them in."""

from __future__ import annotations

import os
import threading
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3
import pytest
from dagster import SensorResult, SkipReason, build_sensor_context, instance_for_test
from dagster._core.scheduler.instigation import InstigatorType, TickData, TickStatus
from dagster._serdes import deserialize_value, serialize_value

from invoice_assets.defs.batch_runs import batch_run_request
from invoice_assets.intake.batching import MAX_REMEMBERED_CHARS, InboxCursor, plan_batches
from invoice_assets.intake.storage import InboxFile
from resources.s3_storage import S3InvoiceStorage
from resources.storage import LocalInvoiceStorage
from sensors.inbox import MAX_REQUESTED_CHARS, inbox_sensor

BUCKET = "invoices-sensor"
MYSQL_TEXT_BYTES = 65_535  # dagster-mysql's job_ticks.tick_body and instigators.instigator_body are TEXT


def files(*specs: tuple[str, float]) -> list[InboxFile]:
    return [InboxFile(key=key, size=1, modified=modified) for key, modified in specs]


def requested(batches) -> list[str]:
    return [key for batch in batches for key in batch.files]


def files_of(result) -> list[str]:
    return [f for r in result.run_requests for f in r.run_config["ops"]["raw_invoices"]["config"]["files"]]


def tick_body(result) -> str:
    """What the sensor daemon writes into `job_ticks.tick_body` before it submits a tick's runs: the
    tick data with every run request, a reserved run id each, and the new cursor."""
    data = TickData(
        instigator_origin_id="origin",
        instigator_name="inbox_sensor",
        instigator_type=InstigatorType.SENSOR,
        status=TickStatus.STARTED,
        timestamp=1.0,
        selector_id="selector",
    ).with_run_requests(
        result.run_requests,
        reserved_run_ids=[str(uuid.uuid4()) for _ in result.run_requests],
        cursor=result.cursor,
    )
    return serialize_value(data)


# -- the cursor, as pure functions ----------------------------------------------------------------------


def test_a_burst_keeps_the_cursor_bounded_and_never_requests_a_file_twice():
    burst = files(*((f"incoming/scan-{i:05}.png", 1_800_000_000.0 + i // 500) for i in range(10_000)))
    batches, cursor = plan_batches(burst, InboxCursor(), batch_size=200)
    assert sorted(requested(batches)) == sorted(f.key for f in burst)
    text = cursor.serialize()
    assert len(text) <= MAX_REMEMBERED_CHARS + 100
    assert set(cursor.recent.values()) == {1_800_000_019.0}, "the newest second is remembered whole"
    assert cursor.horizon == 1_800_000_019.0
    assert InboxCursor.parse(text) == cursor
    again, after = plan_batches(burst, cursor, batch_size=200)
    assert again == [] and after == cursor, "files below the horizon are never taken again"


def test_the_horizon_only_moves_up_so_forgotten_keys_are_not_requested_again():
    first = files(*((f"a-{i:03}.png", 100.0 + i // 10) for i in range(60)))  # 10 files a second
    _, cursor = plan_batches(first, InboxCursor(), batch_size=50, max_chars=200)
    assert cursor.horizon > 100.0 and len(cursor.serialize()) < 400
    # a quiet tick later: one new file; the old ones (forgotten but listed) stay taken
    later = [*first, *files(("b.png", 106.0))]
    batches, moved = plan_batches(later, cursor, batch_size=50, max_chars=200)
    assert requested(batches) == ["b.png"]
    assert moved.horizon >= cursor.horizon


def test_same_second_files_across_ticks_and_late_files_inside_the_window_are_taken_once():
    _, cursor = plan_batches(files(("m.png", 50.0), ("z.png", 50.0)), InboxCursor(), batch_size=10)
    # the next listing shows a file of the watermark's second and one that became visible late
    listing = files(("m.png", 50.0), ("z.png", 50.0), ("a.png", 50.0), ("early.png", 48.0))
    batches, cursor = plan_batches(listing, cursor, batch_size=10)
    assert sorted(requested(batches)) == ["a.png", "early.png"]
    assert plan_batches(listing, cursor, batch_size=10)[0] == []


def test_a_cursor_in_the_first_format_still_parses():
    old = '{"recent": {"x/a.png": 12.0}, "watermark": 12.0}'
    cursor = InboxCursor.parse(old)
    assert cursor == InboxCursor(watermark=12.0, recent={"x/a.png": 12.0})
    assert plan_batches(files(("x/a.png", 12.0)), cursor, batch_size=10)[0] == []


def burst_folder(folder: Path, count: int) -> list[str]:
    """`count` files in day folders, 400 sharing each modification second (a bulk copy)."""
    names = []
    for i in range(count):
        path = folder / f"2026-11-{i % 28 + 1:02}/workshop-{i % 7}/scan-{i:05}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"")
        stamp = 1_800_000_000 + i // 400
        os.utime(path, (stamp, stamp))
        names.append(path.relative_to(folder).as_posix())
    return names


def test_a_burst_of_3000_files_drains_over_ticks_that_each_fit_in_a_mysql_text_column(tmp_path):
    names = burst_folder(tmp_path / "inbox", 3_000)
    storage = LocalInvoiceStorage(
        inbox_dir=str(tmp_path / "inbox"), archive_dir=str(tmp_path / "a"), quarantine_dir=str(tmp_path / "q")
    )
    counts: Counter[str] = Counter()
    bodies = []
    cursor = None
    with instance_for_test() as instance:
        for _ in range(20):
            result = inbox_sensor(
                build_sensor_context(instance=instance, resources={"storage": storage}, cursor=cursor)
            )
            if isinstance(result, SkipReason):
                break
            counts.update(files_of(result))
            bodies.append(len(tick_body(result)))
            cursor = result.cursor
        else:
            pytest.fail("20 ticks did not drain 3,000 files")
    assert counts == Counter(names), "every file exactly once"
    assert len(bodies) > 1, "the burst was spread over several ticks"
    assert max(bodies) < MYSQL_TEXT_BYTES, f"largest tick body {max(bodies):,} characters"
    assert sum(len(name) + 3 for name in names) > MAX_REQUESTED_CHARS * 5


def test_mariadb_stores_a_burst_tick_only_with_the_tick_budget(tmp_path):
    """The column limit is real: on MariaDB (dagster-mysql's schedule storage, production's), the first
    tick over a 10,000-file burst is refused without the request budget and stored with it."""
    from dagster_mysql import MySQLScheduleStorage
    from sqlalchemy.exc import DataError

    from tests.support.db_backends import as_text, fresh_mysql_database, mysql_server_url

    listing = files(
        *((f"2026-11-27/workshop-{i % 7}/scan-{i:05}.png", 1_800_000_000.0 + i // 400) for i in range(10_000))
    )
    with fresh_mysql_database(mysql_server_url()) as url:
        storage = MySQLScheduleStorage(as_text(url).replace("mysql+pymysql://", "mysql+mysqlconnector://"))
        try:
            for budget, fits in ((None, False), (MAX_REQUESTED_CHARS, True)):
                batches, cursor = plan_batches(listing, InboxCursor(), 200, max_request_chars=budget)
                result = SensorResult(
                    run_requests=[batch_run_request(b.key, b.files) for b in batches],
                    cursor=cursor.serialize(),
                )
                data = deserialize_value(tick_body(result), TickData)
                if fits:
                    stored = storage.create_tick(data)
                    (again,) = storage.get_ticks("origin", "selector", limit=1)
                    assert again.tick_id == stored.tick_id and again.tick_data.cursor == result.cursor
                else:
                    with pytest.raises(DataError, match="too long"):
                        storage.create_tick(data)
        finally:
            storage.dispose()


# -- the sensor against moto ----------------------------------------------------------------------------


class Inbox:
    """Uploads to the moto bucket and ticks the sensor the way the daemon would, recording every file
    each run request asked for and the watermark each tick left behind."""

    def __init__(self, instance) -> None:
        self.client = boto3.client("s3")
        self.instance = instance
        self.storage = S3InvoiceStorage.from_uri(f"s3://{BUCKET}/incoming")
        self.cursor: str | None = None
        self.requests: list[list[str]] = []  # files per tick
        self.watermarks: list[float] = []
        self.cursor_sizes: list[int] = []
        self.body_sizes: list[int] = []
        self.uploaded: list[str] = []

    def upload(self, names: list[str]) -> None:
        with ThreadPoolExecutor(8) as pool:
            list(
                pool.map(
                    lambda n: self.client.put_object(Bucket=BUCKET, Key=f"incoming/{n}", Body=b"x"), names
                )
            )
        self.uploaded += names

    def restart(self) -> None:
        """A daemon restart: a new resource (new boto3 client) and only the stored cursor survive."""
        self.storage = S3InvoiceStorage.from_uri(f"s3://{BUCKET}/incoming")

    def tick(self) -> list[str]:
        context = build_sensor_context(
            instance=self.instance, resources={"storage": self.storage}, cursor=self.cursor
        )
        result = inbox_sensor(context)
        if isinstance(result, SkipReason):
            self.requests.append([])
            return []
        taken = files_of(result)
        assert all(r.run_key == r.partition_key for r in result.run_requests)
        self.cursor = result.cursor
        self.cursor_sizes.append(len(result.cursor))
        self.body_sizes.append(len(tick_body(result)))
        self.watermarks.append(InboxCursor.parse(result.cursor).watermark)
        self.requests.append(taken)
        return taken


def test_2500_uploads_over_many_ticks_are_each_requested_exactly_once(aws):
    boto3.client("s3").create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": aws.region}
    )
    with instance_for_test() as instance:
        inbox = Inbox(instance)
        assert inbox.tick() == [], "an empty inbox requests nothing"

        inbox.upload([f"w1/scan-{i:04}.png" for i in range(700)])
        assert len(inbox.tick()) == 700

        # 1,200 uploads stream in while the sensor keeps ticking: some land in the second of the last
        # watermark, some under names the paged listing has already passed ("a-late/" sorts first).
        streamed = [f"{'a-late' if i % 4 == 0 else 'w2'}/scan-{i:04}.png" for i in range(1200)]
        uploader = threading.Thread(target=inbox.upload, args=(streamed,))
        uploader.start()
        ticks = 0
        while uploader.is_alive():
            inbox.tick()
            ticks += 1
            if ticks == 3:
                inbox.restart()
        uploader.join()
        inbox.tick()
        inbox.restart()

        inbox.upload([f"w3/scan-{i:04}.png" for i in range(600)])
        for _ in range(10):
            if not inbox.tick():
                break
        assert inbox.requests[-1] == [], "the final tick finds nothing new"

    assert len(inbox.uploaded) == 2500
    counts = Counter(key for taken in inbox.requests for key in taken)
    duplicates = {key: n for key, n in counts.items() if n > 1}
    assert not duplicates, f"requested more than once: {sorted(duplicates)[:10]}"
    assert set(counts) == set(inbox.uploaded), (
        f"never requested: {sorted(set(inbox.uploaded) - set(counts))[:10]}"
    )
    assert max(inbox.cursor_sizes) <= MAX_REMEMBERED_CHARS + 100
    assert max(inbox.body_sizes) < MYSQL_TEXT_BYTES

    # The hard cases really happened: files requested by a tick at or below the previous watermark
    # (same second as it, or visible only after newer ones) — the ones a watermark alone would lose.
    modified = {f.key: f.modified for f in inbox.storage.list_inbox()}
    marks = iter(inbox.watermarks)
    behind = 0
    previous = None
    for taken in inbox.requests:
        if not taken:
            continue
        if previous is not None:
            behind += sum(modified[key] <= previous for key in taken)
        previous = next(marks)
    assert behind > 0, "no tick had to take a file at or below the previous watermark"
