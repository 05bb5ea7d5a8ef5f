"""Turn a CustomResourceDefinition into strict JSON Schemas, one per served version, for
`check-jsonschema`. Used once per pinned operator release to vendor the schemas under
`schemas/crds/` (see `schemas/SOURCES.md`); the checks never read a CRD themselves.

    python deploy/validate/crd_schema.py CRD.yaml... --out deploy/validate/schemas/crds

Strict means what the API server's strict field validation means: an object that lists its
properties refuses others, unless the CRD marks it `x-kubernetes-preserve-unknown-fields`.
Descriptions are dropped (they are most of a CRD's bytes and none of its rules).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import yaml


def strict(node: Any) -> Any:
    """A copy of an OpenAPI v3 schema with descriptions dropped and objects closed."""
    if isinstance(node, list):
        return [strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: strict(value) for key, value in node.items() if key != "description"}
    if (
        "properties" in out
        and "additionalProperties" not in out
        and not out.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    return out


def schemas(crd: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """File name -> JSON Schema of every served version of the CRD."""
    spec = crd["spec"]
    group, kind = spec["group"], spec["names"]["kind"]
    found = {}
    for version in spec["versions"]:
        if not version.get("served", True):
            continue
        body = strict(version["schema"]["openAPIV3Schema"])
        body.setdefault("properties", {})
        body["properties"]["apiVersion"] = {"const": f"{group}/{version['name']}"}
        body["properties"]["kind"] = {"const": kind}
        body["properties"]["metadata"] = {"type": "object"}
        body["required"] = sorted({*body.get("required", []), "apiVersion", "kind", "metadata"})
        body["$schema"] = "http://json-schema.org/draft-07/schema#"
        body["title"] = f"{kind} {group}/{version['name']}"
        found[f"{group}/{kind.lower()}_{version['name']}.json"] = body
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("crds", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    for path in args.crds:
        for document in yaml.safe_load_all(path.read_text()):
            if not document or document.get("kind") != "CustomResourceDefinition":
                continue
            for name, body in schemas(document).items():
                target = args.out / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(json.dumps(body, indent=1, sort_keys=True) + "\n")
                print(f"{target} ({target.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
