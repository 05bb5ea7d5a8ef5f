"""Prometheus metrics in the text exposition format: positions and lag."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse

from api.auth import require
from api.bootstrap import Platform
from api.search_probe import search_trouble

router = APIRouter(tags=["health"])
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class Exposition:
    """Gauges written as Prometheus text (one HELP and TYPE line per metric)."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def gauge(self, name: str, text: str, samples: list[tuple[dict[str, str], float]]) -> None:
        """A gauge and its samples (label set -> value)."""
        self.lines += [f"# HELP {name} {text}", f"# TYPE {name} gauge"]
        for labels, value in samples:
            pairs = ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items())
            self.lines.append(f"{name}{{{pairs}}} {value}" if pairs else f"{name} {value}")

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


@router.get(
    "/metrics",
    response_class=PlainTextResponse,
    include_in_schema=False,
    dependencies=[Depends(require("auditor"))],  # or unauthenticated on JIANDU_OPS_PORT
)
def metrics(request: Request) -> PlainTextResponse:
    """Store position, each projection's position and lag, and the Kafka transport's lag."""
    platform: Platform = request.app.state.platform
    out = Exposition()
    out.gauge(
        "jiandu_store_position",
        "Global position of the last recorded event.",
        [({}, platform.store.position())],
    )
    projections = {platform.settings.transport: platform.followers.status()}
    if platform.transport is not None:
        _transport(out, platform.transport.snapshot())
    out.gauge(
        "jiandu_projection_position",
        "Position every event up to which a follower (a projection, the search index, the "
        "supervision process) has applied, whichever transport fed it.",
        [({"projection": n, "transport": t}, f["position"]) for t, ps in projections.items()
         for n, f in ps.items()],
    )  # fmt: skip
    out.gauge(
        "jiandu_projection_lag_events",
        "Events recorded in the store that a follower has not applied yet.",
        [({"projection": n, "transport": t}, f["lag"]) for t, ps in projections.items()
         for n, f in ps.items()],
    )  # fmt: skip
    if platform.search is not None and platform.settings.search_url:
        out.gauge(
            "jiandu_search_engine_up",
            "Whether the search engine answered (searches answer 503 while it does not).",
            [({"engine": platform.settings.search_engine},
              0 if search_trouble(request.app) else 1)],
        )  # fmt: skip
    if platform.ledger is not None:
        _ledger(out, platform.ledger.status(platform.store.position()))
    return PlainTextResponse(out.text(), media_type=CONTENT_TYPE)


def _ledger(out: Exposition, status: dict[str, Any]) -> None:
    out.gauge("jiandu_ledger_size", "Leaves (events) in the audit ledger's tree.",
              [({}, status["size"])])  # fmt: skip
    out.gauge("jiandu_ledger_lag_events", "Events stored but not yet in the audit ledger.",
              [({}, status["lag"])])  # fmt: skip
    checkpoint = status["checkpoint"] or {"size": 0, "cosignatures": 0}
    out.gauge("jiandu_ledger_checkpoint_size", "Leaves covered by the latest signed checkpoint.",
              [({}, checkpoint["size"])])  # fmt: skip
    out.gauge("jiandu_ledger_checkpoint_cosignatures",
              "Witness cosignatures on the latest checkpoint.",
              [({}, checkpoint["cosignatures"])])  # fmt: skip
    if checkpoint.get("signed_at"):
        signed = datetime.fromisoformat(checkpoint["signed_at"]).timestamp()
        out.gauge("jiandu_ledger_checkpoint_signed_timestamp_seconds",
                  "When the latest checkpoint was signed (Unix time).",
                  [({}, int(signed))])  # fmt: skip


def _transport(out: Exposition, snapshot: dict[str, Any]) -> None:
    out.gauge(
        "jiandu_kafka_up",
        "Whether the broker answered the last lag measurement.",
        [({"topic": snapshot["topic"]}, 0 if "error" in snapshot else 1)],
    )
    if "error" in snapshot:
        return
    relay = snapshot["relay"]
    out.gauge("jiandu_relay_position", "Last position the broker acknowledged.",
              [({"topic": snapshot["topic"]}, relay["position"])])  # fmt: skip
    out.gauge("jiandu_relay_lag_events", "Events recorded but not yet published.",
              [({"topic": snapshot["topic"]}, relay["lag"])])  # fmt: skip
    groups = snapshot["groups"]
    out.gauge(
        "jiandu_consumer_group_lag_messages",
        "Messages of the event topic a consumer group has not committed yet.",
        [({"group": g, "topic": snapshot["topic"]}, f["lag"]) for g, f in groups.items()],
    )
    out.gauge(
        "jiandu_consumer_partition_lag_messages",
        "End offset minus committed offset, per partition.",
        [({"group": g, "partition": p}, v["lag"]) for g, f in groups.items()
         for p, v in f["partitions"].items()],
    )  # fmt: skip
