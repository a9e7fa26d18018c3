"""Build the Pulumi program under Pulumi's mocks and record every resource it declares.

`built_stack("dev")` reads `pulumi/Pulumi.dev.yaml` (so the tests check the committed stack settings),
adds the account-specific values an operator sets with `pulumi config set`, installs the mocks BEFORE
the program is imported, runs it inside `pulumi.runtime.test` (which waits for every registration) and
returns the recorded resources with their resolved inputs. Each stack is built once per test session.
No network is involved: the mocks answer every resource and invoke.
"""

from __future__ import annotations

import asyncio
import functools
import importlib
import json
import sys
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pytest
import yaml

from tests.support.paths import ROOT

PROGRAM = ROOT / "pulumi"
ACCOUNT = "123456789012"
REGION = "eu-west-1"
ZONES = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
# What an operator sets per checkout (docs/deployment.md); the api key is a config secret there too.
OPERATOR_CONFIG = {
    "invoices:domainName": "invoices.test.example",
    "invoices:hostedZoneId": "Z0TESTZONE",
    "invoices:authDomainPrefix": "textile-invoices-test",
    "invoices:imageTag": "0123abc",
    "invoices:apiKey": "test-api-key-from-config",
    "invoices:alarmEmail": "oncall@test.example",
}


@dataclass
class Recorded:
    type: str
    name: str
    inputs: dict[str, Any]
    state: dict[str, Any]


@dataclass
class Recorder(pulumi.runtime.Mocks):
    """Mocks that remember every resource and fill in the outputs AWS would compute."""

    stack: str = ""
    resources: list[Recorded] = field(default_factory=list)
    exports: dict[str, Any] = field(default_factory=dict)

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        state = dict(args.inputs)
        state.update(computed_outputs(args.typ, args.name, args.inputs))
        self.resources.append(Recorded(args.typ, args.name, dict(args.inputs), state))
        return [state["id"], state]

    def call(self, args: pulumi.runtime.MockCallArgs):
        if args.token == "aws:index/getAvailabilityZones:getAvailabilityZones":
            return {"names": ZONES, "zoneIds": ["euw1-az1", "euw1-az2", "euw1-az3"], "id": REGION}
        raise AssertionError(f"unexpected invoke {args.token}: the program should need no other lookups")

    # Queries used by the tests.
    def of_type(self, type_token: str) -> list[Recorded]:
        return [r for r in self.resources if r.type == type_token]

    def one(self, type_token: str, name_contains: str = "") -> Recorded:
        found = [r for r in self.of_type(type_token) if name_contains in r.name]
        assert len(found) == 1, (
            f"expected one {type_token} named *{name_contains}*, found {[r.name for r in found]}"
        )
        return found[0]

    def by_id(self, resource_id: str) -> Recorded:
        found = [r for r in self.resources if r.state["id"] == resource_id]
        assert len(found) == 1, f"no resource with id {resource_id}"
        return found[0]

    def by_arn(self, arn: str) -> Recorded:
        found = [r for r in self.resources if r.state.get("arn") == arn]
        assert len(found) == 1, f"no resource with arn {arn}"
        return found[0]


def computed_outputs(type_token: str, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """The outputs the program reads from resources, shaped like AWS would return them."""
    service = type_token.split(":")[1].split("/")[0]
    kind = type_token.rsplit(":", 1)[-1].lower()
    out: dict[str, Any] = {
        "id": f"{kind}-{name}",
        "arn": f"arn:aws:{service}:{REGION}:{ACCOUNT}:{kind}/{name}",
    }
    if "name" not in inputs:
        out["name"] = name  # what autonaming would derive the physical name from
    if type_token == "aws:s3/bucket:Bucket":
        out["bucket"] = f"{name}-0a1b2c"
        out["arn"] = f"arn:aws:s3:::{name}-0a1b2c"
    elif type_token == "aws:cognito/userPoolClient:UserPoolClient":
        out["id"] = "cognito-client-id-1"
    elif type_token == "aws:ecs/cluster:Cluster":
        out["arn"] = f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/{inputs['name']}"
    elif type_token == "aws:ecs/taskDefinition:TaskDefinition":
        out["arn"] = f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/{inputs['family']}:1"
    elif type_token == "aws:iam/role:Role":
        out["arn"] = f"arn:aws:iam::{ACCOUNT}:role/{name}"
    elif type_token == "aws:cloudwatch/logGroup:LogGroup":
        out["arn"] = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{inputs['name']}"
    elif type_token == "aws:secretsmanager/secret:Secret":
        out["arn"] = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{inputs['name']}-AbCdEf"
    elif type_token == "aws:rds/instance:Instance":
        out["address"] = f"{inputs['identifier']}.c0ffee.{REGION}.rds.amazonaws.com"
        out["masterUserSecrets"] = [
            {
                "secretArn": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:rds!db-1234-XyZ123",
                "kmsKeyId": "alias/aws/secretsmanager",
                "secretStatus": "active",
            }
        ]
    elif type_token == "aws:lb/loadBalancer:LoadBalancer":
        out.update(
            arnSuffix=f"app/{name}/50dc6c495c0c9188",
            dnsName=f"{name}.{REGION}.elb.amazonaws.com",
            zoneId="Z32O12XQLNTSW2",
        )
    elif type_token == "aws:lb/targetGroup:TargetGroup":
        out["arnSuffix"] = f"targetgroup/{name}/73e2d6bc24d8a067"
    elif type_token == "aws:acm/certificate:Certificate":
        out["domainValidationOptions"] = [
            {
                "domainName": inputs["domainName"],
                "resourceRecordName": f"_x1.{inputs['domainName']}.",
                "resourceRecordType": "CNAME",
                "resourceRecordValue": "_x2.acm-validations.aws.",
            }
        ]
    elif type_token == "aws:acm/certificateValidation:CertificateValidation":
        out["certificateArn"] = inputs["certificateArn"]
    elif type_token == "aws:route53/record:Record":
        out["fqdn"] = str(inputs.get("name", name)).rstrip(".")
    elif type_token == "aws:ecr/repository:Repository":
        out["repositoryUrl"] = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{inputs['name']}"
    return out


def stack_config(stack: str) -> dict[str, str]:
    """The committed `Pulumi.<stack>.yaml` config plus the operator's per-account values."""
    committed = yaml.safe_load((PROGRAM / f"Pulumi.{stack}.yaml").read_text())["config"]
    return {**{key: str(value) for key, value in committed.items()}, **OPERATOR_CONFIG}


@functools.cache
def built_stack(stack: str) -> Recorder:
    recorder = Recorder(stack=stack)
    ensure_event_loop()  # module-scoped fixtures build the stack before any function-scoped fixture runs
    pulumi.runtime.set_mocks(recorder, project="invoices", stack=stack, preview=False)
    pulumi.runtime.set_all_config(stack_config(stack), secret_keys=["invoices:apiKey"])
    if str(PROGRAM) not in sys.path:
        # Appended, not prepended: the folder is named `pulumi` and must never shadow the package.
        sys.path.append(str(PROGRAM))
    settings_module = importlib.import_module("invoices_infra.settings")
    stack_module = importlib.import_module("invoices_infra.stack")

    def program():
        exports = stack_module.build(settings_module.load_settings())
        return pulumi.Output.from_input(exports).apply(recorder.exports.update)

    pulumi.runtime.test(program)()
    return recorder


def policy_statements(document: str) -> list[dict]:
    statements = json.loads(document)["Statement"]
    return statements if isinstance(statements, list) else [statements]


def as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def container(task_definition: Recorded) -> dict:
    """The single container of a recorded task definition, parsed."""
    containers = json.loads(task_definition.inputs["containerDefinitions"])
    assert len(containers) == 1, "each task definition has exactly one container"
    return containers[0]


STACKS = ("dev", "prod")


def ensure_event_loop() -> None:
    """Pulumi's runtime runs on the thread's current event loop; an earlier test in the same session (an
    asyncio or anyio one, FastAPI's test client) may have left none or a closed one, so put a fresh one
    in its place."""
    try:
        closed = asyncio.get_event_loop().is_closed()
    except RuntimeError:
        closed = True
    if closed:
        asyncio.set_event_loop(asyncio.new_event_loop())


@pytest.fixture(autouse=True, name="pulumi_event_loop")
def pulumi_event_loop_fixture():
    ensure_event_loop()


# Registered under the names `stack`, `dev` and `prod`; test modules import them by these function names.
@pytest.fixture(params=STACKS, scope="module", name="stack")
def stack_fixture(request) -> Recorder:
    """Each test that takes `stack` runs once against dev and once against prod."""
    return built_stack(request.param)


@pytest.fixture(scope="module", name="dev")
def dev_fixture() -> Recorder:
    return built_stack("dev")


@pytest.fixture(scope="module", name="prod")
def prod_fixture() -> Recorder:
    return built_stack("prod")
