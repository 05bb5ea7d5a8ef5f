"""Query bodies for OpenSearch and Elasticsearch (one DSL for both), and reading their answers.

Free text becomes ``match_phrase`` clauses over the analysed ``text`` field (bigrams) and its
unigram subfield, one per plain term: never ``query_string``, so no user input is parsed as
query syntax.
"""

from __future__ import annotations

from typing import Any

from projections.search.query import (
    FACET_SIZE,
    FACETS,
    Hit,
    SearchRequest,
    SearchResult,
    SecondmentQuery,
    encode_cursor,
    public_source,
    rule_prefix,
)
from projections.search.schema import IndexNames

SCORED = ((int, float), str)  # cursor shape of a relevance-sorted page: (_score, uid)
DATED = (int, str)  # of a date-sorted page: (epoch millis, uid)
HIGHLIGHT = {
    "encoder": "html",  # the fragments are HTML: escape the documents' own text
    "pre_tags": ["<em>"],
    "post_tags": ["</em>"],
    "fields": {
        "text": {"number_of_fragments": 3, "fragment_size": 100},
        "text.uni": {"number_of_fragments": 3, "fragment_size": 100},
    },
}


def text_clause(term: str) -> dict[str, Any]:
    """A term occurs as a substring: as a phrase of bigrams or (single characters) unigrams."""
    return {
        "bool": {
            "should": [
                {"match_phrase": {"text": {"query": term}}},
                {"match_phrase": {"text.uni": {"query": term}}},
            ],
            "minimum_should_match": 1,
        }
    }


def filters(request: SearchRequest) -> list[dict[str, Any]]:
    """The structured filters of a search (all must hold)."""
    clauses: list[dict[str, Any]] = []
    if not request.include_retracted:
        clauses.append({"term": {"retracted": False}})
    for field, value in (("units", request.unit), ("cadres", request.cadre)):
        if value is not None:
            clauses.append({"term": {field: value}})
    if request.type is not None:
        clauses.append({"term": {"type": request.type}})
    rule, is_prefix = rule_prefix(request.rule)
    if rule is not None:
        clauses.append({"prefix" if is_prefix else "term": {"rules": rule}})
    if request.date_from or request.date_to:
        window = {"gte": request.date_from, "lte": request.date_to}
        clauses.append({"range": {"at": {k: v.isoformat() for k, v in window.items() if v}}})
    return clauses


def search_body(
    request: SearchRequest, terms: list[str], after: list[Any] | None
) -> dict[str, Any]:
    """The body of ``GET /search``: relevance order with text, newest first without."""
    sort: list[Any] = (
        [{"_score": "desc"}, {"uid": "asc"}]
        if terms
        else [{"at": {"order": "desc", "missing": "_last"}}, {"uid": "asc"}]
    )
    body: dict[str, Any] = {
        "query": {"bool": {"filter": filters(request), "must": [text_clause(t) for t in terms]}},
        "size": request.size + 1,  # one more tells whether a next page exists
        "sort": sort,
        "track_total_hits": True,
        "_source": {"excludes": ["text", "uid"]},
        "aggs": {
            name: {"terms": {"field": field, "size": FACET_SIZE}} for name, field in FACETS.items()
        },
    }
    if terms:
        body["highlight"] = HIGHLIGHT
    if after is not None:
        body["search_after"] = after
    return body


def secondments_body(query: SecondmentQuery, after: list[Any] | None) -> dict[str, Any]:
    """The body of ``GET /search/secondments`` (the same predicate as SecondmentQuery.matches)."""
    day = query.as_of.isoformat()
    clauses: list[dict[str, Any]] = [
        {"term": {"retracted": False}},
        {"range": {"start_date": {"lte": day}}},
    ]
    for field, levels in (("home_level", query.home_levels), ("host_level", query.host_levels)):
        if levels:
            clauses.append({"terms": {field: list(levels)}})
    if query.unit is not None:
        clauses.append({"term": {"units": query.unit}})
    if query.cadre is not None:
        clauses.append({"term": {"cadre_code": query.cadre}})
    if query.approved is not None:
        clauses.append({"term": {"approved": query.approved}})
    active = {
        "bool": {
            "should": [
                {"bool": {"must_not": {"exists": {"field": "end_date"}}}},
                {"range": {"end_date": {"gt": day}}},
            ],
            "minimum_should_match": 1,
        }
    }
    ended = {"range": {"end_date": {"lte": day}}}
    if query.active is not None:
        clauses.append(active if query.active else ended)
    if query.started_before is not None:
        long_active = [active, {"range": {"start_date": {"lt": query.started_before.isoformat()}}}]
        long_ended = [ended, {"range": {"ended_days": {"gt": query.min_days}}}]
        clauses.append(
            {
                "bool": {
                    "should": [{"bool": {"filter": long_active}}, {"bool": {"filter": long_ended}}],
                    "minimum_should_match": 1,
                }
            }
        )
    body: dict[str, Any] = {
        "query": {"bool": {"filter": clauses}},
        "size": query.size + 1,
        "sort": [{"start_date": "asc"}, {"uid": "asc"}],
        "track_total_hits": True,
        "_source": {"excludes": ["text", "uid"]},
    }
    if after is not None:
        body["search_after"] = after
    return body


def _fragments(highlight: dict[str, list[str]]) -> list[str]:
    if highlight.get("text"):
        return highlight["text"]
    # Unigram highlights mark each character: join the marks of one match.
    return [f.replace("</em><em>", "") for f in highlight.get("text.uni", [])]


def read_hits(
    response: dict[str, Any], names: IndexNames, size: int, fingerprint: str, position: int
) -> SearchResult:
    """A page from an engine response (asked for ``size + 1`` hits)."""
    raw = response["hits"]["hits"]
    hits = []
    for h in raw[:size]:
        fragments = _fragments(h.get("highlight", {}))
        hits.append(
            Hit(
                kind=names.kind_of(h["_index"]) or h["_source"].get("kind", ""),
                id=h["_id"],
                score=h.get("_score"),
                source=public_source(h["_source"]),
                highlight={"text": fragments} if fragments else {},
            )
        )
    next_cursor = encode_cursor(raw[size - 1]["sort"], fingerprint) if len(raw) > size else None
    aggregations = response.get("aggregations", {})
    facets = {
        name: [{"value": b["key"], "count": b["doc_count"]} for b in agg["buckets"]]
        for name, agg in aggregations.items()
    }
    total = response["hits"]["total"]
    return SearchResult(
        total=total["value"] if isinstance(total, dict) else int(total),
        hits=hits,
        next_cursor=next_cursor,
        position=position,
        facets=facets,
    )
