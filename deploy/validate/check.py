"""Check the deployment files without Docker or a cluster.

    python deploy/validate/check.py all
    python deploy/validate/check.py compose [deploy/compose.yaml] [--env-file FILE]
    python deploy/validate/check.py dockerfile [deploy/Dockerfile]
    python deploy/validate/check.py chart [deploy/helm/jiandu] [--set K=V ...] [-f VALUES ...]

- compose: interpolated with the example environment (every variable it uses must be listed
  there), validated against the Compose Specification's JSON Schema (vendored), and its
  references (depends_on, networks, secrets, volumes) resolved; only the API publishes a port.
- dockerfile: hadolint (deploy/.hadolint.yaml), then our own rules: pinned base images, a
  non-root USER and a HEALTHCHECK in the final stage, and nothing but build output copied in.
- chart: `helm lint` and `helm template` (helm built by deploy/validate/helm.sh) for each
  Kubernetes version checked; built-in kinds validated strictly with kubernetes-validate,
  operators' kinds with check-jsonschema against the vendored CRD schemas; no Secret rendered,
  every container with resources, every pod non-root.

Exit status 0 when everything passes, 1 with each problem on stderr otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SCHEMAS = HERE / "schemas"
BIN = Path(sys.executable).parent
KUBE_VERSIONS = ("1.30.0", "1.37.0")  # the oldest and newest the chart is checked against

# Values that stand for what an operator must supply, in the chart's default scenarios.
REQUIRED_VALUES = ("secrets.existingSecret=jiandu-keys",)
SCENARIOS: dict[str, list[str]] = {
    "external servers": [
        *REQUIRED_VALUES,
        "postgres.urlSecret.name=jiandu-postgres",
        r"kafka.bootstrap=kafka-0.kafka:9092\,kafka-1.kafka:9092",
        "search.url=http://opensearch:9200",
    ],
    "operators (Strimzi, CloudNativePG, OpenSearch)": [
        *REQUIRED_VALUES,
        "strimzi.enabled=true",
        "cnpg.enabled=true",
        "opensearch.enabled=true",
    ],
    "ingress, fixed replicas, rules file, search credentials, hot standby relay": [
        *REQUIRED_VALUES,
        "postgres.urlSecret.name=jiandu-postgres",
        "kafka.bootstrap=kafka:9092",
        "search.urlSecret.name=jiandu-search",
        "api.autoscaling.enabled=false",
        "api.ingress.enabled=true",
        "api.ingress.className=nginx",
        "api.ingress.hosts[0].host=jiandu.example.org",
        "api.ingress.hosts[0].paths[0].path=/",
        "api.ingress.hosts[0].paths[0].pathType=Prefix",
        "api.ingress.tls[0].secretName=jiandu-tls",
        "config.rulesConfigMap=province-rules",
        "relay.replicas=2",
        "consumers.integrator.enabled=false",
        "image.digest=sha256:" + "0" * 64,
    ],
    "Kafka over SASL_SSL with the brokers' CA and a client certificate": [
        *REQUIRED_VALUES,
        "postgres.urlSecret.name=jiandu-postgres",
        "kafka.bootstrap=kafka:9093",
        "kafka.port=9093",
        "kafka.securityProtocol=SASL_SSL",
        "kafka.sasl.mechanism=SCRAM-SHA-512",
        "kafka.sasl.username=jiandu",
        "kafka.sasl.passwordSecret.name=jiandu-kafka-user",
        "kafka.tls.caSecret.name=kafka-cluster-ca-cert",
        "kafka.tls.clientSecret.name=jiandu-kafka-user",
    ],
}


class Problems(list[str]):
    """What failed, in order."""

    def add(self, where: str, what: str) -> None:
        self.append(f"{where}: {what}")


# -- compose ------------------------------------------------------------------------------------

_VARIABLE = re.compile(r"\$\$|\$\{([^}]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")
_BRACED = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])(.*))?$", re.S)


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines (comments and blank lines skipped; no quoting rules beyond trimming)."""
    env = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            env[key.strip()] = value.strip()
    return env


def interpolate(node: Any, env: dict[str, str], used: set[str], problems: Problems) -> Any:
    """Compose's variable interpolation over every string value of the document."""
    if isinstance(node, dict):
        return {key: interpolate(value, env, used, problems) for key, value in node.items()}
    if isinstance(node, list):
        return [interpolate(value, env, used, problems) for value in node]
    if not isinstance(node, str):
        return node

    def substitute(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        if match.group(2):
            used.add(match.group(2))
            return env.get(match.group(2), "")
        braced = _BRACED.match(match.group(1))
        if braced is None:
            problems.add("compose", f"cannot interpolate {match.group(0)!r}")
            return ""
        name, operator, argument = braced.groups()
        used.add(name)
        value, is_set = env.get(name, ""), name in env
        if operator in (":-", "-"):
            return value if (value if operator == ":-" else is_set) else argument
        if operator in (":?", "?"):
            if not (value if operator == ":?" else is_set):
                problems.add("compose", f"required variable {name} is unset ({argument})")
            return value
        if operator in (":+", "+"):
            return argument if (value if operator == ":+" else is_set) else ""
        return value

    return _VARIABLE.sub(substitute, node)


def required_variables(text: str) -> set[str]:
    return set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*):?\?", text))


def check_compose(path: Path, env_file: Path, problems: Problems) -> None:
    text = path.read_text()
    document = yaml.safe_load(text)
    env = read_env_file(env_file)
    for name in required_variables(text):  # the example leaves secrets blank on purpose
        if not env.get(name):
            env[name] = f"placeholder-{name.lower()}"
    used: set[str] = set()
    resolved = interpolate(document, env, used, problems)
    listed = set(read_env_file(env_file))
    for name in sorted(used - listed):
        problems.add(str(env_file.name), f"{name} is used by {path.name} but not listed")
    schema = json.loads((SCHEMAS / "compose-spec.json").read_text())
    for error in sorted(
        jsonschema.Draft7Validator(schema).iter_errors(resolved), key=lambda e: e.json_path
    ):
        problems.add(path.name, f"{error.json_path}: {error.message}")
    check_compose_references(resolved, path.name, problems)


def check_compose_references(doc: dict[str, Any], where: str, problems: Problems) -> None:
    services = doc.get("services", {})
    declared = {key: set(doc.get(key) or {}) for key in ("networks", "secrets", "volumes")}
    for name, service in services.items():
        if not isinstance(service, dict):
            continue
        depends = service.get("depends_on", {})
        for target in depends if isinstance(depends, list | dict) else []:
            if target not in services:
                problems.add(where, f"service {name} depends on unknown service {target}")
        networks = service.get("networks", [])
        for network in networks if isinstance(networks, list | dict) else []:
            if network not in declared["networks"]:
                problems.add(where, f"service {name} uses undeclared network {network}")
        for secret in service.get("secrets", []):
            source = secret if isinstance(secret, str) else secret.get("source")
            if source not in declared["secrets"]:
                problems.add(where, f"service {name} uses undeclared secret {source}")
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0] if isinstance(volume, str) else volume.get("source")
            named = source and not source.startswith(("/", ".", "~", "$"))
            if named and source not in declared["volumes"]:
                problems.add(where, f"service {name} uses undeclared volume {source}")
        if service.get("ports") and name != "api":
            problems.add(where, f"service {name} publishes a port: only the API may")


# -- Dockerfile ---------------------------------------------------------------------------------


def instructions(text: str) -> Iterator[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    logical = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not logical and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            logical += line[:-1] + " "
            continue
        logical += line
        word, _, rest = logical.partition(" ")
        yield word.upper(), rest.strip()
        logical = ""


def check_dockerfile(path: Path, problems: Problems) -> None:
    hadolint = subprocess.run(
        [str(BIN / "hadolint"), "--no-color", "--config", str(path.parent / ".hadolint.yaml"),
         str(path)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if hadolint.returncode != 0:
        for line in (hadolint.stdout + hadolint.stderr).strip().splitlines():
            problems.add("hadolint", line)
    args: dict[str, str] = {}
    stages: list[list[tuple[str, str]]] = []
    for word, rest in instructions(path.read_text()):
        if word == "ARG" and not stages:
            name, _, default = rest.partition("=")
            args[name.strip()] = default.strip()
        if word == "FROM":
            stages.append([])
            image = re.sub(r"\$\{?(\w+)\}?", lambda m: args.get(m.group(1), ""), rest.split()[0])
            if not pinned(image):
                problems.add(path.name, f"base image {image!r} is not pinned to a version")
        if stages:
            stages[-1].append((word, rest))
    if not stages:
        problems.add(path.name, "no FROM")
        return
    final = stages[-1]
    users = [rest for word, rest in final if word == "USER"]
    if not users or users[-1].split(":")[0] in ("root", "0"):
        problems.add(path.name, "the final stage must end as a non-root USER")
    checks = [rest for word, rest in final if word == "HEALTHCHECK"]
    if not checks or checks[-1].upper().startswith("NONE"):
        problems.add(path.name, "the final stage has no HEALTHCHECK")
    for word, rest in final:
        if word == "ADD" or (word == "COPY" and "--from=" not in rest):
            problems.add(path.name, f"the final stage copies from the build context: {word} {rest}")
    copied = {rest.split()[0].rstrip("/") for stage in stages[:-1] for word, rest in stage
              if word == "COPY" and "--from=" not in rest}  # fmt: skip
    for package in sorted(packages() - copied):
        problems.add(path.name, f"the build stage does not copy the package {package}/")


def packages() -> set[str]:
    """The top-level packages the wheel holds (pyproject's setuptools `include` patterns)."""
    with (ROOT / "pyproject.toml").open("rb") as file:
        found = tomllib.load(file)["tool"]["setuptools"]["packages"]["find"]["include"]
    return {pattern.rstrip("*") for pattern in found}


def pinned(image: str) -> bool:
    """A digest, or a tag that names a version (not `latest`, not missing)."""
    if "@sha256:" in image:
        return True
    name, _, tag = image.rpartition(":")
    return bool(name) and "/" not in tag and tag != "latest" and any(c.isdigit() for c in tag)


# -- Helm chart ---------------------------------------------------------------------------------


def helm_binary() -> str:
    given = os.environ.get("JIANDU_HELM")
    if given:
        return given
    built = subprocess.run(
        ["bash", str(HERE / "helm.sh")], capture_output=True, text=True, check=False
    )
    if built.returncode != 0:
        raise SystemExit(f"could not build helm:\n{built.stderr}")
    return built.stdout.strip()


def render(
    chart: Path, sets: Sequence[str], values: Sequence[Path], kube: str, problems: Problems
) -> list[dict[str, Any]]:
    helm = helm_binary()
    options = [f"--set={item}" for item in sets] + [f"--values={v}" for v in values]
    lint = subprocess.run(
        [helm, "lint", "--strict", str(chart), f"--kube-version={kube}", *options],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if lint.returncode != 0:
        problems.add("helm lint", (lint.stdout + lint.stderr).strip())
        return []
    rendered = subprocess.run(
        [helm, "template", "jiandu", str(chart), f"--kube-version={kube}", *options],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if rendered.returncode != 0:
        problems.add("helm template", rendered.stderr.strip())
        return []
    return [doc for doc in yaml.safe_load_all(rendered.stdout) if doc]


def crd_schema(doc: dict[str, Any]) -> Path | None:
    group, _, version = str(doc.get("apiVersion", "")).rpartition("/")
    path = SCHEMAS / "crds" / group / f"{str(doc.get('kind', '')).lower()}_{version}.json"
    return path if group and path.is_file() else None


def check_manifests(docs: list[dict[str, Any]], kube: str, problems: Problems) -> None:
    custom: dict[Path, list[dict[str, Any]]] = {}
    for doc in docs:
        where = f"{doc.get('kind')}/{doc.get('metadata', {}).get('name')} (k8s {kube})"
        schema = crd_schema(doc)
        if schema is not None:
            custom.setdefault(schema, []).append(doc)
            continue
        try:
            kubernetes_validate.validate(doc, kube, strict=True)
        except kubernetes_validate.ValidationError as error:
            problems.add(where, f"{'.'.join(map(str, error.path))}: {error.message}")
        except kubernetes_validate.SchemaNotFoundError:
            problems.add(where, "unknown kind: no built-in schema and no vendored CRD schema")
        check_pod_rules(doc, where, problems)
    for schema, resources in custom.items():
        check_custom(schema, resources, kube, problems)


def check_custom(
    schema: Path, resources: list[dict[str, Any]], kube: str, problems: Problems
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        files = []
        for n, doc in enumerate(resources):
            file = Path(folder) / f"{doc['kind']}-{n}-{doc['metadata']['name']}.json"
            file.write_text(json.dumps(doc))
            files.append(str(file))
        checked = subprocess.run(
            [str(BIN / "check-jsonschema"), "--no-cache", "--schemafile", str(schema), *files],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
    if checked.returncode != 0:
        detail = (checked.stdout + checked.stderr).strip().replace(folder + "/", "")
        problems.add(f"check-jsonschema {schema.relative_to(SCHEMAS)} (k8s {kube})", detail)


def pod_spec(doc: dict[str, Any]) -> dict[str, Any] | None:
    spec = doc.get("spec", {})
    template = spec.get("template") or spec.get("jobTemplate", {}).get("spec", {}).get("template")
    return template.get("spec") if isinstance(template, dict) else None


def check_pod_rules(doc: dict[str, Any], where: str, problems: Problems) -> None:
    if doc.get("kind") == "Secret":
        problems.add(where, "the chart must not render a Secret (values never hold secrets)")
    pod = pod_spec(doc)
    if pod is None:
        return
    if not (pod.get("securityContext") or {}).get("runAsNonRoot"):
        problems.add(where, "pod securityContext.runAsNonRoot is not true")
    for container in pod.get("initContainers", []) + pod.get("containers", []):
        resources = container.get("resources") or {}
        if not resources.get("requests") or not (resources.get("limits") or {}).get("memory"):
            problems.add(where, f"container {container['name']} lacks requests or a memory limit")


def check_chart(
    chart: Path,
    sets: Sequence[str],
    values: Sequence[Path],
    problems: Problems,
    kube_versions: Sequence[str] = KUBE_VERSIONS,
) -> int:
    """Render and check the chart with these values for each Kubernetes version."""
    resources = 0
    for kube in kube_versions:
        docs = render(chart, sets, values, kube, problems)
        check_manifests(docs, kube, problems)
        resources += len(docs)
    return resources


# -- command line -------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    sub.add_parser("all", help="compose, Dockerfile and the chart in its checked scenarios")
    compose = sub.add_parser("compose")
    compose.add_argument("file", nargs="?", type=Path, default=ROOT / "deploy" / "compose.yaml")
    compose.add_argument("--env-file", type=Path, default=ROOT / "deploy" / "compose.env.example")
    docker = sub.add_parser("dockerfile")
    docker.add_argument("file", nargs="?", type=Path, default=ROOT / "deploy" / "Dockerfile")
    chart = sub.add_parser("chart")
    chart.add_argument("dir", nargs="?", type=Path, default=ROOT / "deploy" / "helm" / "jiandu")
    chart.add_argument("--set", dest="sets", action="append", default=[])
    chart.add_argument("-f", "--values", action="append", type=Path, default=[])
    chart.add_argument("--kube-version", action="append", dest="kube")
    args = parser.parse_args(argv)

    problems = Problems()
    if args.what in ("all", "compose"):
        file = getattr(args, "file", ROOT / "deploy" / "compose.yaml")
        env_file = getattr(args, "env_file", ROOT / "deploy" / "compose.env.example")
        check_compose(file, env_file, problems)
        print(f"compose: {file.name} checked against the Compose Specification schema")
    if args.what in ("all", "dockerfile"):
        file = getattr(args, "file", ROOT / "deploy" / "Dockerfile")
        check_dockerfile(file, problems)
        print(f"dockerfile: {file.name} checked with hadolint and the image rules")
    if args.what == "chart":
        kube = args.kube or KUBE_VERSIONS
        count = check_chart(args.dir, args.sets, args.values, problems, kube)
        print(f"chart: {count} resources checked for Kubernetes {', '.join(kube)}")
    if args.what == "all":
        chart_dir = ROOT / "deploy" / "helm" / "jiandu"
        for name, sets in SCENARIOS.items():
            count = check_chart(chart_dir, sets, [], problems)
            print(f"chart ({name}): {count} resources checked for {', '.join(KUBE_VERSIONS)}")
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"{len(problems)} problem(s)" if problems else "all checks passed")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
