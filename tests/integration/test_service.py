"""The online classification service for real: FastAPI's test client in front of a champion trained on
the small ETL corpus (Keras, MLflow SQLite store), real OCR worker processes and the platform's SQLite
tables, all in temporary folders."""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, func, select

from invoice_assets.cli import main
from invoice_assets.ml.labels import LABELS
from invoice_assets.service.app import create_app
from invoice_assets.service.middleware import MULTIPART_OVERHEAD
from invoice_assets.service.settings import ServiceConfigError, ServiceSettings, load_service_settings
from invoice_assets.service.store import SERVICE_BATCH
from invoice_assets.settings import PlatformSettings, load_settings
from invoice_assets.store.tables import documents, invoice_lines, invoice_predictions, invoices, ocr_pages
from resources.environment import build_resources
from tests.support.bad_inputs import bomb_png, png_bytes
from tests.support.contract import CONTRACT
from tests.support.ml_helpers import LENIENT, batches, train

KEY = "test-key-0123456789"
AUTH = {"X-API-Key": KEY}
LIMIT = 1_000_000  # the generated test invoices are 40-530 kB
PREDICT_JSON = [*CONTRACT, "label", "probability", "model_version"]  # `invoices predict`, docs/contract.md
TABLES = (documents, ocr_pages, invoices, invoice_lines, invoice_predictions)


@pytest.fixture(scope="module")
def champion_home(etl_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> PlatformSettings:
    """A copy of the ETL'd corpus with a champion (version 1) trained on it and its batch predicted."""
    from dagster import instance_for_test

    from invoice_assets.defs.partitions import batch_partitions

    home = tmp_path_factory.mktemp("service") / "home"
    shutil.copytree(etl_corpus, home)
    settings = load_settings({"INVOICES_HOME": str(home)})
    with instance_for_test() as instance:
        (batch,) = batches(settings)
        instance.add_dynamic_partitions(batch_partitions.name, [batch])
        assert train(settings, instance, batch, LENIENT).success
    return settings


@pytest.fixture(scope="module")
def client(champion_home: PlatformSettings) -> Iterator[TestClient]:
    settings = ServiceSettings(api_key=KEY, max_upload_bytes=LIMIT, ocr_workers=1)
    with TestClient(create_app(champion_home, settings)) as test_client:
        yield test_client


def counts(settings: PlatformSettings) -> dict[str, int]:
    engine = build_resources(settings)["database"].engine
    with engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one() for t in TABLES}


def archived(settings: PlatformSettings) -> set[str]:
    return {p.name for p in settings.archive.rglob("*") if p.is_file()}


def ocr_runs(client: TestClient) -> int:
    return client.app.state.classifier.counts["ocr_runs"]


def upload(client: TestClient, name: str, data: bytes, headers: dict[str, str] | None = AUTH):
    return client.post("/v1/invoices:classify", files={"file": (name, data)}, headers=headers)


def test_an_upload_is_classified_stored_and_answered_from_the_tables_the_second_time(
    client, champion_home, generated_invoices, caplog, capsys, monkeypatch
):
    path = next(p for p in generated_invoices.files if p.suffix == ".jpg")
    data = path.read_bytes()
    sha256 = hashlib.sha256(data).hexdigest()
    before, runs = counts(champion_home), ocr_runs(client)

    with caplog.at_level(logging.INFO, logger="invoices.service"):
        first = upload(client, path.name, data)
    assert first.status_code == 200, first.text
    body = first.json()
    assert list(body) == PREDICT_JSON
    assert (body["file"], body["sha256"], body["model_version"]) == (path.name, sha256, "1")
    assert body["label"] in LABELS and 0.5 <= body["probability"] <= 1.0
    assert ocr_runs(client) == runs + 1
    assert any(
        "POST /v1/invoices:classify 200" in r.getMessage() and " ms" in r.getMessage() for r in caplog.records
    )

    # The same rows as the batch path writes, in the same tables, and the original archived by sha256.
    after = counts(champion_home)
    assert {name: after[name] - before[name] for name in after} == {
        "documents": 1,
        "ocr_pages": 1,
        "invoices": 1,
        "invoice_lines": len(body["lines"]),
        "invoice_predictions": 1,
    }
    engine = build_resources(champion_home)["database"].engine
    with engine.connect() as conn:
        stored = conn.execute(select(invoice_predictions).where(invoice_predictions.c.sha256 == sha256)).one()
    assert (stored.label, stored.model_version, stored.batch) == (body["label"], "1", SERVICE_BATCH)
    assert f"{sha256}.jpg" in archived(champion_home)

    # A second upload of the same content, under another name, is answered without OCR.
    second = upload(client, "renamed.jpg", data)
    assert second.status_code == 200
    assert second.json() == body
    assert ocr_runs(client) == runs + 1
    assert counts(champion_home) == after

    fetched = client.get(f"/v1/invoices/{sha256}", headers=AUTH)
    assert fetched.status_code == 200
    assert fetched.json() == body

    # It is the object `invoices predict` prints for the same file (only `file` is the path given there).
    monkeypatch.setenv("INVOICES_HOME", str(champion_home.home))
    for name in ("INVOICES_DATABASE_URL", "MLFLOW_TRACKING_URI", "INVOICES_INBOX"):
        monkeypatch.delenv(name, raising=False)
    capsys.readouterr()
    assert main(["predict", str(path), "--workers", "1"]) == 0
    (printed,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {**printed, "file": path.name} == body


def test_an_invoice_the_batch_path_already_predicted_is_answered_without_ocr(client, champion_home):
    inbox_file = next(p for p in sorted(Path(champion_home.inbox).rglob("inv-*")) if p.suffix == ".png")
    data = inbox_file.read_bytes()
    runs, before = ocr_runs(client), counts(champion_home)
    response = upload(client, inbox_file.name, data)
    assert response.status_code == 200, response.text
    assert response.json()["sha256"] == hashlib.sha256(data).hexdigest()
    assert response.json()["model_version"] == "1"
    assert ocr_runs(client) == runs
    assert counts(champion_home) == before


def test_an_invoice_the_batch_path_extracted_but_never_predicted_is_predicted_without_ocr(
    client, champion_home
):
    inbox_file = next(p for p in sorted(Path(champion_home.inbox).rglob("inv-*")) if p.suffix == ".pdf")
    sha256 = hashlib.sha256(inbox_file.read_bytes()).hexdigest()
    engine = build_resources(champion_home)["database"].engine
    with engine.begin() as conn:
        conn.execute(delete(invoice_predictions).where(invoice_predictions.c.sha256 == sha256))
    assert client.get(f"/v1/invoices/{sha256}", headers=AUTH).status_code == 404
    runs = ocr_runs(client)
    response = upload(client, inbox_file.name, inbox_file.read_bytes())
    assert response.status_code == 200, response.text
    assert ocr_runs(client) == runs
    with engine.connect() as conn:
        row = conn.execute(select(invoice_predictions).where(invoice_predictions.c.sha256 == sha256)).one()
    assert (row.label, row.model_version, row.batch) == (response.json()["label"], "1", SERVICE_BATCH)
    assert client.get(f"/v1/invoices/{sha256}", headers=AUTH).json() == response.json()


def test_simultaneous_uploads_of_the_same_new_content_run_ocr_once(client, champion_home, generated_invoices):
    path = next(p for p in generated_invoices.files if p.suffix == ".tif")
    data = path.read_bytes()
    runs, before = ocr_runs(client), counts(champion_home)
    with ThreadPoolExecutor(2) as pool:  # the test client serves both on one event loop, concurrently
        responses = list(pool.map(lambda name: upload(client, name, data), ["first.tif", "second.tif"]))
    assert [r.status_code for r in responses] == [200, 200]
    assert responses[0].json() == responses[1].json()
    assert ocr_runs(client) == runs + 1
    assert counts(champion_home)["invoice_predictions"] == before["invoice_predictions"] + 1


def test_an_unknown_sha256_is_404(client):
    response = client.get(f"/v1/invoices/{'0' * 64}", headers=AUTH)
    assert response.status_code == 404
    assert "0" * 64 in response.json()["error"]


@pytest.mark.parametrize("headers", [None, {"X-API-Key": "not-the-key"}], ids=["missing", "wrong"])
def test_a_missing_or_wrong_key_is_401_and_health_needs_none(client, generated_invoices, headers):
    data = generated_invoices.files[0].read_bytes()
    response = upload(client, "a.pdf", data, headers=headers)
    assert response.status_code == 401
    assert "key" in response.json()["error"].lower()
    assert client.get(f"/v1/invoices/{hashlib.sha256(data).hexdigest()}", headers=headers).status_code == 401
    health = client.get("/health", headers=headers)
    assert health.status_code == 200
    assert health.json()["model_version"] == "1"


def _multipart(size: int) -> tuple[bytes, dict[str, str]]:
    boundary = "invoice-boundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.png"\r\n'
        "Content-Type: image/png\r\n\r\n"
    ).encode()
    body = head + png_bytes()[:16] + b"\0" * (size - 16) + f"\r\n--{boundary}--\r\n".encode()
    return body, {**AUTH, "Content-Type": f"multipart/form-data; boundary={boundary}"}


@pytest.mark.parametrize(
    ("size", "streamed"),
    [(LIMIT + 1, False), (LIMIT + 2 * MULTIPART_OVERHEAD, False), (LIMIT + 2 * MULTIPART_OVERHEAD, True)],
    ids=["file-just-over", "declared-length-over", "chunked-body-over"],
)
def test_an_oversized_upload_is_413_and_leaves_nothing_behind(client, champion_home, size, streamed):
    before, files = counts(champion_home), archived(champion_home)
    body, headers = _multipart(size)
    if streamed:  # no Content-Length: the limit must hold while the body streams in
        chunks = [body[i : i + 65536] for i in range(0, len(body), 65536)]
        response = client.post("/v1/invoices:classify", content=iter(chunks), headers=headers)
    else:
        response = client.post("/v1/invoices:classify", content=body, headers=headers)
    assert response.status_code == 413
    assert f"{LIMIT:,} bytes" in response.json()["error"]
    assert counts(champion_home) == before
    assert archived(champion_home) == files


@pytest.mark.parametrize(
    ("name", "data", "status", "words"),
    [
        ("notes.png", b"plain text wearing an image name\n" * 40, 415, "text"),
        ("archive.pdf", b"PK\x03\x04" + b"\0" * 400, 415, "unrecognised"),
        ("truncated.png", png_bytes()[:300], 422, "truncated"),
        ("bomb.png", bomb_png(), 422, "pixel"),
        ("empty.pdf", b"", 422, "empty"),
    ],
    ids=["text", "zip", "truncated-png", "bomb", "empty"],
)
def test_unsupported_and_unreadable_files_are_refused_with_the_reason(
    client, champion_home, name, data, status, words
):
    before, files, runs = counts(champion_home), archived(champion_home), ocr_runs(client)
    response = upload(client, name, data)
    assert response.status_code == status, response.text
    assert response.json()["file"] == name
    assert words in response.json()["error"].lower()
    assert counts(champion_home) == before
    assert archived(champion_home) == files
    assert ocr_runs(client) == runs


def test_the_openapi_docs_describe_the_upload(client):
    assert client.get("/docs").status_code == 200
    operation = client.get("/openapi.json").json()["paths"]["/v1/invoices:classify"]["post"]
    schema = operation["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert schema["properties"]["file"]["format"] == "binary"
    assert {"200", "401", "413", "415", "422", "503"} <= set(operation["responses"])


def test_health_is_503_without_a_champion_and_uploads_are_refused(platform, generated_invoices):
    settings = ServiceSettings(api_key=KEY, ocr_workers=1)
    with TestClient(create_app(platform, settings)) as fresh:
        health = fresh.get("/health")
        assert health.status_code == 503
        assert health.json()["model_version"] is None
        assert health.json()["database"] == "ok"
        assert any("champion" in problem for problem in health.json()["problems"])
        response = upload(fresh, "a.jpg", generated_invoices.files[1].read_bytes())
        assert response.status_code == 503
        assert "invoices train" in response.json()["error"]
        # Liveness stays 200, so ECS does not replace tasks of a deployment that has no model yet.
        assert fresh.get("/live").status_code == 200
    assert counts(platform) == dict.fromkeys((t.name for t in TABLES), 0)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_health_is_503_when_the_database_does_not_answer(champion_home):
    down = replace(
        champion_home, database_url=f"mysql+pymysql://invoices@127.0.0.1:{_closed_port()}/invoices"
    )
    settings = ServiceSettings(api_key=KEY, ocr_workers=1)
    with TestClient(create_app(down, settings)) as degraded:
        health = degraded.get("/health")
        assert health.status_code == 503
        assert health.json()["model_version"] == "1", "the model loaded; only the database fails"
        assert "does not answer" in health.json()["database"]
        lookup = degraded.get(f"/v1/invoices/{'0' * 64}", headers=AUTH)
        assert lookup.status_code == 503
        assert "database" in lookup.json()["error"]


def test_the_service_refuses_to_start_without_an_api_key(monkeypatch, capsys):
    with pytest.raises(ServiceConfigError, match="INVOICES_API_KEY"):
        load_service_settings({})
    with pytest.raises(ServiceConfigError, match="INVOICES_MAX_UPLOAD_BYTES"):
        load_service_settings({"INVOICES_API_KEY": "k", "INVOICES_MAX_UPLOAD_BYTES": "20MB"})
    settings = load_service_settings({"INVOICES_API_KEY": " s3cr3t-value ", "INVOICES_OCR_WORKERS": "3"})
    assert (settings.api_key, settings.max_upload_bytes, settings.ocr_workers) == (
        "s3cr3t-value",
        20 * 1024 * 1024,
        3,
    )
    assert "s3cr3t" not in repr(settings), "the key never reaches logs through a repr"
    monkeypatch.delenv("INVOICES_API_KEY", raising=False)
    assert main(["serve", "--port", "0"]) == 2
    assert "INVOICES_API_KEY is not set" in capsys.readouterr().err


def test_the_service_serves_the_champion_without_the_training_libraries(champion_home):
    """The user-code image has no TensorFlow, pandas or full MLflow: the app must start, load the
    champion (through LiteRT) and report healthy under the import guard of test_usercode_imports."""
    from tests.support.user_code_guard import run_guarded

    done = run_guarded(
        f"""
        from fastapi.testclient import TestClient

        from invoice_assets.service.app import create_app
        from invoice_assets.service.settings import ServiceSettings
        from invoice_assets.settings import load_settings

        settings = load_settings({{"INVOICES_HOME": {str(champion_home.home)!r}}})
        with TestClient(create_app(settings, ServiceSettings(api_key="k", ocr_workers=1))) as client:
            health = client.get("/health")
            loaded = client.app.state.classifier.champion.current().classifier
            print(health.status_code, health.json()["model_version"], type(loaded).__name__)
        """
    )
    assert done.returncode == 0, done.stderr[-4000:]
    assert done.stdout.split()[-3:] == ["200", "1", "LiteRtClassifier"]


def test_the_service_names_suppliers_from_the_register_like_the_batch_path(
    champion_home, generated_invoices, tmp_path
):
    from invoice_assets.synth import read_ground_truth
    from invoice_assets.synth.catalog import SUPPLIERS

    first = read_ground_truth(generated_invoices.ground_truth_csv)[0]
    tax_id = next(s.tax_id for s in SUPPLIERS if s.name == first["supplier"])
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "vendors.csv").write_text(f"tax_id,name\n{tax_id},Registered Workshop S.L.\n", encoding="utf-8")
    platform = replace(champion_home, inbox=str(inbox), database_url=f"sqlite:///{tmp_path / 'fresh.db'}")
    with TestClient(create_app(platform, ServiceSettings(api_key=KEY, ocr_workers=1))) as fresh:
        response = upload(fresh, first["file"], (generated_invoices.folder / first["file"]).read_bytes())
    assert response.status_code == 200
    assert response.json()["supplier"] == "Registered Workshop S.L."
