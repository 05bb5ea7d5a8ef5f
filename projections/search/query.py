"""What a search asks and answers, whatever answers it: requests, results, text terms, cursors.

User text is only ever split into plain terms here; each backend matches a term as a literal
substring (a phrase of characters), so no query syntax of any engine can be smuggled in.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any

from domain.errors import DomainError, InvalidValue

MAX_TERMS = 16
# Each character of a term is a unigram (and a bigram) in the engine's phrase queries, which
# engines cap at 1,024 clauses: 256 characters of words in all keep every query well under.
MAX_WORD_CHARACTERS = 256
FACETS = {"kind": "kind", "unit": "units", "type": "type", "rule": "rules"}  # name -> field
FACET_SIZE = 20


class SearchUnavailable(DomainError):
    """The search engine does not answer (HTTP 503)."""

    status = 503
    title = "Search unavailable"


def terms_of(q: str) -> list[str]:
    """The plain terms of free text: control characters dropped, split on white space, stripped
    of surrounding punctuation, lower-cased; every term must occur (AND)."""
    terms: list[str] = []
    for raw in _printable(q).split():
        term = _strip_punctuation(raw).lower()
        if term and term not in terms:
            terms.append(term)
    if len(terms) > MAX_TERMS:
        raise InvalidValue(f"q has {len(terms)} words; at most {MAX_TERMS} are searched together")
    if sum(len(t) for t in terms) > MAX_WORD_CHARACTERS:
        raise InvalidValue(f"q has more than {MAX_WORD_CHARACTERS} characters of words")
    return terms


def _printable(q: str) -> str:
    return "".join(
        " " if unicodedata.category(ch) in {"Cc", "Cs", "Co", "Zl", "Zp"} else ch
        for ch in q
        if unicodedata.category(ch) != "Cf"
    )


def _strip_punctuation(word: str) -> str:
    start, end = 0, len(word)
    while start < end and not word[start].isalnum():
        start += 1
    while end > start and not word[end - 1].isalnum():
        end -= 1
    return word[start:end]


def rule_prefix(rule: str | None) -> tuple[str | None, bool]:
    """A rule filter as (value, is_prefix): ``R-SEC-*`` matches every secondment rule."""
    if rule is None:
        return None, False
    if rule.endswith("*"):
        return rule.rstrip("*"), True
    return rule, False


@dataclass(frozen=True)
class SearchRequest:
    """``GET /search``: free text, one kind or all, filters combined with AND, a page."""

    q: str = ""
    kind: str | None = None
    unit: str | None = None
    cadre: str | None = None
    type: str | None = None
    rule: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    size: int = 20
    cursor: str | None = None
    include_retracted: bool = False

    def terms(self) -> list[str]:
        """The plain terms of ``q``."""
        return terms_of(self.q)

    def finds_nothing(self, terms: list[str]) -> bool:
        """Text was given, but none of it is a word (``*:*``, ``%``): nothing contains it."""
        return not terms and bool(_printable(self.q).strip())

    def fingerprint(self) -> str:
        """What a cursor is bound to: everything but the page."""
        fields = {k: str(v) for k, v in asdict(self).items() if k not in {"cursor", "size"}}
        fields["q"] = " ".join(self.terms())
        return _digest(fields)


@dataclass(frozen=True)
class SecondmentQuery:
    """``GET /search/secondments``: the secondment register by levels, state and duration."""

    as_of: date
    home_levels: tuple[str, ...] = ()
    host_levels: tuple[str, ...] = ()
    active: bool | None = None
    approved: bool | None = None
    min_days: int | None = None
    unit: str | None = None
    cadre: str | None = None
    size: int = 100
    cursor: str | None = None

    def fingerprint(self) -> str:
        """What a cursor is bound to."""
        return _digest({k: str(v) for k, v in asdict(self).items() if k not in {"cursor", "size"}})

    def state_of(self, source: dict[str, Any]) -> tuple[bool, int]:
        """Whether a secondment is active at ``as_of``, and its duration in days then (up to
        ``as_of`` while active, up to its end once ended)."""
        start = date.fromisoformat(source["start_date"])
        end = date.fromisoformat(source["end_date"]) if source.get("end_date") else None
        active = end is None or end > self.as_of
        return active, ((self.as_of if active or end is None else end) - start).days

    def matches(self, source: dict[str, Any]) -> bool:
        """The query's predicate on one secondment document (the engine query says the same)."""
        if source.get("retracted") or source["start_date"] > self.as_of.isoformat():
            return False
        checks = (
            (self.home_levels, source.get("home_level")),
            (self.host_levels, source.get("host_level")),
        )
        if any(levels and value not in levels for levels, value in checks):
            return False
        if self.unit is not None and self.unit not in source["units"]:
            return False
        if self.cadre is not None and self.cadre != source.get("cadre_code"):
            return False
        if self.approved is not None and bool(source.get("approved")) != self.approved:
            return False
        active, days = self.state_of(source)
        if self.active is not None and active != self.active:
            return False
        return self.min_days is None or days > self.min_days

    @property
    def started_before(self) -> date | None:
        """An active secondment lasts more than ``min_days`` when it started before this."""
        return None if self.min_days is None else self.as_of - timedelta(days=self.min_days)


@dataclass
class Hit:
    """One document found, with its relevance, highlighted fragments and extra facts."""

    kind: str
    id: str
    score: float | None
    source: dict[str, Any]
    highlight: dict[str, list[str]] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """The hit as the API answers it."""
        return {
            "kind": self.kind, "id": self.id, "score": self.score, "highlight": self.highlight,
            "source": self.source, **self.extra,
        }  # fmt: skip


@dataclass
class SearchResult:
    """A page of hits, the total, the cursor of the next page, facet counts, the position."""

    total: int
    hits: list[Hit]
    next_cursor: str | None
    position: int
    facets: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """The result as the API answers it."""
        return {
            "total": self.total, "hits": [h.as_json() for h in self.hits],
            "next_cursor": self.next_cursor, "position": self.position, "facets": self.facets,
        }  # fmt: skip


def public_source(source: dict[str, Any]) -> dict[str, Any]:
    """A document's source as shown: without the search-only fields."""
    return {k: v for k, v in source.items() if k not in {"text", "uid"}}


# -- cursors ---------------------------------------------------------------------------------


def encode_cursor(values: list[Any], fingerprint: str) -> str:
    """An opaque cursor: the last hit's sort values, bound to the query that made them."""
    raw = json.dumps({"a": values, "q": fingerprint}, separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


# The type of each sort value, as ``isinstance`` takes it (a type or a tuple of types).
CursorShape = tuple[type | tuple[type, ...], ...]


def decode_cursor(cursor: str | None, fingerprint: str, shape: CursorShape) -> list[Any] | None:
    """The sort values of a cursor; InvalidValue (422) for anything this query did not make."""
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        doc = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise InvalidValue("cursor is not one this server made") from None
    if not isinstance(doc, dict) or doc.get("q") != fingerprint:
        raise InvalidValue("cursor belongs to another query (repeat the query without it)")
    values = doc.get("a")
    if not isinstance(values, list) or len(values) != len(shape):
        raise InvalidValue("cursor is not one this server made")
    for value, kind in zip(values, shape, strict=True):
        if value is not None and (not isinstance(value, kind) or isinstance(value, bool)):
            raise InvalidValue("cursor is not one this server made")
    return values


def _digest(fields: dict[str, str]) -> str:
    raw = json.dumps(fields, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.blake2b(raw, digest_size=9).hexdigest()
