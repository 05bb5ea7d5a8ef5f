"""The audit ledger over HTTP (role auditor; admin): checkpoints, tiles, proofs, cosignatures,
verification and export bundles. Design: docs/ledger.md."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import PlainTextResponse, Response
from pydantic import BaseModel, Field, StringConstraints

from api.audit_check import run_verification
from api.auth import Auditor
from api.deps import PlatformDep
from api.schemas import PROBLEMS, Code, Command
from domain.ids import cadre_id
from projections.ledger.bundle import export_bundle
from projections.ledger.service import AuditLedger, encode_hashes

router = APIRouter(prefix="/api/v1/audit", tags=["audit"], responses=PROBLEMS)

Size = Annotated[int, Query(ge=0, le=2**62, description="A tree size (number of leaves).")]
Position = Annotated[int, Query(ge=1, le=2**62, description="A global event position.")]
NOTE = "text/plain; charset=utf-8"


def ledger(p: PlatformDep) -> AuditLedger:
    """The platform's audit ledger."""
    if p.ledger is None:
        raise HTTPException(503, "the audit ledger is not configured")
    return p.ledger


Ledger = Annotated[AuditLedger, Depends(ledger)]


class LedgerKey(BaseModel):
    """The log's identity and the keys to verify it with."""

    origin: str
    log_key: str = Field(description="The log's signed-note verifier key.")
    previous_log_keys: list[str] = Field(description="Earlier log keys, after a rotation.")
    witness_keys: list[str] = Field(description="Witnesses whose cosignatures are attached.")


class KeptCheckpoint(BaseModel):
    """One signed checkpoint."""

    size: int
    signed_at: str
    note: str = Field(description="The C2SP signed note, cosignatures included.")


class Checkpoints(BaseModel):
    checkpoints: list[KeptCheckpoint]


class Consistency(BaseModel):
    """A consistency proof (RFC 9162 2.1.4) between two tree sizes, hashes in base64."""

    first: int
    second: int
    proof: list[str]


class Cosignatures(Command):
    """Witness cosignatures (C2SP tlog-cosignature/v1 signature lines) on a checkpoint."""

    size: Annotated[int, Field(ge=0, le=2**62)]
    cosignatures: Annotated[
        list[Annotated[str, StringConstraints(min_length=1, max_length=1000)]],
        Field(min_length=1, max_length=16),
    ]


class Cosigned(BaseModel):
    size: int
    accepted: list[str] = Field(description="The witnesses whose cosignatures were attached.")


class Finding(BaseModel):
    position: int | None
    problem: str


class ReadModelCheck(BaseModel):
    """The read models compared with a rebuild from the verified events."""

    ok: bool
    compared: int = Field(description="Rows compared.")
    position: int | None = Field(description="The position both were compared at.")
    difference: str | None


class VerifyResult(BaseModel):
    """The same check as `jiandu audit verify`."""

    ok: bool
    checked: int = Field(description="Stored events whose leaf was recomputed and checked.")
    first_bad_position: int | None
    problem: str | None
    problems: list[Finding]
    leaves: int
    checkpoints: int = Field(description="Checkpoints whose signature and root were checked.")
    pending: int = Field(description="Stored events not integrated yet (newer than the ledger).")
    read_models: ReadModelCheck | None


@router.get("/key", response_model=LedgerKey)
def get_key(who: Auditor, ledger: Ledger) -> dict[str, Any]:
    """The log's origin and verifier key, earlier keys and the witnesses' keys."""
    return ledger.key_document()


@router.get("/checkpoint", response_class=PlainTextResponse)
def get_checkpoint(who: Auditor, ledger: Ledger, size: Size | None = None) -> Response:
    """The latest checkpoint (or the one of `size`) as a C2SP signed note."""
    note = ledger.checkpoint_note(size)
    return Response(note, media_type=NOTE, headers={"Cache-Control": "no-cache"})


@router.get("/checkpoints", response_model=Checkpoints)
def get_checkpoints(who: Auditor, ledger: Ledger, since_size: Size = 0) -> dict[str, Any]:
    """Every kept checkpoint of at least `since_size` leaves, smallest first."""
    return {"checkpoints": ledger.checkpoints(since_size)}


@router.post("/checkpoint/cosignatures", status_code=201, response_model=Cosigned)
def post_cosignatures(body: Cosignatures, who: Auditor, ledger: Ledger) -> dict[str, Any]:
    """Attach witnesses' cosignatures to a checkpoint (each must verify with a configured
    witness key; `jiandu audit witness` submits them)."""
    return {"size": body.size, "accepted": ledger.cosign(body.size, body.cosignatures)}


@router.get(
    "/tile/{path:path}",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
def get_tile(path: str, who: Auditor, ledger: Ledger) -> Response:
    """A C2SP tlog-tiles tile (`<L>/<N>[.p/<W>]`) or entry bundle (`entries/<N>[.p/<W>]`)."""
    data = ledger.tile(path)
    cache = "no-cache" if ".p/" in path else "public, max-age=31536000, immutable"
    return Response(data, media_type="application/octet-stream", headers={"Cache-Control": cache})


@router.get("/proof", response_class=PlainTextResponse)
def get_proof(
    who: Auditor, ledger: Ledger, position: Position, size: Size | None = None
) -> Response:
    """A C2SP tlog-proof of the event at `position` against the checkpoint of `size` (default:
    the latest); its `extra` line is the leaf: canonical JSON of the stored event."""
    return Response(ledger.proof(position, size), media_type=NOTE)


@router.get("/consistency", response_model=Consistency)
def get_consistency(
    who: Auditor,
    ledger: Ledger,
    first: Annotated[int, Query(ge=1, le=2**62)],
    second: Annotated[int, Query(ge=1, le=2**62)],
) -> dict[str, Any]:
    """The consistency proof from the tree of `first` leaves to the tree of `second`."""
    proof = ledger.consistency(first, second)
    return {"first": first, "second": second, "proof": encode_hashes(proof)}


@router.post("/verify", response_model=VerifyResult)
def post_verify(
    who: Auditor,
    ledger: Ledger,
    p: PlatformDep,
    read_models: Annotated[
        bool, Query(description="Also compare the read models with a rebuild from the events.")
    ] = True,
) -> dict[str, Any]:
    """Recompute every leaf from the event store, check the tiles and every checkpoint, and
    (unless told not to) compare the read models with a rebuild from the verified events."""
    report: dict[str, Any] = run_verification(p, read_models=read_models).document()
    return report


@router.get(
    "/export",
    response_class=Response,
    responses={200: {"content": {"application/zip": {}}}},
)
def get_export(
    request: Request,
    who: Auditor,
    ledger: Ledger,
    cadre: Annotated[Code | None, Query(description="A cadre's code.")] = None,
    complaint: Annotated[UUID | None, Query(description="A complaint's id.")] = None,
) -> Response:
    """One cadre's or one complaint's events, each with a tlog-proof against one checkpoint,
    as a zip that `jiandu audit check BUNDLE --key VKEY` verifies offline."""
    if (cadre is None) == (complaint is None):
        raise HTTPException(422, "give exactly one of cadre= or complaint=")
    scope = request.app.state.platform.scope  # a unit-scoped auditor exports only its subtree
    if cadre is not None:
        scope.cadre(who, cadre)
    else:
        scope.complaint(who, str(complaint))
    if cadre is not None:
        aggregate, subject = cadre_id(cadre), {"kind": "cadre", "id": cadre}
    else:
        assert complaint is not None
        aggregate, subject = complaint, {"kind": "complaint", "id": str(complaint)}
    data = export_bundle(ledger, aggregate, subject)
    name = f"jiandu-{subject['kind']}-{subject['id']}.zip"
    return Response(
        data,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
