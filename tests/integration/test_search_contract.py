"""The search contract, run once per SearchIndex: the basic search over SQLite read models, a real
OpenSearch node, and Elasticsearch when ``JIANDU_TEST_ELASTICSEARCH_URL`` names one.

``SearchContract`` holds the tests; each subclass only says how to make a fresh, empty index
(``make_index``). The county (``tests.support.search``) is recorded once per module into a SQLite
event store; every index is fed from it in small batches, as a long-running follower would.
"""

from __future__ import annotations

import os
import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest

from consumers.envelope import encode as encode_envelope
from consumers.envelope import parse
from domain.errors import InvalidValue
from domain.ids import cadre_id
from domain.store import Store
from projections.following import Mark
from projections.search.basic import BasicIndex
from projections.search.clients import ClientEngine, ElasticsearchEngine, OpenSearchEngine
from projections.search.documents import SearchDocuments
from projections.search.engine_index import EngineIndex
from projections.search.follower import SearchIndexer
from projections.search.port import SearchIndex
from projections.search.query import FACET_SIZE, FACETS, SearchRequest, SecondmentQuery
from projections.search.schema import COMMON, FIELDS, KINDS, IndexNames
from projections.source import StoreSource
from projections.sql import PostgresViews, SqliteViews
from tests.support.search import HEADLINE, TODAY, County, batches, record_county

MakeIndex = Callable[[], SearchIndex]
HOSTILE = [
    '"借调', "借调'", "*:*", '{"query":{"match_all":{}}}', "借\x00调\x1f", "借调\u202e",
    "\\", "%", "_", "%_%", "' OR 1=1 --", "<script>alert(1)</script>", "( [ { ~ ^ / : ! ? }",
    "AND OR NOT", "借调~2", "借调^10", "name:*", "\ud800借调", "\t\n\r", "", "   ",
]  # fmt: skip


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, County]]:
    """The county recorded once, and a store open on it."""
    path = tmp_path_factory.mktemp("search-world") / "events.sqlite3"
    env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path)}
    county = record_county(env)
    store = Store(env=env)
    yield store, county
    store.close()


def feed(index: SearchIndex, store: Store, size: int = 7) -> None:
    """Every event of the store, in small batches, then made searchable."""
    index.ensure()
    for batch in batches(store, size):
        index.apply(batch)
    index.refresh()


def texts(index: SearchIndex, kind: str, word: str) -> set[str]:
    """Ids of the live documents of a kind whose words contain ``word`` (the expected hits)."""
    return {
        doc_id
        for doc_id, (_, source) in index.documents(kind).items()
        if not source["retracted"] and any(word in t.lower() for t in source["text"])
    }


def every_hit(index: SearchIndex, request: SearchRequest) -> list[Any]:
    """All hits of a request, page by page."""
    hits, cursor = [], None
    while True:
        page = index.search(SearchRequest(**{**request.__dict__, "cursor": cursor}))
        hits += page.hits
        cursor = page.next_cursor
        if cursor is None:
            return hits


def snapshot(index: SearchIndex) -> dict[str, dict[str, tuple[int, dict[str, Any]]]]:
    """Every document of every kind with its version."""
    index.refresh()
    return {kind: index.documents(kind) for kind in KINDS}


def test_every_field_of_every_document_is_mapped(world: tuple[Store, County]) -> None:
    """The engine mappings are strict: a field the builder adds without mapping it is refused."""
    builder = SearchDocuments(StoreSource(world[0]))
    seen: dict[str, set[str]] = {kind: set() for kind in KINDS}
    for batch in batches(world[0], 10):
        for doc in builder.build(batch):
            seen[doc.kind] |= set(doc.source)
    for kind, fields in seen.items():
        assert fields, kind
        assert fields <= set(COMMON) | set(FIELDS[kind]), (kind, fields - set(FIELDS[kind]))


class SearchContract:
    """What every search index must do."""

    @pytest.fixture(scope="class")
    @classmethod
    def make_index(cls, world: tuple[Store, County]) -> Iterator[MakeIndex]:
        raise NotImplementedError

    @pytest.fixture(scope="class")
    @classmethod
    def index(cls, make_index: MakeIndex, world: tuple[Store, County]) -> SearchIndex:
        """The county indexed once per class (the tests that write make their own)."""
        made = make_index()
        feed(made, world[0])
        return made

    # -- Chinese text ------------------------------------------------------------------------

    @pytest.mark.parametrize("word", ["借调", "借调人员", "违规借调", "借", "调人"])
    def test_a_word_finds_exactly_the_documents_containing_it(
        self, index: SearchIndex, word: str
    ) -> None:
        for kind in KINDS:
            hits = every_hit(index, SearchRequest(q=word, kind=kind, size=50))
            assert {h.id for h in hits} == texts(index, kind, word), kind

    def test_borrowing_finds_borrowed_staff_and_illegal_borrowing(
        self, index: SearchIndex, world: tuple[Store, County]
    ) -> None:
        county = world[1]
        events = every_hit(index, SearchRequest(q="借调", kind="events", size=50))
        found = {(h.source["type"], h.source.get("cadre_name")) for h in events}
        assert ("Seconded", "张伟") in found  # 抽调借调人员参与巡察整改
        assert ("Admonished", "杨磊") in found  # 违规借调下级干部
        assert ("ComplaintFiled", None) in found  # 关于违规借调的举报
        assert ("Seconded", "赵敏") not in found  # 借用车辆调度: 借 and 调, not 借调
        complaints = index.search(SearchRequest(q="借调", kind="complaints"))
        assert [h.id for h in complaints.hits] == [county.ids["complaint_secondment"]]
        assert any("<em>借调</em>" in f for f in complaints.hits[0].highlight["text"])
        staff = index.search(SearchRequest(q="借调人员", kind="secondments"))
        assert [h.source["cadre_code"] for h in staff.hits] == ["S01"]

    def test_a_persons_name_finds_their_events(
        self, index: SearchIndex, world: tuple[Store, County]
    ) -> None:
        hits = every_hit(index, SearchRequest(q="张伟", kind="events", size=50))
        theirs = {
            doc_id
            for doc_id, (_, s) in index.documents("events").items()
            if s["aggregate_id"] == str(cadre_id("S01"))
        }
        assert {h.id for h in hits} == theirs
        assert {h.source["type"] for h in hits} >= {"CadreRegistered", "Recruited", "Seconded"}
        cadre = index.search(SearchRequest(q="张伟", kind="cadres"))
        assert [h.id for h in cadre.hits] == ["S01"]

    def test_the_reporter_is_never_found(self, index: SearchIndex) -> None:
        for q in ("钱多多", "13900001111", "已受理"):
            assert index.search(SearchRequest(q=q)).total == 0, q
        for kind in ("complaints", "events"):
            for _, source in index.documents(kind).values():
                flat = repr(source)
                assert "reporter_sealed" not in flat and "receipt_fingerprint" not in flat
                assert "钱多多" not in flat

    # -- the headline query ------------------------------------------------------------------

    def test_the_headline_query_returns_exactly_the_illegal_secondments(
        self, index: SearchIndex, world: tuple[Store, County]
    ) -> None:
        county = world[1]
        result = index.secondments(SecondmentQuery(as_of=TODAY, **HEADLINE))  # type: ignore[arg-type]
        assert {h.id for h in result.hits} == county.illegal
        assert result.total == len(county.illegal) == 3
        for hit in result.hits:
            assert hit.extra["active"] is True and hit.extra["duration_days"] > 180
            assert hit.source["home_level"] == "township" and not hit.source["approved"]

    @pytest.mark.parametrize(
        ("query", "codes"),
        [
            ({"approved": True}, {"S02"}),
            ({"active": False}, {"S05"}),
            ({"home_levels": ("county",)}, {"S06"}),
            ({"host_levels": ("township",)}, {"S07"}),
            ({"min_days": 179, "unit": "C-ORG", "approved": False}, {"S01", "S09"}),
            ({"cadre": "S08"}, set()),  # retracted
            ({"min_days": 300, "active": None}, {"S04", "S05", "S06", "S07", "S11"}),
        ],
    )
    def test_secondment_filters(
        self,
        index: SearchIndex,
        world: tuple[Store, County],
        query: dict[str, Any],
        codes: set[str],
    ) -> None:
        county = world[1]
        result = index.secondments(SecondmentQuery(as_of=TODAY, **query))
        assert {h.source["cadre_code"] for h in result.hits} == codes
        assert {h.id for h in result.hits} == {county.secondments[c] for c in codes}

    def test_secondments_as_of_an_earlier_date(self, index: SearchIndex) -> None:
        earlier = SecondmentQuery(as_of=date(2025, 12, 1), **HEADLINE)  # type: ignore[arg-type]
        # 陈静 (S05) was still seconded then: it ended on 2025-12-31.
        assert {h.source["cadre_code"] for h in index.secondments(earlier).hits} == {"S04", "S05"}
        paged = SecondmentQuery(as_of=TODAY, size=1, **HEADLINE)  # type: ignore[arg-type]
        first = index.secondments(paged)
        assert first.total == 3 and len(first.hits) == 1 and first.next_cursor
        second = index.secondments(
            SecondmentQuery(**{**paged.__dict__, "cursor": first.next_cursor})
        )
        assert second.total == 3 and second.hits[0].id != first.hits[0].id

    # -- filters, facets, pages --------------------------------------------------------------

    def test_filters_combine(self, index: SearchIndex, world: tuple[Store, County]) -> None:
        findings = index.search(SearchRequest(kind="findings", rule="R-SEC-*"))
        assert {h.source["rule"] for h in findings.hits} == {"R-SEC-01", "R-SEC-04"}
        assert index.search(SearchRequest(kind="findings", rule="R-SEC-0")).total == 0
        about = every_hit(index, SearchRequest(cadre="S04", size=50))
        assert {h.kind for h in about} == {"events", "cadres", "complaints", "findings",
                                           "secondments"}  # fmt: skip
        typed = every_hit(index, SearchRequest(kind="events", type="Seconded", unit="T1"))
        assert {h.source["cadre_name"] for h in typed} == {"张伟", "李娜", "王芳", "赵敏", "周杰"}
        window = every_hit(
            index,
            SearchRequest(kind="secondments", date_from=date(2026, 1, 1), date_to=date(2026, 3, 1)),
        )
        assert {h.source["cadre_code"] for h in window} == {"S01", "S02", "S11"}
        assert index.search(SearchRequest(q="借调", kind="events", unit="CITY")).total >= 1
        assert index.search(SearchRequest(q="借调", cadre="NOBODY")).total == 0

    @pytest.mark.parametrize(
        "request_",
        [
            SearchRequest(size=100),
            SearchRequest(q="借调", size=100),
            SearchRequest(kind="events", unit="T1", size=100),
            SearchRequest(kind="findings", size=100, include_retracted=True),
        ],
    )
    def test_facets_count_every_match(self, index: SearchIndex, request_: SearchRequest) -> None:
        result = index.search(request_)
        hits = every_hit(index, request_)
        assert len(hits) == result.total > 0
        for name, field in FACETS.items():
            counts: Counter[str] = Counter()
            for hit in hits:
                value = hit.kind if field == "kind" else hit.source.get(field)
                for v in value if isinstance(value, list) else [value]:
                    if v is not None:
                        counts[v] += 1
            expected = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:FACET_SIZE]
            assert [(b["value"], b["count"]) for b in result.facets[name]] == expected, name

    @pytest.mark.parametrize(
        "request_",
        [
            SearchRequest(size=4),
            SearchRequest(q="借调", size=3),
            SearchRequest(kind="events", unit="T1", size=5),
            SearchRequest(q="镇", size=7),
        ],
    )
    def test_cursor_pages_through_every_hit_once(
        self, index: SearchIndex, request_: SearchRequest
    ) -> None:
        everything = index.search(SearchRequest(**{**request_.__dict__, "size": 1000}))
        pages = every_hit(index, request_)
        ids = [(h.kind, h.id) for h in pages]
        assert len(ids) == len(set(ids)) == everything.total
        assert ids == [(h.kind, h.id) for h in everything.hits]

    def test_a_cursor_only_serves_its_own_query(self, index: SearchIndex) -> None:
        page = index.search(SearchRequest(q="借调", size=2))
        assert page.next_cursor
        for bad in (page.next_cursor + "x", "not-a-cursor", "e30", page.next_cursor[::-1]):
            with pytest.raises(InvalidValue):
                index.search(SearchRequest(q="借调", size=2, cursor=bad))
        with pytest.raises(InvalidValue):
            index.search(SearchRequest(q="镇", size=2, cursor=page.next_cursor))

    def test_hostile_text_is_plain_text(self, index: SearchIndex) -> None:
        plain = index.search(SearchRequest(q="借调")).total
        for q in HOSTILE:
            result = index.search(SearchRequest(q=q, size=5))
            assert result.total >= 0
        for q in ("*:*", "%", "_", "%_%", '{"query":{"match_all":{}}}', "name:*"):
            assert index.search(SearchRequest(q=q)).total == 0, q
        for q in ('"借调', "借调'", "借调\u202e", "\ud800借调"):
            assert index.search(SearchRequest(q=q)).total == plain, q
        for q in ("借" * 10_000, " ".join(["借"] * 17) + " 调 x y z a b c d e f g h i j k l"):
            with pytest.raises(InvalidValue):
                index.search(SearchRequest(q=q))

    def test_retracted_entries_are_hidden_unless_asked_for(
        self, index: SearchIndex, world: tuple[Store, County]
    ) -> None:
        sid = world[1].secondments["S08"]
        assert index.search(SearchRequest(kind="secondments", cadre="S08")).total == 0
        shown = index.search(SearchRequest(kind="secondments", cadre="S08", include_retracted=True))
        assert [h.id for h in shown.hits] == [sid]
        seconded = index.search(
            SearchRequest(kind="events", cadre="S08", type="Seconded", include_retracted=True)
        )
        assert [h.source["retracted"] for h in seconded.hits] == [True]

    # -- writes ------------------------------------------------------------------------------

    def test_the_position_is_the_last_event_applied(
        self, index: SearchIndex, world: tuple[Store, County]
    ) -> None:
        assert index.position() == world[1].position
        assert index.search(SearchRequest(q="借调")).position == world[1].position

    def test_replays_duplicates_and_disorder_change_nothing(
        self, make_index: MakeIndex, world: tuple[Store, County]
    ) -> None:
        store = world[0]
        first = make_index()
        feed(first, store, size=5)
        expected = snapshot(first)
        assert sum(len(docs) for docs in expected.values()) > 50
        for batch in batches(store, 5):  # a replay of everything
            assert first.apply(batch).written == 0
        for batch in reversed(batches(store, 3)):  # old deliveries, newest first
            assert first.apply(batch).written == 0
        assert snapshot(first) == expected
        shuffled = make_index()  # from nothing, in random order, with duplicates
        shuffled.ensure()
        deliveries = batches(store, 4) * 2
        random.Random(8).shuffle(deliveries)
        for batch in deliveries:
            shuffled.apply(batch)
        assert snapshot(shuffled) == expected
        assert shuffled.position() == first.position() == world[1].position

    def test_a_reindex_swaps_in_while_searches_keep_answering(
        self, make_index: MakeIndex, world: tuple[Store, County]
    ) -> None:
        store, county = world
        index = make_index()
        feed(index, store)
        before = {(h.kind, h.id) for h in every_hit(index, SearchRequest(q="借调", size=50))}
        failures: list[BaseException] = []
        results: list[int] = []

        def slowly(_: Any) -> None:
            time.sleep(0.05)  # the new index fills batch by batch while searches run

        def rebuild() -> None:
            try:
                index.reindex(StoreSource(store), slowly, batch_size=5)
            except BaseException as error:  # reported by the test thread
                failures.append(error)

        worker = threading.Thread(target=rebuild)
        worker.start()
        while worker.is_alive():
            for request in (SearchRequest(q="借调"), SearchRequest(kind="events")):
                try:
                    results.append(index.search(request).total)
                except Exception as error:
                    failures.append(error)
        worker.join()
        assert not failures
        assert len(results) > 20 and min(results) > 0
        after = {(h.kind, h.id) for h in every_hit(index, SearchRequest(q="借调", size=50))}
        assert after == before
        assert index.position() == county.position
        assert index.secondments(SecondmentQuery(as_of=TODAY, **HEADLINE)).total == 3  # type: ignore[arg-type]


class TestBasicSearch(SearchContract):
    """The embedded mode's search: SQL read models in SQLite, LIKE substring matching."""

    @pytest.fixture(scope="class")
    @classmethod
    def make_index(
        cls, world: tuple[Store, County], tmp_path_factory: pytest.TempPathFactory
    ) -> Iterator[MakeIndex]:
        store = world[0]
        folder = tmp_path_factory.mktemp("basic-search")

        def make() -> SearchIndex:
            views = SqliteViews(str(folder / f"views-{uuid.uuid4().hex[:8]}.sqlite3"))
            return BasicIndex(views, StoreSource(store))

        yield make


@pytest.mark.postgres
class TestBasicSearchOnPostgres(SearchContract):
    """Distributed mode without a search engine: the basic search over PostgreSQL read models."""

    @pytest.fixture(scope="class")
    @classmethod
    def make_index(cls, world: tuple[Store, County], postgres_url: str) -> Iterator[MakeIndex]:
        made: list[PostgresViews] = []

        def make() -> SearchIndex:
            made.append(PostgresViews(postgres_url, schema=f"search_{uuid.uuid4().hex[:10]}"))
            return BasicIndex(made[-1], StoreSource(world[0]))

        yield make
        for views in made:
            with views.transaction() as cur:
                cur.execute(f"DROP SCHEMA {views.schema} CASCADE")
            views.close()


class EngineContract(SearchContract):
    """An engine adapter: every index of a test lives under a prefix of its own."""

    @pytest.fixture(scope="class")
    @classmethod
    def engine(cls) -> Iterator[ClientEngine]:
        raise NotImplementedError

    @pytest.fixture(scope="class")
    @classmethod
    def make_index(cls, engine: ClientEngine, world: tuple[Store, County]) -> Iterator[MakeIndex]:
        prefixes: list[str] = []

        def make() -> SearchIndex:
            prefixes.append(f"jt{uuid.uuid4().hex[:10]}")
            return EngineIndex(engine, StoreSource(world[0]), IndexNames(prefixes[-1]))

        yield make
        for prefix in prefixes:
            for name in engine.indices(f"{prefix}-*"):
                engine.delete_index(name)


@pytest.mark.search
class TestOpenSearch(EngineContract):
    """A real OpenSearch node (deploy/local/search.sh, or JIANDU_TEST_SEARCH_URL)."""

    @pytest.fixture(scope="class")
    @classmethod
    def engine(cls, search_url: str) -> Iterator[ClientEngine]:
        engine = OpenSearchEngine(search_url)
        yield engine
        engine.close()


ELASTICSEARCH_URL = os.environ.get("JIANDU_TEST_ELASTICSEARCH_URL")


@pytest.mark.search
@pytest.mark.skipif(
    not ELASTICSEARCH_URL,
    reason="JIANDU_TEST_ELASTICSEARCH_URL is unset: no Elasticsearch 8/9 server to run against "
    "(its server cannot be assembled from the registries these machines reach; see INFRA.md)",
)
class TestElasticsearch(EngineContract):
    """A real Elasticsearch 8.x/9.x server named by JIANDU_TEST_ELASTICSEARCH_URL."""

    @pytest.fixture(scope="class")
    @classmethod
    def engine(cls) -> Iterator[ClientEngine]:
        assert ELASTICSEARCH_URL is not None
        engine = ElasticsearchEngine(ELASTICSEARCH_URL)
        yield engine
        engine.close()


def test_the_kafka_indexer_group_writes_the_same_documents(
    world: tuple[Store, County], tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Envelopes off the topic (reporter fields stripped), through the indexer group's sink,
    in partition-like interleavings with redeliveries, give the documents a follower gives."""
    store = world[0]
    folder = tmp_path_factory.mktemp("kafka-sink")
    direct = BasicIndex(SqliteViews(str(folder / "direct.sqlite3")), StoreSource(store))
    feed(direct, store)
    sunk = BasicIndex(SqliteViews(str(folder / "sunk.sqlite3")), StoreSource(store))
    sunk.ensure()
    indexer = SearchIndexer(sunk)
    notifications = store.recorder.select_notifications(start=1, limit=100_000)
    envelopes = [parse(encode_envelope(n, store.mapper)) for n in notifications]
    partitions: dict[int, list[Any]] = {}
    for envelope in envelopes:  # per-aggregate order holds, as on a keyed topic
        partitions.setdefault(hash(envelope.originator_id) % 3, []).append(envelope)
    for part in [*partitions.values(), envelopes[:20]]:  # the last: a redelivery
        for start in range(0, len(part), 6):
            items = [(e.position, e.event()) for e in part[start : start + 6]]
            assert indexer.process(indexer.prepare(items), Mark(None)) == {}
    assert snapshot(sunk) == snapshot(direct)
    assert sunk.position() == 0, "from Kafka the transport records the position, not the batch"
    indexer.record(store.position())
    assert sunk.position() == store.position()
