"""One `inbox_sensor` tick over an S3 inbox of 10,000 keys, against a bare paginated listing.

    .venv/bin/python benchmarks/s3_sensor.py                  # 10,000 keys, median of 3
    .venv/bin/python benchmarks/s3_sensor.py --keys 2000 --repeats 5

It starts its own moto server (in this process, on a free loopback port), uploads the keys, then times
1. the baseline: one `list_objects_v2` paginated over the inbox prefix with a plain boto3 client,
   every page read and nothing else done;
2. a first tick: `inbox_sensor` with no cursor (every key is new: listing, planning the batches,
   building the run requests and the cursor; it requests as many as fit in one tick's row);
3. the ticks after it until nothing is new (checked: each key requested exactly once), then a quiet
   tick (nothing new; what most ticks are).
Timings are the median of `--repeats` runs. Dagster's default sensor timeout is 60 seconds; the target is
a tick under 10 seconds. The ratio to the baseline shows what the sensor adds on top of the listing,
which no sensor can avoid.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BUCKET = "invoices-benchmark"
PREFIX = "incoming/"
REGION = "eu-west-1"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def start_moto():
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one log line per request would be timed too
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    os.environ.update(
        AWS_ENDPOINT_URL=f"http://{host}:{port}",
        AWS_ACCESS_KEY_ID="benchmark",
        AWS_SECRET_ACCESS_KEY="benchmark",
        AWS_REGION=REGION,
        AWS_DEFAULT_REGION=REGION,
    )
    return server


def upload(count: int) -> None:
    import boto3

    client = boto3.client("s3")
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    keys = [f"{PREFIX}{i % 24:02}h/scan-{i:05}.{('pdf', 'png', 'jpg', 'tif')[i % 4]}" for i in range(count)]
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda key: client.put_object(Bucket=BUCKET, Key=key, Body=b"scan"), keys))


def timed(function, repeats: int) -> tuple[float, float, object]:
    """Median wall seconds and median CPU seconds of this process (client and in-process moto server
    together: a figure that a busy shared machine inflates far less than the wall clock)."""
    wall, cpu, result = [], [], None
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = function()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(wall), statistics.median(cpu), result


def bare_listing() -> int:
    import boto3

    pages = boto3.client("s3").get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=PREFIX)
    return sum(len(page.get("Contents", ())) for page in pages)


def files_of(result) -> list[str]:
    return [f for r in result.run_requests for f in r.run_config["ops"]["raw_invoices"]["config"]["files"]]


def tick_body_chars(result) -> int:
    """Size of what the sensor daemon writes into `job_ticks.tick_body` (64 KB TEXT in MySQL) before it
    submits the tick's runs: the tick data with every run request, its reserved run id and the cursor."""
    import uuid

    from dagster._core.scheduler.instigation import InstigatorType, TickData, TickStatus
    from dagster._serdes import serialize_value

    data = TickData(
        instigator_origin_id="origin",
        instigator_name="inbox_sensor",
        instigator_type=InstigatorType.SENSOR,
        status=TickStatus.STARTED,
        timestamp=time.time(),
    ).with_run_requests(
        result.run_requests,
        reserved_run_ids=[str(uuid.uuid4()) for _ in result.run_requests],
        cursor=result.cursor,
    )
    return len(serialize_value(data))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=10_000, help="objects in the inbox (default 10,000)")
    parser.add_argument("--repeats", type=int, default=3, help="runs per measurement; the median counts")
    args = parser.parse_args()

    from dagster import DagsterInstance, SensorResult, SkipReason, build_sensor_context

    from resources.s3_storage import S3InvoiceStorage
    from sensors.inbox import inbox_sensor

    server = start_moto()
    try:
        start = time.perf_counter()
        upload(args.keys)
        log(f"uploaded {args.keys:,} keys to moto in {time.perf_counter() - start:.1f} s")
        storage = S3InvoiceStorage.from_uri(f"s3://{BUCKET}/{PREFIX}")
        with DagsterInstance.ephemeral() as instance:

            def tick(cursor: str | None):
                context = build_sensor_context(
                    instance=instance, resources={"storage": storage}, cursor=cursor
                )
                return inbox_sensor(context)

            baseline, baseline_cpu, listed = timed(bare_listing, args.repeats)
            first, first_cpu, result = timed(lambda: tick(None), args.repeats)
            assert isinstance(result, SensorResult) and listed == args.keys
            requested = Counter(files_of(result))
            body = tick_body_chars(result)
            cursor, ticks = result.cursor, 1
            while True:  # drain the rest the way the daemon would, one tick after the other
                later = tick(cursor)
                if isinstance(later, SkipReason):
                    break
                requested.update(files_of(later))
                body = max(body, tick_body_chars(later))
                cursor, ticks = later.cursor, ticks + 1
            assert len(requested) == args.keys and max(requested.values()) == 1, "each key exactly once"
            quiet, quiet_cpu, skipped = timed(lambda: tick(cursor), args.repeats)
            assert isinstance(skipped, SkipReason)
    finally:
        server.stop()

    load = os.getloadavg()[0]
    print(f"keys in the inbox: {args.keys:,}; medians of {args.repeats}; load average {load:.1f}")
    print(f"bare paginated list_objects_v2: {baseline:6.2f} s wall {baseline_cpu:6.2f} s CPU")
    print(f"inbox_sensor first tick:        {first:6.2f} s wall {first_cpu:6.2f} s CPU")
    print(f"inbox_sensor quiet tick:        {quiet:6.2f} s wall {quiet_cpu:6.2f} s CPU (nothing new)")
    print(
        f"first tick / bare listing:      {first / baseline:6.2f}x wall {first_cpu / baseline_cpu:6.2f}x CPU"
    )
    print(
        f"quiet tick / bare listing:      {quiet / baseline:6.2f}x wall {quiet_cpu / baseline_cpu:6.2f}x CPU"
    )
    print(
        f"the first tick requested {len(files_of(result)):,} files in {len(result.run_requests)} runs; "
        f"{ticks} ticks requested all {args.keys:,} keys, each once"
    )
    print(f"largest cursor / tick body: {len(cursor):,} / {body:,} characters (MySQL TEXT: 65,535)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
