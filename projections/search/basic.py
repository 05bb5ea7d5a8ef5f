"""The basic search of embedded mode: the same documents in SQL read models, searched with LIKE.

``search_documents`` holds each document (its lower-cased words, sort keys and JSON source) and
``search_terms`` its multi-valued filter fields (units, cadres, rules, levels). Free-text terms
are matched as literal substrings (``LIKE`` with ``%``, ``_`` and ``\\`` escaped); relevance is
how often the terms occur. Writes keep the engine's rule: a document is replaced only by a
higher version, so replays and duplicates change nothing.
"""

from __future__ import annotations

import html
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from projections.following import EventSource, Progress, Runner
from projections.search.documents import Document, HistorySource, SearchDocuments
from projections.search.follower import SearchIndexer
from projections.search.fulltext import WordIndex, query
from projections.search.port import Applied, Prepared
from projections.search.query import (
    FACET_SIZE,
    FACETS,
    Hit,
    SearchRequest,
    SearchResult,
    SecondmentQuery,
    decode_cursor,
    encode_cursor,
    public_source,
    rule_prefix,
)
from projections.sql import POSITIONS, SqliteViews, SqlViews
from projections.view import Table

DOCUMENTS = Table(
    "search_documents",
    {
        "kind": "TEXT", "id": "TEXT", "version": "BIGINT", "uid": "TEXT", "type": "TEXT",
        "at": "TEXT", "retracted": "INTEGER", "words": "TEXT", "source": "JSON",
    },
    key=("kind", "id"),
    indexes=(("uid",), ("kind", "at"), ("kind", "type", "retracted")),
)  # fmt: skip
TERMS = Table(
    "search_terms",
    {"kind": "TEXT", "id": "TEXT", "field": "TEXT", "value": "TEXT"},
    key=("kind", "id", "field", "value"),
    indexes=(("field", "value"),),
)
TERM_FIELDS = ("units", "cadres", "rules", "home_level", "host_level")
NAME = "search"
COUNTED = 256  # searches whose total and facets are kept until the index moves
PAGES = 128  # pages of searches kept whole until the index moves
Counted = tuple[int, dict[str, list[dict[str, Any]]]]
SCORED = (int, str)
DATED = (str, str)


def like_pattern(term: str) -> str:
    """``%term%`` with LIKE's wildcards escaped (used with ``ESCAPE '\\'``)."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def highlight(texts: Sequence[str], terms: Sequence[str], limit: int = 3) -> list[str]:
    """HTML fragments of the texts containing a term, each occurrence in ``<em>``."""
    fragments = []
    for text in texts:
        lowered = text.lower()
        if len(lowered) != len(text):
            continue  # case folding moved characters: no safe offsets
        spans = sorted(
            (i, i + len(t)) for t in terms for i in _occurrences(lowered, t)
        )  # fmt: skip
        if not spans:
            continue
        start = max(0, spans[0][0] - 40)
        end = min(len(text), start + 100)
        out, at = [], start
        for s, e in spans:
            if s < at or e > end:
                continue
            out += [html.escape(text[at:s]), "<em>", html.escape(text[s:e]), "</em>"]
            at = e
        out.append(html.escape(text[at:end]))
        fragments.append("".join(out))
        if len(fragments) == limit:
            break
    return fragments


def _occurrences(text: str, term: str) -> Iterator[int]:
    at = text.find(term)
    while at >= 0:
        yield at
        at = text.find(term, at + len(term))


class BasicIndex:
    """The SearchIndex port over SQL views (SQLite in embedded mode, PostgreSQL works too)."""

    engine = "basic"

    def __init__(self, views: SqlViews, source: HistorySource, suffix: str = "") -> None:
        self.views = views
        self.source = source
        self.suffix = suffix
        self.documents_table = DOCUMENTS.renamed(DOCUMENTS.name + suffix)
        self.terms_table = TERMS.renamed(TERMS.name + suffix)
        self.builder = SearchDocuments(source)
        self.lock = threading.RLock()
        self._docs, self._terms = self.documents_table.name, self.terms_table.name
        # On SQLite free text is found through a word index; elsewhere by scanning (LIKE).
        self.words = WordIndex(suffix) if isinstance(views, SqliteViews) else None
        self._join = "CROSS JOIN" if isinstance(views, SqliteViews) else "JOIN"
        self._counted: OrderedDict[tuple[str, tuple[Any, ...]], Counted] = OrderedDict()
        self._counted_at = -1
        self._counted_lock = threading.Lock()
        self._pages: OrderedDict[SearchRequest, SearchResult] = OrderedDict()

    def _sql(self, sql: str) -> str:
        return sql.replace("?", self.views.placeholder)

    def ensure(self) -> None:
        self.views.ensure([self.documents_table, self.terms_table])
        if self.words is None or self.words.name in self.views.existing_tables():
            return
        with self.lock, self.views.transaction() as cur:  # documents indexed before it existed
            self.words.create(cur)
            cur.execute(f"SELECT rowid, words FROM {self._docs}")
            self.words.add(cur, cur.fetchall())

    def tables(self) -> list[Table]:
        """The tables this index keeps (swapped together by a reindex)."""
        words = [self.words.table] if self.words is not None else []
        return [self.documents_table, self.terms_table, *words]

    # -- writing ----------------------------------------------------------------------------

    def apply(self, batch: Sequence[tuple[int, Any]]) -> Applied:
        return self.commit(self.prepare(batch))

    def prepare(self, batch: Sequence[tuple[int, Any]]) -> Prepared:
        newest: dict[tuple[str, str], Document] = {}
        for doc in self.builder.build(batch):
            seen = newest.get((doc.kind, doc.id))
            if seen is None or doc.version > seen.version:
                newest[(doc.kind, doc.id)] = doc
        return Prepared(list(newest.values()), max((p for p, _ in batch), default=0), len(batch))

    def commit(self, prepared: Prepared) -> Applied:
        if not prepared.events:
            return Applied(0)
        with self.lock, self.views.transaction() as cur:
            docs = prepared.documents
            stored = self._stored(cur, [(d.kind, d.id) for d in docs])
            winners = [d for d in docs if d.version > stored.get((d.kind, d.id), (0,))[0]]
            self._write(cur, winners)
            if self.words is not None:
                self._index_words(cur, stored, winners)
            if prepared.position is not None:
                cur.execute(
                    self._sql(
                        f"INSERT INTO {POSITIONS.name} (name, position) VALUES (?, ?) "
                        "ON CONFLICT (name) DO UPDATE SET position = excluded.position "
                        f"WHERE excluded.position > {POSITIONS.name}.position"
                    ),
                    [NAME + self.suffix, prepared.position],
                )
        return Applied(len(winners))

    def record(self, position: int) -> None:
        """Record the position reached (an older one than stored is ignored)."""
        self.views.advance({NAME + self.suffix: position})

    def _stored(
        self, cur: Any, keys: list[tuple[str, str]]
    ) -> dict[tuple[str, str], tuple[int, int, str]]:
        """The stored version, rowid and words of those documents that exist."""
        found: dict[tuple[str, str], tuple[int, int, str]] = {}
        by_kind: dict[str, list[str]] = {}
        for kind, doc_id in keys:
            by_kind.setdefault(kind, []).append(doc_id)
        rowid = "rowid" if self.words is not None else "0"
        for kind, ids in by_kind.items():
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                marks = ", ".join("?" for _ in chunk)
                cur.execute(
                    self._sql(
                        f"SELECT id, version, {rowid}, words FROM {self._docs} "
                        f"WHERE kind = ? AND id IN ({marks})"
                    ),
                    [kind, *chunk],
                )
                found.update({(kind, r[0]): (int(r[1]), int(r[2]), r[3]) for r in cur.fetchall()})
        return found

    def _index_words(
        self,
        cur: Any,
        before: dict[tuple[str, str], tuple[int, int, str]],
        written: list[Document],
    ) -> None:
        """Move the word index along with documents whose words changed."""
        assert self.words is not None
        now = self._stored(cur, [(d.kind, d.id) for d in written])
        changed = [
            k for k, (_, _, words) in now.items() if k not in before or before[k][2] != words
        ]
        self.words.remove(cur, [before[k][1:] for k in changed if k in before])
        self.words.add(cur, [now[k][1:] for k in changed])

    def _write(self, cur: Any, docs: list[Document]) -> None:
        if not docs:
            return
        columns = list(DOCUMENTS.columns)
        updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in DOCUMENTS.key)
        cur.executemany(
            self._sql(
                f"INSERT INTO {self._docs} ({', '.join(columns)}) "
                f"VALUES ({', '.join('?' for _ in columns)}) "
                f"ON CONFLICT (kind, id) DO UPDATE SET {updates}"
            ),
            [self._row(d) for d in docs],
        )
        cur.executemany(
            self._sql(f"DELETE FROM {self._terms} WHERE kind = ? AND id = ?"),
            [(d.kind, d.id) for d in docs],
        )
        terms = [
            (d.kind, d.id, name, str(value))
            for d in docs
            for name in TERM_FIELDS
            for value in dict.fromkeys(_values(d.source.get(name)))
        ]
        if terms:
            cur.executemany(
                self._sql(
                    f"INSERT INTO {self._terms} (kind, id, field, value) VALUES (?, ?, ?, ?)"
                ),
                terms,
            )

    @staticmethod
    def _row(d: Document) -> list[Any]:
        s = d.source
        return [
            d.kind, d.id, d.version, s["uid"], s.get("type"), s.get("at"),
            int(bool(s.get("retracted"))), "\n".join(s.get("text", [])).lower(),
            json.dumps(s, ensure_ascii=False, sort_keys=True),
        ]  # fmt: skip

    def position(self) -> int:
        return self.views.positions().get(NAME + self.suffix, 0)

    def refresh(self) -> None:
        """Nothing to do: a committed transaction is visible at once."""

    # -- searching --------------------------------------------------------------------------

    def _filters(self, request: SearchRequest, terms: list[str]) -> tuple[list[str], list[Any]]:
        where, params = [], []
        if not request.include_retracted:
            where.append("d.retracted = 0")
        for column, value in (("d.kind", request.kind), ("d.type", request.type)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        rule, is_prefix = rule_prefix(request.rule)
        for field, value, prefix in (
            ("units", request.unit, False),
            ("cadres", request.cadre, False),
            ("rules", rule, is_prefix),
        ):
            if value is not None:
                test = "t.value LIKE ? ESCAPE '\\'" if prefix else "t.value = ?"
                # Found through the terms' (field, value) index, not tested document by document.
                where.append(
                    f"(d.kind, d.id) IN (SELECT t.kind, t.id FROM {self._terms} t "
                    f"WHERE t.field = ? AND {test})"
                )
                params += [field, like_pattern(value)[1:] if prefix else value]
        if request.date_from:
            where.append("d.at >= ?")
            params.append(request.date_from.isoformat())
        if request.date_to:
            where.append("d.at <= ?")
            params.append(request.date_to.isoformat())
        if terms and self.words is not None:
            where.append(self.words.candidates("d.rowid"))
            params.append(query(terms))
        for term in terms:  # what the index found, checked (and without one, scanned)
            where.append("d.words LIKE ? ESCAPE '\\'")
            params.append(like_pattern(term))
        return where or ["1 = 1"], params

    def search(self, request: SearchRequest) -> SearchResult:
        terms = request.terms()
        fingerprint = request.fingerprint()
        after = decode_cursor(request.cursor, fingerprint, SCORED if terms else DATED)
        position = self.position()  # read first: what follows is at least as new
        if request.finds_nothing(terms):
            return SearchResult(0, [], None, position)
        kept = self._kept_page(request, position)
        if kept is not None:
            return kept
        result = self._search(request, terms, fingerprint, after, position)
        with self._counted_lock:
            if self._counted_at == position:
                self._pages[request] = result
                while len(self._pages) > PAGES:
                    self._pages.popitem(last=False)
        return _fresh(result)

    def _kept_page(self, request: SearchRequest, position: int) -> SearchResult | None:
        """The same search's answer at the same index position, if it was kept: the index has
        not moved since, so it is the answer again (the same hits, total, facets, cursor)."""
        with self._counted_lock:
            self._at(position)
            kept = self._pages.get(request)
            if kept is None:
                return None
            self._pages.move_to_end(request)
        return _fresh(kept)

    def _at(self, position: int) -> None:
        """Forget what was kept at another index position (call with the lock held)."""
        if self._counted_at != position:
            self._counted.clear()
            self._pages.clear()
            self._counted_at = position

    def _search(
        self,
        request: SearchRequest,
        terms: list[str],
        fingerprint: str,
        after: list[Any] | None,
        position: int,
    ) -> SearchResult:
        where, params = self._filters(request, terms)
        clause = " AND ".join(where)
        counted = self._kept_counts((clause, tuple(params)), position)
        score = " + ".join(
            "(LENGTH(d.words) - LENGTH(REPLACE(d.words, CAST(? AS TEXT), ''))) "
            "/ LENGTH(CAST(? AS TEXT))"
            for _ in terms
        )
        score_params = [x for t in terms for x in (t, t)]
        key, order = ("score", "score DESC") if terms else ("at", "at DESC")
        matched = (
            f"SELECT d.kind, d.id, d.type, d.uid, d.at, {score or '0'} AS score "
            f"FROM {self._docs} d WHERE {clause}"
        )
        matched_params = [*score_params, *params]
        # The first time these filters are searched at this index position, the page, the
        # total and the facets come from one statement: the matching documents are found once.
        source = "matched" if counted is None else f"({matched})"
        page = f"SELECT kind, id, uid, at, score FROM {source} s"
        page_params: list[Any] = []
        if after is not None:
            page += f" WHERE ({key} < ? OR ({key} = ? AND uid > ?))"
            page_params += [after[0], after[0], after[1]]
        page += f" ORDER BY {order}, uid LIMIT {int(request.size) + 1}"
        # The sources of the page's documents only (sorting never carries them).
        page = (
            "SELECT 0 AS facet, NULL AS value, NULL AS n, p.kind AS kind, p.id AS id, "
            f"p.uid AS uid, p.at AS at, p.score AS score, d.source AS source FROM ({page}) p "
            f"JOIN {self._docs} d ON d.kind = p.kind AND d.id = p.id"
        )
        if counted is None:
            facet_rows, facet_params = self._facet_parts()
            rows = self.views.query(
                f"WITH matched AS MATERIALIZED ({matched}) {page} UNION ALL {facet_rows} "
                f"ORDER BY facet, n DESC, value, {order}, uid",
                [*matched_params, *page_params, *facet_params],
            )
            counted = self._keep_counts((clause, tuple(params)), position, rows)
            rows = [r for r in rows if r["facet"] == 0]
        else:
            rows = self.views.query(
                f"{page} ORDER BY p.{order}, p.uid", [*matched_params, *page_params]
            )
        hits = []
        for row in rows[: request.size]:
            document = json.loads(row["source"])
            marked = highlight(document.get("text", []), terms) if terms else []
            hits.append(
                Hit(
                    kind=row["kind"],
                    id=row["id"],
                    score=float(row["score"]) if terms else None,
                    source=public_source(document),
                    highlight={"text": marked} if marked else {},
                )
            )
        last = rows[request.size - 1] if len(rows) > request.size else None
        total, facets = counted
        return SearchResult(
            total=total,
            hits=hits,
            next_cursor=encode_cursor([last[key], last["uid"]], fingerprint) if last else None,
            position=position,
            facets=facets,
        )

    def _kept_counts(self, key: tuple[str, tuple[Any, ...]], position: int) -> Counted | None:
        """The total and facets of these filters at this index position, if kept.

        They change only when the index moves, so they are kept per position: the next page of
        a search, and the same filters searched again, cost only their page."""
        with self._counted_lock:
            self._at(position)
            kept = self._counted.get(key)
            if kept is not None:
                self._counted.move_to_end(key)
            return kept

    def _keep_counts(
        self, key: tuple[str, tuple[Any, ...]], position: int, rows: list[dict[str, Any]]
    ) -> Counted:
        """The total and facets read from a search's rows (facet 1 the total, then one number
        per facet), kept for the position they were counted at."""
        total = 0
        facets: dict[str, list[dict[str, Any]]] = {name: [] for name in FACETS}
        names = list(FACETS)
        for row in rows:
            if row["facet"] == 1:
                total = int(row["n"])
            elif row["facet"] > 1:
                bucket = {"value": row["value"], "count": int(row["n"])}
                facets[names[row["facet"] - 2]].append(bucket)
        counted = (total, facets)
        with self._counted_lock:
            if self._counted_at == position:
                self._counted[key] = counted
                while len(self._counted) > COUNTED:
                    self._counted.popitem(last=False)
        return counted

    def _facet_parts(self) -> tuple[str, list[Any]]:
        """The total and every facet of the ``matched`` documents, as rows of a compound select
        (facet 1 the total, then one number per facet, page columns empty); each facet keeps its
        own order and limit (most documents first, then by value)."""
        empty = "NULL, NULL, NULL, NULL, NULL, NULL"
        parts = [f"SELECT 1, NULL, COUNT(*), {empty} FROM matched"]
        args: list[Any] = []
        for number, field in enumerate(FACETS.values(), start=2):
            if field in ("kind", "type"):
                counted = (
                    f"SELECT m.{field} AS value, COUNT(*) AS n FROM matched m "
                    f"WHERE m.{field} IS NOT NULL GROUP BY m.{field}"
                )
            else:
                # From the matching documents to their terms (SQLite would otherwise start from
                # every term of the field).
                counted = (
                    f"SELECT t.value AS value, COUNT(*) AS n FROM matched m "
                    f"{self._join} {self._terms} t ON t.kind = m.kind AND t.id = m.id "
                    "AND t.field = ? GROUP BY t.value"
                )
                args.append(field)
            parts.append(
                f"SELECT {number}, value, n, {empty} FROM "
                f"({counted} ORDER BY n DESC, value LIMIT {FACET_SIZE}) f{number}"
            )
        return " UNION ALL ".join(parts), args

    def secondments(self, query: SecondmentQuery) -> SearchResult:
        fingerprint = query.fingerprint()
        after = decode_cursor(query.cursor, fingerprint, DATED)
        where = ["d.kind = 'secondments'", "d.retracted = 0", "d.at <= ?"]
        params: list[Any] = [query.as_of.isoformat()]
        for field, values in (("home_level", query.home_levels), ("host_level", query.host_levels)):
            if values:
                marks = ", ".join("?" for _ in values)
                where.append(
                    f"EXISTS (SELECT 1 FROM {self._terms} t WHERE t.kind = d.kind "
                    f"AND t.id = d.id AND t.field = ? AND t.value IN ({marks}))"
                )
                params += [field, *values]
        rows = self.views.query(
            f"SELECT d.id, d.uid, d.source FROM {self._docs} d WHERE {' AND '.join(where)}",
            params,
        )
        found = []
        for row in rows:
            source = json.loads(row["source"])
            if query.matches(source):
                found.append(((source["start_date"], row["uid"]), row["id"], source))
        found.sort(key=lambda item: item[0])
        page = found if after is None else [i for i in found if i[0] > (after[0], after[1])]
        hits = []
        for _, doc_id, source in page[: query.size]:
            active, days = query.state_of(source)
            hits.append(
                Hit(
                    "secondments", doc_id, None, public_source(source),
                    extra={"active": active, "duration_days": days},
                )
            )  # fmt: skip
        more = len(page) > query.size
        return SearchResult(
            total=len(found),
            hits=hits,
            next_cursor=encode_cursor(list(page[query.size - 1][0]), fingerprint) if more else None,
            position=self.position(),
        )

    def document(self, kind: str, doc_id: str) -> tuple[int, dict[str, Any]] | None:
        rows = self.views.query(
            f"SELECT version, source FROM {self._docs} WHERE kind = ? AND id = ?", [kind, doc_id]
        )
        return (int(rows[0]["version"]), json.loads(rows[0]["source"])) if rows else None

    def documents(self, kind: str) -> dict[str, tuple[int, dict[str, Any]]]:
        rows = self.views.query(
            f"SELECT id, version, source FROM {self._docs} WHERE kind = ?", [kind]
        )
        return {r["id"]: (int(r["version"]), json.loads(r["source"])) for r in rows}

    def ping(self) -> None:
        self.views.positions()

    def close(self) -> None:
        """The views belong to the platform, which closes them."""

    # -- reindex ----------------------------------------------------------------------------

    def reindex(
        self,
        source: EventSource,
        on_progress: Callable[[Progress], None] | None = None,
        batch_size: int = 2000,
    ) -> int:
        """Build fresh tables beside the live ones, swap them in (with the position) at once."""
        built = BasicIndex(self.views, source, suffix="__rebuild")
        self.views.drop(built.tables())
        self.views.forget_position(NAME + built.suffix)
        follower = Runner(source, SearchIndexer(built), batch_size)
        follower.catch_up(on_progress)
        with self.paused():
            follower.catch_up(on_progress)
            position = built.position()
            self.views.replace(self.tables(), built.tables(), {NAME + self.suffix: position})
            self.views.forget_position(NAME + built.suffix)
        return position

    @contextmanager
    def paused(self) -> Iterator[None]:
        """No batch of this process is written meanwhile."""
        with self.lock:
            yield


def _values(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _fresh(result: SearchResult) -> SearchResult:
    """A kept result with hits of its own (a caller may add to a hit; the kept one stays)."""
    hits = [
        replace(h, source=dict(h.source), highlight=dict(h.highlight), extra=dict(h.extra))
        for h in result.hits
    ]
    return replace(result, hits=hits)
