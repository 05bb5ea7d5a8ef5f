"""Domain errors, mapped by the API to HTTP problems (409, 404, 422)."""

from __future__ import annotations


class DomainError(Exception):
    """Base class of every error the domain raises on purpose."""

    status = 400
    title = "Domain error"


class InvariantViolated(DomainError):
    """A command would break an invariant of DOMAIN.md (HTTP 409)."""

    status = 409
    title = "Invariant violated"


class ConcurrentWrite(DomainError):
    """Another writer changed the aggregate first, or expected_version differs (HTTP 409)."""

    status = 409
    title = "Concurrent write"


class LostRace(ConcurrentWrite):
    """Another writer saved the same aggregate between this command's read and its write.

    Commands run again on the fresh state (``domain.retry``); only a command that keeps losing,
    or whose invariant then fails, reaches the caller.
    """


class ApprovalNeeded(DomainError):
    """The command needs a second person's approval first (HTTP 409)."""

    status = 409
    title = "Approval needed"


class AlreadyRegistered(DomainError):
    """A unit, post or cadre code is registered already (HTTP 409)."""

    status = 409
    title = "Already registered"


class NotFound(DomainError):
    """The addressed unit, cadre, complaint, finding or event does not exist (HTTP 404)."""

    status = 404
    title = "Not found"


class UnknownReference(DomainError):
    """A command names a unit, post or cadre that does not exist (HTTP 422)."""

    status = 422
    title = "Unknown reference"


class InvalidValue(DomainError):
    """A value is outside its domain (HTTP 422)."""

    status = 422
    title = "Invalid value"


class HistoryBroken(DomainError):
    """The stored history of an aggregate no longer folds: a version is missing or out of
    place, so the event store was altered outside the platform (HTTP 500, named precisely)."""

    status = 500
    title = "Event store integrity error"

    def __init__(self, aggregate_id: object, version: int, what: str = "is missing") -> None:
        super().__init__(
            f"the stored history of aggregate {aggregate_id} no longer folds: version {version} "
            f"{what} (the event store was altered outside the platform; run `jiandu audit "
            "verify` to find every altered position)"
        )
        self.aggregate_id = aggregate_id
        self.version = version
