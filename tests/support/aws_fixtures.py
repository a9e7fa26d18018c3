"""A real moto server over HTTP for the S3 and ECS tests: boto3 reaches it through `AWS_ENDPOINT_URL`,
exactly as production code reaches AWS, so nothing in the code under test knows it is being tested."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

REGION = "eu-west-1"


@dataclass(frozen=True)
class MotoServer:
    endpoint_url: str
    region: str = REGION

    def reset(self) -> None:
        """Forget every bucket, cluster and task (moto's own reset endpoint)."""
        import urllib.request

        request = urllib.request.Request(f"{self.endpoint_url}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request, timeout=10):
            pass


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoServer]:
    """One moto server on a free loopback port for the whole session."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield MotoServer(endpoint_url=f"http://{host}:{port}")
    finally:
        server.stop()


@pytest.fixture
def aws(moto_server: MotoServer, monkeypatch: pytest.MonkeyPatch) -> MotoServer:
    """An empty AWS account behind moto for one test, with boto3 pointed at it by environment only."""
    moto_server.reset()
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server.endpoint_url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", moto_server.region)
    monkeypatch.setenv("AWS_REGION", moto_server.region)
    for variable in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(variable, raising=False)
    return moto_server
