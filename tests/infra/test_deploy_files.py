"""The deployment files, read as data (there is no Docker daemon here): the three Dockerfiles, the
.dockerignore, the ECS dagster.yaml and workspace.yaml, and the container health check.

Commands baked into the images are parsed by the real Dagster CLIs, and the user-code image's package set
is resolved from uv.lock, so a wrong flag or a TensorFlow dependency sneaking into the base set fails here.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shlex
import subprocess
import sys
import threading
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import click
import pytest
import yaml

from invoice_assets.ocr.engine import libtesseract_version
from tests.support.machine import skip_or_fail
from tests.support.paths import ROOT

DEPLOY = ROOT / "deploy"
IMAGES = {
    "usercode": "Dockerfile.usercode",
    "dagster": "Dockerfile.dagster",
    "training": "Dockerfile.training",
}
EXPOSED_PORTS = {"usercode": {4000, 8000}, "dagster": {3000}, "training": {5000}}
OCR_IMAGES = ("usercode", "training")
TESSERACT_LANGUAGE_PACKAGES = {"tesseract-ocr-spa", "tesseract-ocr-eng"}
DEBIAN_TESSDATA = "/usr/share/tesseract-ocr/5/tessdata"
TENSORFLOW_PACKAGES = {"tensorflow", "tensorflow-cpu", "keras", "tf-keras", "mlflow"}
DAEMON_COMMAND = ["dagster-daemon", "run", "-w", "/opt/dagster/app/workspace.yaml"]
API_COMMAND = ["invoices", "serve", "--host", "0.0.0.0", "--port", "8000"]


# --- a small Dockerfile reader -------------------------------------------------------------------


@dataclass(frozen=True)
class Instruction:
    keyword: str
    args: str

    def exec_form(self) -> list[str]:
        """The arguments of CMD/HEALTHCHECK CMD as a list (JSON form, else shell words)."""
        text = self.args.split("CMD", 1)[1].strip() if self.keyword == "HEALTHCHECK" else self.args
        return json.loads(text) if text.startswith("[") else shlex.split(text)


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[Instruction]:
        return [instruction for instruction in self.instructions if instruction.keyword == keyword]

    def last(self, keyword: str) -> Instruction | None:
        found = self.all(keyword)
        return found[-1] if found else None

    def text(self) -> str:
        return "\n".join(f"{i.keyword} {i.args}" for i in self.instructions)


def read_dockerfile(path: Path) -> list[Stage]:
    """Stages with their instructions: comments dropped, continuation lines joined, global ARG defaults
    substituted into FROM."""
    logical, current = [], ""
    for line in path.read_text().splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        logical.append(current + stripped)
        current = ""
    assert not current, f"{path}: a continuation line never ends"

    global_args: dict[str, str] = {}
    stages: list[Stage] = []
    for line in logical:
        keyword, _, args = line.partition(" ")
        keyword, args = keyword.upper(), args.strip()
        if keyword == "FROM":
            words = re.sub(r"\$\{(\w+)\}", lambda m: global_args.get(m.group(1), m.group(0)), args).split()
            words = [word for word in words if not word.startswith("--platform")]
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
            stages.append(Stage(base=words[0], name=name))
        elif not stages:
            assert keyword == "ARG", f"{path}: {keyword} before the first FROM"
            arg_name, _, default = args.partition("=")
            global_args[arg_name] = default
        else:
            stages[-1].instructions.append(Instruction(keyword, args))
    return stages


def copies(stage: Stage) -> Iterator[tuple[str | None, list[str], str]]:
    """(--from stage or None, sources, destination) of every COPY/ADD."""
    for instruction in stage.all("COPY") + stage.all("ADD"):
        words = shlex.split(instruction.args)
        flags = {w.split("=", 1)[0]: w.partition("=")[2] for w in words if w.startswith("--")}
        paths = [w for w in words if not w.startswith("--")]
        yield flags.get("--from"), paths[:-1], paths[-1]


def image_paths(stages: list[Stage]) -> dict[str, Path]:
    """Paths inside the final image that were copied from the repository, mapped to the repository file."""
    return {
        destination: ROOT / sources[0]
        for source_stage, sources, destination in copies(stages[-1])
        if source_stage is None and len(sources) == 1
    }


def stages_of(image: str) -> list[Stage]:
    return read_dockerfile(DEPLOY / IMAGES[image])


def run_commands(stages: list[Stage]) -> list[str]:
    return [instruction.args for stage in stages for instruction in stage.all("RUN")]


# --- .dockerignore, with Docker's matching rules (last match wins, a match on a parent counts) -----


def dockerignore_patterns() -> list[tuple[bool, re.Pattern[str]]]:
    patterns = []
    for line in (ROOT / ".dockerignore").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        glob = line.lstrip("!").strip("/")
        regex = ""
        index = 0
        while index < len(glob):
            if glob.startswith("**/", index):
                regex, index = regex + "(?:.*/)?", index + 3
            elif glob.startswith("**", index):
                regex, index = regex + ".*", index + 2
            elif glob[index] == "*":
                regex, index = regex + "[^/]*", index + 1
            elif glob[index] == "?":
                regex, index = regex + "[^/]", index + 1
            elif glob[index] == "[":
                end = glob.index("]", index)
                regex, index = regex + glob[index : end + 1], end + 1
            else:
                regex, index = regex + re.escape(glob[index]), index + 1
        patterns.append((negated, re.compile(regex + r"\Z")))
    return patterns


def in_build_context(relative: str) -> bool:
    parts = relative.strip("/").split("/")
    candidates = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    included = True
    for negated, pattern in dockerignore_patterns():
        if any(pattern.match(candidate) for candidate in candidates):
            included = negated
    return included


# --- the user-code image's package set, resolved from uv.lock ----------------------------------------


def locked_closure(extras: set[str]) -> set[str]:
    """Every package uv.lock installs for the project with `extras` (markers ignored: a superset)."""
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    packages = {package["name"]: package for package in lock["package"]}
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["name"]
    todo = [(project, frozenset(extras))]
    seen: set[tuple[str, frozenset[str]]] = set()
    while todo:
        name, wanted = todo.pop()
        if (name, wanted) in seen:
            continue
        seen.add((name, wanted))
        package = packages[name]
        dependencies = list(package.get("dependencies", []))
        for extra in wanted:
            dependencies += package.get("optional-dependencies", {}).get(extra, [])
        todo += [(d["name"], frozenset(d.get("extra", []))) for d in dependencies]
    return {name for name, _ in seen} - {project}


def extras_installed(commands: list[str]) -> set[str]:
    words = [word for command in commands for word in shlex.split(command)]
    assert "--all-extras" not in words
    return {words[i + 1] for i, word in enumerate(words) if word == "--extra"} | {
        word.split("=", 1)[1] for word in words if word.startswith("--extra=")
    }


# --- the real command-line parsers --------------------------------------------------------------------


def parse_cli(argv: list[str], paths: dict[str, Path] | None = None) -> dict:
    """Parse `argv` with the Dagster CLI it invokes (UsageError on a flag it does not have); image paths
    are first mapped to the repository files copied there."""
    from dagster._cli import cli as dagster_cli
    from dagster._daemon.cli import cli as daemon_cli
    from dagster_webserver.cli import cli as webserver_cli

    clis = {"dagster": dagster_cli, "dagster-daemon": daemon_cli, "dagster-webserver": webserver_cli}
    argv = [str((paths or {}).get(arg, arg)) for arg in argv]
    command: click.Command = clis[argv[0]]
    name, args = argv[0], argv[1:]
    while isinstance(command, click.Group):
        name, args = args[0], args[1:]
        subcommand = command.get_command(click.Context(command), name)
        assert subcommand is not None, f"{argv}: no command {name}"
        command = subcommand
    return command.make_context(name, args).params


# --- Dockerfiles ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("image", IMAGES)
def test_images_are_multi_stage_from_slim_bookworm_with_a_uv_lock_builder(image):
    stages = stages_of(image)
    named = [stage for stage in stages if stage.name]
    assert len(named) >= 2 and len(stages) >= 2
    assert stages[-1].base == "python:3.11-slim-bookworm"
    builder_text = "\n".join(stage.text() for stage in stages[:-1])
    assert "uv.lock" in builder_text and "--frozen" in builder_text
    assert any(source_stage in {s.name for s in stages[:-1]} for source_stage, _, _ in copies(stages[-1]))


@pytest.mark.parametrize("image", IMAGES)
def test_final_stage_runs_as_a_numeric_non_root_user(image):
    user = stages_of(image)[-1].last("USER")
    assert user is not None
    uid, _, gid = user.args.partition(":")
    assert uid.isdigit() and int(uid) != 0
    assert not gid or (gid.isdigit() and int(gid) != 0)


@pytest.mark.parametrize("image", IMAGES)
def test_every_copy_source_is_in_the_build_context_or_a_previous_stage(image):
    stages = stages_of(image)
    for index, stage in enumerate(stages):
        for source_stage, sources, _ in copies(stage):
            assert sources, f"{image}: COPY without a source"
            if source_stage is not None:
                earlier = {s.name: s for s in stages[:index] if s.name}
                assert source_stage in earlier, f"{image}: COPY --from={source_stage} is no previous stage"
                for source in sources:
                    assert source in earlier[source_stage].text(), f"{source} is not made in {source_stage}"
                continue
            for source in sources:
                assert (ROOT / source).exists(), f"{image}: COPY {source}: not in the repository"
                assert in_build_context(source), f"{image}: COPY {source}: excluded by .dockerignore"


@pytest.mark.parametrize("image", IMAGES)
def test_healthcheck_runs_the_shared_probe_copied_into_the_image(image):
    stages = stages_of(image)
    healthcheck = stages[-1].last("HEALTHCHECK")
    assert healthcheck is not None and "CMD" in healthcheck.args
    command = healthcheck.exec_form()
    assert command[0] == "python" and command[1] in image_paths(stages)
    assert image_paths(stages)[command[1]] == DEPLOY / "healthcheck.py"


@pytest.mark.parametrize("image", IMAGES)
def test_exposed_ports_match_the_service_names(image):
    exposed = {int(port.split("/")[0]) for i in stages_of(image)[-1].all("EXPOSE") for port in i.args.split()}
    assert exposed == EXPOSED_PORTS[image]


@pytest.mark.parametrize("image", OCR_IMAGES)
def test_ocr_images_compile_tesserocr_against_the_libtesseract_they_run(image):
    """The builder compiles tesserocr against Debian's libtesseract-dev; the runtime installs the same
    Debian libtesseract5 and the language data, whose folder TESSDATA_PREFIX names, and not the tesseract
    command (OCR no longer starts it)."""
    stages = stages_of(image)
    builder_apt = " ".join(c for c in run_commands(stages[:-1]) if "apt-get install" in c)
    assert {"libtesseract-dev", "libleptonica-dev", "g++", "pkg-config"} <= set(shlex.split(builder_apt))
    (apt,) = [command for command in run_commands(stages[-1:]) if "apt-get install" in command]
    words = set(shlex.split(apt))
    assert words >= {"libtesseract5", *TESSERACT_LANGUAGE_PACKAGES}
    assert not {"tesseract-ocr", "libtesseract-dev"} & words
    assert "--no-install-recommends" in words
    assert "rm -rf /var/lib/apt/lists/*" in apt
    env = " ".join(instruction.args for instruction in stages[-1].all("ENV"))
    assert f"TESSDATA_PREFIX={DEBIAN_TESSDATA}" in env
    commands = [command for command in run_commands(stages) if "uv sync" in command]
    assert "tesserocr" in locked_closure(extras_installed(commands))
    assert (
        "tesserocr" in tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["uv"]["no-binary-package"]
    )


def test_the_engine_here_is_debians_libtesseract_from_the_images_distribution():
    """The tests run the library the images install: Debian's libtesseract5 of the images' release,
    with the language data where TESSDATA_PREFIX points."""
    installed = subprocess.run(
        ["dpkg-query", "-W", "-f=${Version}", "libtesseract5"], capture_output=True, text=True
    )
    listing = subprocess.run(["dpkg", "-L", "tesseract-ocr-spa"], capture_output=True, text=True)
    if installed.returncode != 0 or listing.returncode != 0:
        skip_or_fail(
            "libtesseract5 or tesseract-ocr-spa is not installed from Debian: run `bash scripts/setup.sh`"
        )
    assert installed.stdout.startswith(libtesseract_version() + "-")
    assert f"{DEBIAN_TESSDATA}/spa.traineddata" in listing.stdout.split()
    codename = dict(
        line.split("=", 1) for line in Path("/etc/os-release").read_text().splitlines() if "=" in line
    ).get("VERSION_CODENAME")
    for image in OCR_IMAGES:
        assert (DEPLOY / f"Dockerfile.{image}").read_text().count(f"-slim-{codename}") >= 1, image


def test_usercode_image_installs_the_base_set_without_tensorflow():
    commands = [command for command in run_commands(stages_of("usercode")) if "uv sync" in command]
    assert commands and all("--no-dev" in command and "--frozen" in command for command in commands)
    extras = extras_installed(commands)
    assert "training" not in extras
    assert not re.search(r"tensorflow|keras", "\n".join(run_commands(stages_of("usercode"))), re.IGNORECASE)
    assert not TENSORFLOW_PACKAGES & locked_closure(extras)
    assert {"dagster", "dagster-aws", "ai-edge-litert", "fastapi", "uvicorn"} <= locked_closure(extras)


def test_training_image_adds_the_training_extra():
    commands = [command for command in run_commands(stages_of("training")) if "uv sync" in command]
    extras = extras_installed(commands)
    assert "training" in extras
    assert {"tensorflow-cpu", "keras", "mlflow"} <= locked_closure(extras)


def test_usercode_image_serves_the_code_location_over_grpc_on_4000():
    stages = stages_of("usercode")
    command = stages[-1].last("CMD").exec_form()
    assert command[:3] == ["dagster", "api", "grpc"]
    options = parse_cli(command)
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["dagster"]
    assert options["port"] == 4000 and options["host"] == "0.0.0.0"
    assert options["module_name"] == pyproject["module_name"]
    assert options["location_name"] == pyproject["code_location_name"]


def test_dagster_image_runs_the_webserver_and_daemon_against_the_ecs_workspace():
    stages = stages_of("dagster")
    paths = image_paths(stages)
    assert paths["/opt/dagster/home/dagster.yaml"] == DEPLOY / "dagster.yaml"
    assert paths["/opt/dagster/app/workspace.yaml"] == DEPLOY / "workspace.yaml"
    webserver = parse_cli(stages[-1].last("CMD").exec_form(), paths)
    assert webserver["port"] == 3000 and webserver["host"] == "0.0.0.0"
    assert webserver["workspace"] == (str(DEPLOY / "workspace.yaml"),)
    assert parse_cli(DAEMON_COMMAND, paths)["workspace"] == (str(DEPLOY / "workspace.yaml"),)
    assert " ".join(DAEMON_COMMAND) in (DEPLOY / "README.md").read_text()

    (install,) = [command for command in run_commands(stages) if "uv pip install" in command]
    assert "uv export --frozen" in install and "--constraint" in install
    assert {"dagster", "dagster-webserver", "dagster-aws", "dagster-mysql"} <= set(shlex.split(install))


@pytest.mark.parametrize("image", IMAGES)
def test_every_image_carries_the_instance_config_as_dagster_home(image):
    stages = stages_of(image)
    env = " ".join(instruction.args for instruction in stages[-1].all("ENV"))
    assert "DAGSTER_HOME=/opt/dagster/home" in env
    assert image_paths(stages)["/opt/dagster/home/dagster.yaml"] == DEPLOY / "dagster.yaml"


# --- .dockerignore -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        ".venv/bin/python",
        ".git/HEAD",
        ".invoices/invoices.db",
        "benchmarks/out/report.json",
        ".env",
        "tests/fixtures/invoice2data/a.pdf",
        "invoice_assets/__pycache__/cli.cpython-311.pyc",
        "mlruns/0/meta.yaml",
        "invoice_assets/local.db",
    ],
)
def test_dockerignore_keeps_local_state_out_of_the_build_context(path):
    assert not in_build_context(path)


# --- deploy/dagster.yaml and workspace.yaml -------------------------------------------------------------


def instance_yaml() -> dict:
    return yaml.safe_load((DEPLOY / "dagster.yaml").read_text())


def test_instance_config_launches_on_ecs_with_mysql_s3_logs_and_monitoring():
    config = instance_yaml()
    launcher = config["run_launcher"]
    assert (launcher["module"], launcher["class"]) == ("dagster_aws.ecs", "EcsRunLauncher")
    assert launcher["config"]["task_definition"] == {"env": "DAGSTER_RUN_TASK_DEFINITION"}
    assert launcher["config"]["container_name"] == "run"
    assert launcher["config"]["use_current_ecs_task_config"] is True
    assert launcher["config"]["include_sidecars"] is False

    mysql = config["storage"]["mysql"]["mysql_db"]
    assert {key: mysql[key] for key in ("hostname", "db_name", "username", "password")} == {
        "hostname": {"env": "DAGSTER_MYSQL_HOSTNAME"},
        "db_name": {"env": "DAGSTER_MYSQL_DB"},
        "username": {"env": "DAGSTER_MYSQL_USERNAME"},
        "password": {"env": "DAGSTER_MYSQL_PASSWORD"},
    }
    logs = config["compute_logs"]
    assert logs["class"] == "S3ComputeLogManager" and logs["module"] == "dagster_aws.s3.compute_log_manager"
    assert logs["config"]["bucket"] == {"env": "DAGSTER_COMPUTE_LOGS_BUCKET"}
    assert logs["config"]["prefix"] == {"env": "DAGSTER_COMPUTE_LOGS_PREFIX"}

    assert config["run_monitoring"]["enabled"] is True
    assert config["run_monitoring"]["start_timeout_seconds"] > 0
    assert config["run_monitoring"]["max_resume_run_attempts"] >= 1
    assert config["run_coordinator"]["class"] == "QueuedRunCoordinator"
    assert config["run_coordinator"]["config"]["max_concurrent_runs"] > 0
    assert config["telemetry"]["enabled"] is False


SECRET_KEY = re.compile(r"password|secret(?!s_tag)|token|access_key|credential", re.IGNORECASE)


def from_env(value) -> bool:
    return isinstance(value, dict) and set(value) == {"env"}


def secret_looking_values(node, path="") -> Iterator[str]:
    """Paths of values under a secret-sounding key that are literals instead of `{env: ...}`."""
    if isinstance(node, dict):
        if from_env(node):
            return
        for key, value in node.items():
            child = f"{path}.{key}"
            if SECRET_KEY.search(str(key)) and value is not None and not from_env(value):
                yield child
            yield from secret_looking_values(value, child)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from secret_looking_values(value, f"{path}[{index}]")


def test_instance_config_holds_no_secret_and_no_deployment_value():
    config = instance_yaml()
    assert list(secret_looking_values(config)) == []
    text = (DEPLOY / "dagster.yaml").read_text()
    assert not re.search(r"arn:aws|\.rds\.amazonaws\.com|subnet-|sg-[0-9a-f]|mysql(\+\w+)?://", text)


def test_secret_scan_catches_a_literal_password():
    config = instance_yaml()
    config["storage"]["mysql"]["mysql_db"]["password"] = "hunter2"
    assert list(secret_looking_values(config)) == [".storage.mysql.mysql_db.password"]


def test_run_commands_carry_secret_names_only_and_fit_ecs_overrides(tmp_path, monkeypatch):
    """Every launched task's command holds the serialized instance ref of this config: it must name the
    password's variable, never its value, and leave room in the 8,192-character override limit."""
    from dagster._core.instance.ref import InstanceRef
    from dagster._serdes import serialize_value

    monkeypatch.setenv("DAGSTER_MYSQL_PASSWORD", "value-injected-from-secrets-manager")
    (tmp_path / "dagster.yaml").write_text((DEPLOY / "dagster.yaml").read_text())
    ref = serialize_value(InstanceRef.from_dir(str(tmp_path)))
    assert "value-injected-from-secrets-manager" not in ref
    assert "DAGSTER_MYSQL_PASSWORD" in ref
    assert len(ref) < 8192 // 2


def test_workspace_points_at_the_usercode_grpc_service():
    from dagster._core.workspace.config_schema import ensure_workspace_config

    workspace = yaml.safe_load((DEPLOY / "workspace.yaml").read_text())
    ensure_workspace_config(workspace, str(DEPLOY / "workspace.yaml"))
    (location,) = workspace["load_from"]
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["dagster"]
    assert location["grpc_server"] == {
        "host": "usercode.invoices.internal",
        "port": 4000,
        "location_name": pyproject["code_location_name"],
    }


# --- the health check ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def healthcheck():
    spec = importlib.util.spec_from_file_location("invoices_healthcheck", DEPLOY / "healthcheck.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve annotations through sys.modules
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules[spec.name]


def test_healthcheck_probes_what_each_image_runs(healthcheck):
    usercode = healthcheck.probe_for(stages_of("usercode")[-1].last("CMD").exec_form())
    assert usercode.command == ("dagster", "api", "grpc-health-check", "-p", "4000")
    parse_cli(list(usercode.command))
    webserver = healthcheck.probe_for(stages_of("dagster")[-1].last("CMD").exec_form())
    assert webserver.url == "http://127.0.0.1:3000/server_info"
    daemon = healthcheck.probe_for(DAEMON_COMMAND)
    assert daemon.command == ("dagster-daemon", "liveness-check")
    parse_cli(list(daemon.command))
    assert healthcheck.probe_for(API_COMMAND).url == "http://127.0.0.1:8000/live"
    assert healthcheck.probe_for(["/opt/venv/bin/mlflow", "server", "--port=5000"]).url.endswith(
        ":5000/health"
    )
    assert healthcheck.probe_for(["dagster", "api", "execute_run", "{}"]) is None


@pytest.fixture
def http_server() -> Iterator[tuple[str, dict]]:
    """A real HTTP server on a free port whose /health and /live status the test sets."""
    state = {"status": 200}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(state["status"] if self.path in ("/health", "/live") else 404)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield str(server.server_address[1]), state
    finally:
        server.shutdown()
        server.server_close()


def test_healthcheck_reports_an_http_server_by_its_answer(healthcheck, http_server):
    port, state = http_server
    argv = ["invoices", "serve", "--port", port]
    assert healthcheck.check(argv, []) is None
    state["status"] = 503
    assert "503" in healthcheck.check(argv, [])


def test_healthcheck_of_a_run_task_imports_the_image_modules(healthcheck):
    run_task = ["dagster", "api", "execute_run", "{}"]
    assert healthcheck.check(run_task, ["json", "invoice_assets.defs.jobs"]) is None
    assert "no_such_module_in_image" in healthcheck.check(run_task, ["no_such_module_in_image"])
