"""Complaints (信访举报): intake, handling, and the reporter's sealed identity."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from datetime import date, datetime
from uuid import uuid4

from domain import unsealing
from domain.clock import Clock
from domain.complaint import Complaint
from domain.errors import InvalidValue, NotFound, UnknownReference
from domain.ids import cadre_id, complaint_id, unit_id
from domain.retry import on_fresh_state
from domain.store import Store, Written
from domain.values import (
    By,
    ComplaintChannel,
    ComplaintOutcome,
    Recording,
    check_code,
    check_text,
    parse_enum,
)
from domain.vault import Vault

MAX_BODY = 20_000
EARLIEST_RECEIPT_YEAR = 1900
PUBLIC = "public"


def new_receipt() -> str:
    """A 16-digit receipt code from the operating system's cryptographic random source."""
    return f"{secrets.randbelow(10**16):016d}"


class Complaints:
    """Files complaints and works them; reporters follow theirs with a receipt."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        vault: Vault,
        receipts: Callable[[], str] = new_receipt,
    ) -> None:
        self.store = store
        self.clock = clock
        self.vault = vault
        self.receipts = receipts

    def _ctx(self, by: By) -> Recording:
        return Recording.of(by, self.clock.now(), self.clock.today())

    def complaint(self, complaint_id_: str) -> Complaint:
        """The complaint of that id, or NotFound."""
        from uuid import UUID

        try:
            key = UUID(complaint_id_)
        except (ValueError, TypeError):
            raise NotFound(f"complaint {complaint_id_!r:.40} not found") from None
        return self.store.load(Complaint, key, "complaint")

    def by_receipt(self, receipt: str) -> Complaint:
        """The complaint a receipt code follows; unknown and malformed receipts alike are 404."""
        fingerprint = self.vault.fingerprint(receipt if isinstance(receipt, str) else "")
        complaint = self.store.load(Complaint, complaint_id(fingerprint), "complaint")
        if not (len(receipt) == 16 and receipt.isdigit()):
            raise NotFound("complaint not found")
        return complaint

    def file(
        self,
        by: By,
        *,
        category: str,
        title: str,
        body: str,
        named: bool,
        reporter: dict[str, str] | None = None,
        subject_cadres: list[str] | None = None,
        subject_units: list[str] | None = None,
        channel: str = "web",
        received_at: datetime | None = None,
    ) -> Written:
        """File a complaint; the result carries ``complaint_id`` and the one-time ``receipt``."""
        parse_enum(ComplaintChannel, channel, "channel")
        check_text(category, "category", max_length=100)
        check_text(title, "title", max_length=200)
        check_text(body, "body", max_length=MAX_BODY, multiline=True)
        if not title.strip() or not body.strip():
            raise InvalidValue("title and body must not be blank")
        if named and not reporter:
            raise InvalidValue("a named complaint needs the reporter's name and phone")
        if not named and reporter:
            raise InvalidValue("an anonymous complaint carries no reporter identity")
        if received_at is not None and received_at.tzinfo is None:
            raise InvalidValue("received_at must be timezone-aware")
        if received_at is not None and received_at.year < EARLIEST_RECEIPT_YEAR:
            # Year-1 instants overflow when moved to UTC (views sort receipts in UTC).
            raise InvalidValue(f"received_at before {EARLIEST_RECEIPT_YEAR} is not plausible")
        cadres = self._existing(subject_cadres or [], "cadre", cadre_id)
        units = self._existing(subject_units or [], "unit", unit_id)
        receipt = self.receipts()
        fingerprint = self.vault.fingerprint(receipt)
        new_id = complaint_id(fingerprint)
        sealed = None
        if reporter:
            identity = {
                k: check_text(str(reporter.get(k, "")), k, max_length=100)
                for k in ("name", "phone")
            }
            if not all(value.strip() for value in identity.values()):
                raise InvalidValue("a named complaint needs the reporter's name and phone")
            plaintext = json.dumps(identity, ensure_ascii=False).encode()
            sealed = self.vault.seal(plaintext, context=new_id.bytes)
        ctx = self._ctx(by)
        complaint = Complaint.file(
            ctx,
            receipt_fingerprint=fingerprint,
            received_at=received_at or ctx.at,
            channel=channel,
            named=named,
            reporter_sealed=sealed,
            subject_cadres=cadres,
            subject_units=units,
            category=category,
            title=title,
            body=body,
        )
        return self.store.commit(complaint, complaint_id=str(new_id), receipt=receipt)

    def reporter_of(self, complaint: Complaint) -> dict[str, str] | None:
        """Unseal a named reporter's identity (for notifying them; never returned by the API)."""
        if complaint.reporter_sealed is None:
            return None
        data: dict[str, str] = json.loads(
            self.vault.unseal(complaint.reporter_sealed, context=complaint.id.bytes)
        )
        return data

    def _existing(self, codes: list[str], what: str, make_id: Callable[[str], object]) -> list[str]:
        for code in codes:
            check_code(code, f"{what} code")
            if not self.store.exists(make_id(code)):  # type: ignore[arg-type]
                raise UnknownReference(f"unknown {what} {code}")
        return list(dict.fromkeys(codes))

    # -- handling -------------------------------------------------------------------------

    def _work(
        self, by: By, complaint_id_: str, expected_version: int | None, action: str, **kw: object
    ) -> Written:
        complaint = self.complaint(complaint_id_)
        getattr(complaint, action)(self._ctx(by), **kw)
        return self.store.commit(complaint, expected_version=expected_version)

    @on_fresh_state
    def accept(
        self, by: By, cid: str, *, on: date, handler_unit: str, expected_version: int | None = None
    ) -> Written:
        """受理."""
        check_text(handler_unit, "handler_unit")
        return self._work(by, cid, expected_version, "accept", on=on, handler_unit=handler_unit)

    @on_fresh_state
    def decline(
        self, by: By, cid: str, *, on: date, reason: str, expected_version: int | None = None
    ) -> Written:
        """不予受理."""
        check_text(reason, "reason", max_length=2000)
        return self._work(by, cid, expected_version, "decline", on=on, reason=reason)

    @on_fresh_state
    def forward(
        self, by: By, cid: str, *, on: date, to_authority: str, expected_version: int | None = None
    ) -> Written:
        """转送."""
        check_text(to_authority, "to_authority")
        return self._work(by, cid, expected_version, "forward", on=on, to_authority=to_authority)

    @on_fresh_state
    def extend(
        self, by: By, cid: str, *, days: int, reason: str, expected_version: int | None = None
    ) -> Written:
        """Extend the conclusion deadline (at most 30 days, once)."""
        check_text(reason, "reason", max_length=2000)
        return self._work(by, cid, expected_version, "extend", days=days, reason=reason)

    @on_fresh_state
    def conclude(
        self,
        by: By,
        cid: str,
        *,
        on: date,
        finding: str,
        summary: str,
        expected_version: int | None = None,
    ) -> Written:
        """办结 with a finding."""
        parse_enum(ComplaintOutcome, finding, "finding")
        check_text(summary, "summary", max_length=MAX_BODY, multiline=True)
        return self._work(
            by, cid, expected_version, "conclude", on=on, finding=finding, summary=summary
        )

    @on_fresh_state
    def notify_reporter(
        self, by: By, cid: str, *, on: date, method: str, expected_version: int | None = None
    ) -> Written:
        """The reporter was told the outcome."""
        check_text(method, "method")
        return self._work(by, cid, expected_version, "notify_reporter", on=on, method=method)

    @on_fresh_state
    def add_note(
        self, by: By, cid: str, *, text: str, expected_version: int | None = None
    ) -> Written:
        """An internal note."""
        check_text(text, "text", max_length=MAX_BODY, multiline=True)
        return self._work(by, cid, expected_version, "add_note", text=text)

    @on_fresh_state
    def message_reporter(
        self, by: By, cid: str, *, text: str, expected_version: int | None = None
    ) -> Written:
        """A message the reporter reads with the receipt."""
        check_text(text, "text", max_length=MAX_BODY, multiline=True)
        return self._work(by, cid, expected_version, "message_reporter", text=text)

    @on_fresh_state
    def message_from_reporter(self, receipt: str, *, text: str) -> Written:
        """A message the reporter sends with the receipt (recorded by 'public')."""
        check_text(text, "text", max_length=MAX_BODY, multiline=True)
        complaint = self.by_receipt(receipt)
        complaint.message_from_reporter(self._ctx(PUBLIC), text=text)
        return self.store.commit(complaint)

    # -- two-person unsealing of a named reporter ---------------------------------------------

    @on_fresh_state
    def request_unseal(self, by: By, cid: str, *, reason: str) -> Written:
        """Ask to read a named complaint's reporter, saying why; ``request_id`` names it."""
        check_text(reason, "reason", max_length=2000)
        complaint = self.complaint(cid)
        request_id = str(uuid4())
        unsealing.request_unseal(complaint, self._ctx(by), request_id=request_id, reason=reason)
        return self.store.commit(complaint, request_id=request_id)

    @on_fresh_state
    def approve_unseal(self, by: By, cid: str, request_id: str) -> Written:
        """A lead, not the asker, approves: the asker may read the reporter for a day."""
        complaint = self.complaint(cid)
        unsealing.approve_unseal(complaint, self._ctx(by), request_id=request_id)
        return self.store.commit(complaint)

    @on_fresh_state
    def unseal_reporter(self, by: By, cid: str) -> tuple[dict[str, str], Written]:
        """The reporter's identity, for the asker of an approved request in force; the reading
        is recorded (an event) before the identity is given."""
        complaint = self.complaint(cid)
        request_id = unsealing.record_unsealed(complaint, self._ctx(by))
        identity = self.reporter_of(complaint) or {}
        return identity, self.store.commit(complaint, request_id=request_id)
