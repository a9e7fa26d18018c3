"""Container health check shared by the three images (Docker HEALTHCHECK and the ECS task definitions'
`healthCheck` run `python /opt/dagster/healthcheck.py`).

One image serves several roles (the user-code image is the gRPC code server, the online API or a run
task; the dagster image is the webserver or the daemon), so the check probes whatever the container's
main process (PID 1) is: the gRPC server's health RPC, an HTTP endpoint, or the daemon's heartbeats.
A container running anything else (a run task) is healthy when the modules given with `--import` import.
Standard library only: the dagster image has none of the project's packages.

    python healthcheck.py [--import MODULE]...     exit 0 healthy, 1 unhealthy (reason on stderr)
"""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path

TIMEOUT_SECONDS = 8


@dataclass(frozen=True)
class Probe:
    """How to check one kind of server: a command to run or a URL that must answer 200."""

    name: str
    command: tuple[str, ...] = ()
    url: str | None = None


def option_value(argv: list[str], *names: str) -> str | None:
    """The value of `--port 4000`, `-p 4000` or `--port=4000` in a command line."""
    for index, arg in enumerate(argv):
        for name in names:
            if arg == name and index + 1 < len(argv):
                return argv[index + 1]
            if arg.startswith(f"{name}="):
                return arg.split("=", 1)[1]
    return None


def probe_for(argv: list[str]) -> Probe | None:
    """The probe for a main process started as `argv`, or None when it is not a long-running server."""
    words = [Path(arg).name for arg in argv]
    port = option_value(argv, "--port", "-p")
    if "dagster" in words and "api" in words and "grpc" in words:
        return Probe("code server", command=("dagster", "api", "grpc-health-check", "-p", port or "4000"))
    if "dagster-webserver" in words:
        return Probe("webserver", url=f"http://127.0.0.1:{port or '3000'}/server_info")
    if "dagster-daemon" in words and "run" in words:
        return Probe("daemon", command=("dagster-daemon", "liveness-check"))
    if ("invoices" in words and "serve" in words) or "uvicorn" in words:
        return Probe("online API", url=f"http://127.0.0.1:{port or '8000'}/live")
    if "mlflow" in words and "server" in words:
        return Probe("MLflow server", url=f"http://127.0.0.1:{port or '5000'}/health")
    return None


def run_probe(probe: Probe) -> str | None:
    """None when the server answered, else why it did not."""
    if probe.url is not None:
        # Straight to the local port, even when the task sets HTTP(S)_PROXY for its outbound traffic.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(probe.url, timeout=TIMEOUT_SECONDS) as response:
                return None if response.status == 200 else f"{probe.url} answered {response.status}"
        except OSError as error:
            return f"{probe.url}: {error}"
    try:
        completed = subprocess.run(probe.command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"{' '.join(probe.command)}: {error}"
    if completed.returncode != 0:
        output = (completed.stderr.strip() or completed.stdout.strip())[-500:]
        return f"{' '.join(probe.command)} exited {completed.returncode}: {output}"
    return None


def main_process_argv() -> list[str]:
    """PID 1's command line (the image's CMD or the ECS command override)."""
    raw = Path("/proc/1/cmdline").read_bytes()
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def check(argv: list[str], modules: list[str]) -> str | None:
    """None when healthy, else the reason."""
    probe = probe_for(argv)
    if probe is not None:
        reason = run_probe(probe)
        return None if reason is None else f"{probe.name} unhealthy: {reason}"
    for module in modules:
        try:
            importlib.import_module(module)
        except Exception as error:
            return f"cannot import {module}: {error!r}"
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--import", dest="modules", action="append", default=[], metavar="MODULE")
    args = parser.parse_args()
    reason = check(main_process_argv(), args.modules)
    if reason is not None:
        print(reason, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
