"""The search indices: their names, Chinese analysis and explicit mappings (one per kind).

Each kind lives in versioned physical indices (``jiandu-events-v1-3``) behind an alias
(``jiandu-events``); a reindex builds generation n+1 beside the live one and swaps every alias
in one request. ``SCHEMA`` changes whenever a mapping or the analysis changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

SCHEMA = "v1"
KINDS = ("events", "cadres", "complaints", "findings", "secondments")

# Chinese has no spaces between words: bigrams of CJK characters make 借调 a token of 违规借调人员
# (relevance, highlighting); the unigram subfield answers single characters, and a phrase over
# unigrams is an exact substring match whatever the length (the basic search's LIKE semantics).
ANALYSIS: dict[str, Any] = {
    "analyzer": {
        "zh_bigram": {
            "type": "custom",
            "tokenizer": "standard",
            "filter": ["cjk_width", "lowercase", "cjk_bigram"],
        },
        "zh_unigram": {
            "type": "custom",
            "tokenizer": "standard",
            "filter": ["cjk_width", "lowercase"],
        },
    }
}

KEYWORD = {"type": "keyword"}
LONG = {"type": "long"}
INTEGER = {"type": "integer"}
BOOLEAN = {"type": "boolean"}
DATE = {"type": "date", "format": "strict_date_optional_time"}
STORED = {"type": "object", "enabled": False}  # kept in _source, never indexed
SOURCE_TEXT = {"type": "text", "index": False}  # searched through `text`, shown from _source
TEXT = {
    "type": "text",
    "analyzer": "zh_bigram",
    "fields": {"uni": {"type": "text", "analyzer": "zh_unigram"}},
}

# Fields every kind has: the shared query builder filters, sorts and facets on these.
COMMON: dict[str, Any] = {
    "kind": KEYWORD, "id": KEYWORD, "uid": KEYWORD, "position": LONG, "at": DATE,
    "units": KEYWORD, "cadres": KEYWORD, "type": KEYWORD, "rules": KEYWORD,
    "retracted": BOOLEAN, "text": TEXT,
}  # fmt: skip

FIELDS: dict[str, dict[str, Any]] = {
    "events": {
        "aggregate": KEYWORD, "aggregate_id": KEYWORD, "version": INTEGER,
        "effective_date": DATE, "recorded_at": DATE, "recorded_by": KEYWORD,
        "cadre_name": KEYWORD, "retracted_by": LONG, "data": STORED,
    },
    "cadres": {
        "code": KEYWORD, "name": KEYWORD, "gender": KEYWORD, "birth_date": DATE,
        "growth_place": KEYWORD, "status": KEYWORD, "home_unit": KEYWORD,
        "recruited_on": DATE, "registered_at": DATE, "version": INTEGER,
        "recruitment": STORED, "posts": STORED, "secondment": STORED, "dispatch": STORED,
    },
    "complaints": {
        "complaint_id": KEYWORD, "status": KEYWORD, "category": KEYWORD, "channel": KEYWORD,
        "named": BOOLEAN, "title": SOURCE_TEXT, "body": SOURCE_TEXT,
        "received_at": DATE, "received_on": DATE, "decide_by": DATE, "conclude_by": DATE,
        "accepted_on": DATE, "decided_on": DATE, "concluded_on": DATE, "notified_on": DATE,
        "extension_days": INTEGER, "handler_unit": KEYWORD, "finding": KEYWORD,
        "summary": SOURCE_TEXT,
        "subject_cadres": KEYWORD, "subject_units": KEYWORD, "version": INTEGER,
    },
    "findings": {
        "finding_id": KEYWORD, "rule": KEYWORD, "severity": KEYWORD, "status": KEYWORD,
        "resolution": KEYWORD, "subject_kind": KEYWORD, "subject_code": KEYWORD,
        "anchor": KEYWORD, "evidence": LONG, "raised_at": DATE, "version": INTEGER,
        "details": STORED,
    },
    "secondments": {
        "secondment_id": KEYWORD, "cadre_code": KEYWORD, "cadre_name": KEYWORD,
        "home_unit": KEYWORD, "home_level": KEYWORD, "host_unit": KEYWORD,
        "host_level": KEYWORD, "start_date": DATE, "planned_end_date": DATE, "end_date": DATE,
        "end_reason": KEYWORD, "ended_days": INTEGER, "approval_level": KEYWORD,
        "approved": BOOLEAN, "purpose": SOURCE_TEXT,
        "extensions": INTEGER, "approval": STORED,
    },
}  # fmt: skip


def index_body(kind: str, *, building: bool = False) -> dict[str, Any]:
    """Settings and mappings of a physical index; a build refreshes only when it is done."""
    return {
        "settings": {
            "number_of_shards": 1,
            # One copy per extra node, none on a single node (a test or laptop stays green).
            "auto_expand_replicas": "0-1",
            "refresh_interval": "-1" if building else "1s",
            "analysis": ANALYSIS,
        },
        "mappings": {"dynamic": "strict", "properties": {**COMMON, **FIELDS[kind]}},
    }


META_BODY: dict[str, Any] = {
    "settings": {"number_of_shards": 1, "auto_expand_replicas": "0-1"},
    "mappings": {
        "dynamic": "strict",
        "properties": {"generation": KEYWORD, "position": LONG},
    },
}


@dataclass(frozen=True)
class IndexNames:
    """Aliases, physical indices and the meta index of one installation (a name prefix)."""

    prefix: str = "jiandu"

    def alias(self, kind: str) -> str:
        """The alias searches and the live indexer use."""
        return f"{self.prefix}-{kind}"

    def physical(self, kind: str, generation: int) -> str:
        """The physical index of a kind in a generation."""
        return f"{self.prefix}-{kind}-{SCHEMA}-{generation}"

    @property
    def meta(self) -> str:
        """The index holding each generation's position (one document per generation)."""
        return f"{self.prefix}-meta"

    def generation_key(self, generation: int) -> str:
        """The meta document id of a generation."""
        return f"{SCHEMA}-{generation}"

    def pattern(self, kind: str) -> str:
        """A wildcard over every physical index of a kind, whatever its schema."""
        return f"{self.prefix}-{kind}-v*"

    def generation_of(self, physical: str) -> int | None:
        """The generation number of a physical index name (None when not one of ours)."""
        match = re.fullmatch(rf"{re.escape(self.prefix)}-[a-z]+-(v\d+)-(\d+)", physical)
        return int(match.group(2)) if match else None

    def kind_of(self, physical: str) -> str | None:
        """Which kind a physical index (or alias) holds."""
        for kind in KINDS:
            if physical == self.alias(kind) or physical.startswith(f"{self.alias(kind)}-v"):
                return kind
        return None
