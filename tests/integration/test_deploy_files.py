"""The deployment files pass their checks (deploy/validate/check.py), and each check fails on a
deliberately broken value: the compose file against the Compose Specification's schema, the
Dockerfile with hadolint and the image rules, the Helm chart through its values schema,
kubernetes-validate (built-in kinds) and check-jsonschema (the operators' kinds)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
CHECK = DEPLOY / "validate" / "check.py"
CHART = DEPLOY / "helm" / "jiandu"
EXTERNAL = [
    "--set=secrets.existingSecret=keys", "--set=postgres.urlSecret.name=pg",
    "--set=kafka.bootstrap=kafka:9092", "--kube-version=1.37.0",
]  # fmt: skip


@pytest.fixture(scope="session")
def helm() -> str:
    """The pinned helm, built from its Go module on first use (cached under .cache/)."""
    built = subprocess.run(
        ["bash", str(DEPLOY / "validate" / "helm.sh")],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False, timeout=1800,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    return built.stdout.strip()


Check = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def check(helm: str) -> Iterator[Check]:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, str(CHECK), *args], env={**os.environ, "JIANDU_HELM": helm},
            capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False, timeout=600,
        )  # fmt: skip

    yield run


def broken_copy(source: Path, target: Path, old: str, new: str) -> Path:
    """A copy of a file with one deliberate change (which must apply)."""
    text = source.read_text()
    assert old in text, f"{old!r} not in {source}"
    target.write_text(text.replace(old, new, 1))
    return target


def test_the_shipped_files_pass_every_check(check: Check) -> None:
    result = check("all")
    assert result.returncode == 0, result.stderr
    assert "all checks passed" in result.stdout
    assert result.stdout.count("resources checked") == 4


@pytest.mark.parametrize(
    ("old", "new", "said"),
    [
        ("    restart: unless-stopped\n    environment:\n      POSTGRES_USER",
         "    restrat: unless-stopped\n    environment:\n      POSTGRES_USER",
         "'restrat' does not match"),
        ('  security_opt: ["no-new-privileges:true"]', '  security_opt: "no-new-privileges:true"',
         "security_opt"),
        ('    command: ["relay"]\n', '    command: ["relay"]\n    ports: ["9000:9000"]\n',
         "service relay publishes a port"),
        ("    networks: [backend]\n\n  kafka:", "    networks: [backnd]\n\n  kafka:",
         "undeclared network backnd"),
        ("  JIANDU_LOG_LEVEL: ${JIANDU_LOG_LEVEL:-info}",
         "  JIANDU_LOG_LEVEL: ${JIANDU_LOG_LEVL:-info}", "JIANDU_LOG_LEVL is used"),
    ],
    ids=["unknown key", "wrong type", "worker port", "unknown network", "unlisted variable"],
)  # fmt: skip
def test_a_broken_compose_file_fails(
    check: Check, tmp_path: Path, old: str, new: str, said: str
) -> None:
    broken = broken_copy(DEPLOY / "compose.yaml", tmp_path / "compose.yaml", old, new)
    result = check("compose", str(broken), "--env-file", str(DEPLOY / "compose.env.example"))
    assert result.returncode == 1
    assert said in result.stderr


@pytest.mark.parametrize(
    ("old", "new", "said"),
    [
        ("USER 10001:10001", "USER root", "non-root USER"),
        ("HEALTHCHECK --interval", "# HEALTHCHECK --interval", "no HEALTHCHECK"),
        ("ARG PYTHON_IMAGE=python:3.11.14-slim-trixie", "ARG PYTHON_IMAGE=python:latest",
         "not pinned"),
        ("USER 10001:10001", "COPY api/ /opt/api/\nUSER 10001:10001",
         "copies from the build context"),
        ("COPY consumers/ consumers/\n", "", "does not copy the package consumers/"),
        ("RUN apt-get update \\", "RUN cd /tmp && apt-get update \\", "DL3003"),
    ],
    ids=["root", "no healthcheck", "unpinned base", "source in image", "package missing",
         "hadolint"],
)  # fmt: skip
def test_a_broken_dockerfile_fails(
    check: Check, tmp_path: Path, old: str, new: str, said: str
) -> None:
    shutil.copy(DEPLOY / ".hadolint.yaml", tmp_path / ".hadolint.yaml")
    broken = broken_copy(DEPLOY / "Dockerfile", tmp_path / "Dockerfile", old, new)
    result = check("dockerfile", str(broken))
    assert result.returncode == 1
    assert said in result.stderr


@pytest.mark.parametrize(
    ("values", "said"),
    [
        (["--set=api.replicas=two"], "/api/replicas"),
        (["--set=relay.replicas=3"], "/relay/replicas"),
        (["--set=search.url=http://admin:secret@opensearch:9200"], "/search/url"),
        (["--set=consumers.projector.replicas=13"], "exceeds config.kafkaPartitions"),
        (["--set=secrets.existingSecret="], "secrets.existingSecret is required"),
        (["--set=config.extraEnv[0].value=orphan"], "'name' is a required property"),
        (["--set=api.extraEnv[0].name=X", "--set=api.extraEnv[0].valu=typo"], "valu"),
        (["--set=kafka.securityProtocol=SASL_SSL", "--set=kafka.sasl.mechanism=PLAIN",
          "--set=kafka.sasl.passwordSecret.name=kafka-user"], "/kafka/sasl/username"),
        (["--set=kafka.securityProtocol=TLS"], "/kafka/securityProtocol"),
    ],
    ids=["values type", "two relays max", "credentials in values", "idle members",
         "no keys secret", "env without name", "unknown env field", "SASL without a user",
         "unknown Kafka protocol"],
)  # fmt: skip
def test_a_broken_value_fails_the_chart(check: Check, values: list[str], said: str) -> None:
    result = check("chart", str(CHART), *EXTERNAL, *values)
    assert result.returncode == 1
    assert said in result.stderr


@pytest.mark.parametrize(
    ("template", "old", "new", "said"),
    [
        ("strimzi.yaml", "roles: [controller, broker]", "roles: [controller, brokers]",
         "check-jsonschema crds/kafka.strimzi.io/kafkanodepool_v1.json"),
        ("cnpg.yaml", "  enablePDB: true", "  enablePDB: true\n  instancs: 3",
         "check-jsonschema crds/postgresql.cnpg.io/cluster_v1.json"),
        ("opensearch.yaml", "      replicas: {{ .Values.opensearch.replicas }}",
         "      replicas: many", "check-jsonschema crds/opensearch.opster.io"),
        ("api.yaml", "apiVersion: policy/v1\nkind: PodDisruptionBudget",
         "apiVersion: policy/v1beta1\nkind: PodDisruptionBudget", "PodDisruptionBudget"),
        ("serviceaccount.yaml", "{{- end }}",
         "{{- end }}\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: leaked\n"
         "stringData:\n  token: x", "must not render a Secret"),
    ],
    ids=["strimzi role", "cnpg field", "opensearch type", "removed api", "secret rendered"],
)  # fmt: skip
def test_a_broken_resource_fails_its_schema(
    check: Check, tmp_path: Path, template: str, old: str, new: str, said: str
) -> None:
    chart = tmp_path / "jiandu"
    shutil.copytree(CHART, chart)
    broken_copy(CHART / "templates" / template, chart / "templates" / template, old, new)
    operators = ["--set=strimzi.enabled=true", "--set=cnpg.enabled=true",
                 "--set=opensearch.enabled=true"]  # fmt: skip
    result = check("chart", str(chart), *EXTERNAL, *operators)
    assert result.returncode == 1
    assert said in result.stderr
