"""Benchmark: search latency at 1,000,000 event documents in a real OpenSearch, the search layer's
overhead against the same query body sent with the raw client, and the indexer's throughput
against a bare bulk load of the same documents into the same engine, all in one run.

    deploy/local/search.sh start
    python -m bench.search [--url http://127.0.0.1:59200] [--docs 1000000] [--events 200000]

Latency: synthetic event documents shaped like the indexer's (``documents.document``), bulk
loaded directly; each query runs through ``EngineIndex.search`` (request, cursor, body, parsing,
highlights, facets, position) and, interleaved, as the same body through a raw ``opensearch-py``
client. Throughput: the events of a SQLite store (``.cache/bench/events-200k.sqlite3`` by
default, made by ``bench.rebuild`` when absent) through the indexer's ``Runner.catch_up`` (read,
decode, build, bulk, positions), against ``client.bulk`` of the same documents, prebuilt.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from opensearchpy import OpenSearch

from bench.scratch import stop_cleanly_on_sigterm
from domain.store import Store
from projections.following import Runner
from projections.search.clients import OpenSearchEngine
from projections.search.documents import Document, SearchDocuments, document
from projections.search.dsl import search_body
from projections.search.engine_index import EngineIndex
from projections.search.follower import SearchIndexer
from projections.search.port import Write
from projections.search.query import SearchRequest
from projections.search.schema import KINDS, IndexNames, index_body
from projections.source import StoreSource

# This run's index names (removed when it ends, however it ends): two runs on one engine never
# delete each other's indices.
RUN = uuid.uuid4().hex[:8]
SURNAMES = "张王李赵刘陈杨黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛",
         "明", "超", "秀英", "华", "平", "建国", "志强", "海燕", "晓东"]  # fmt: skip
PURPOSES = ["抽调借调人员参与巡察整改", "借调至县委组织部跟班学习", "专项工作", "脱贫攻坚专项",
            "乡村振兴驻村帮扶", "违规借调问题专项清理", "防汛抗旱值守", "人口普查"]  # fmt: skip
REASONS = ["履职不力", "迟到早退", "违规借调下级干部", "工作调整", "改任", "违反工作纪律",
           "公车私用", "考勤弄虚作假"]  # fmt: skip
TOPICS = ["党纪学习教育培训", "乡村振兴专题培训", "基层治理能力提升班", "财务制度培训"]
TITLES = ["关于违规借调的举报", "反映某镇干部长期不在岗", "反映公车私用问题", "关于优亲厚友的举报"]
TYPES = [  # (type, weight): a career's events, a few complaints and findings
    ("CadreRegistered", 1), ("Recruited", 1), ("ProbationCompleted", 1),
    ("AnnualReviewRecorded", 3), ("Appointed", 1), ("Seconded", 1), ("SecondmentExtended", 1),
    ("SecondmentEnded", 1), ("TrainingRecorded", 1), ("Admonished", 1), ("Removed", 1),
    ("ComplaintFiled", 0.3), ("FindingRaised", 0.2),
]  # fmt: skip


def synthetic_events(count: int, seed: int = 7) -> Iterator[Document]:
    """Event documents as the indexer writes them, with Chinese names, units and phrases."""
    rng = random.Random(seed)
    names = [s + g for s in SURNAMES for g in GIVEN]
    kinds, weights = zip(*TYPES, strict=True)
    towns = [f"T{t:03d}" for t in range(50)]
    start = date(2005, 1, 1)
    for position in range(1, count + 1):
        kind = rng.choices(kinds, weights)[0]
        code = f"B{rng.randrange(count // 12 + 1):07d}"
        name = rng.choice(names)
        town = rng.choice(towns)
        day = start + timedelta(days=rng.randrange(7000))
        data: dict[str, Any] = {"unit": town}
        rules: list[str] = []
        if kind in ("Seconded", "SecondmentExtended"):
            data = {"home_unit": town, "host_unit": "C-ORG", "purpose": rng.choice(PURPOSES)}
        elif kind in ("Admonished", "Removed"):
            data = {"unit": town, "reason": rng.choice(REASONS), "authority": "县纪委"}
        elif kind == "TrainingRecorded":
            data = {"topic": rng.choice(TOPICS), "days": 5}
        elif kind == "ComplaintFiled":
            data = {"title": rng.choice(TITLES), "body": rng.choice(REASONS) + "，请调查处理。"}
        elif kind == "FindingRaised":
            rules = [rng.choice(["R-SEC-01", "R-SEC-04", "R-APPT-01", "R-DATA-01"])]
            data = {"rule": rules[0], "details": {"note": rng.choice(PURPOSES)}}
        words = [v for v in data.values() if isinstance(v, str)]
        yield document(
            "events", str(position), position,
            at=day, text=[name, code, *words], units=[town, data.get("host_unit")],
            cadres=[code], type=kind, rules=rules, aggregate="cadre",
            aggregate_id=f"{position:032x}", version=rng.randrange(1, 14),
            effective_date=day.isoformat(), recorded_at=f"{day.isoformat()}T08:00:00+00:00",
            recorded_by="bench", cadre_name=name, data=data,
        )  # fmt: skip


class NoHistory:
    """The latency index is loaded directly: its document builder is never asked."""

    def history(self, originator_id: Any, upto_version: int) -> list[Any]:
        raise AssertionError("not indexing here")


def load(engine: OpenSearchEngine, index: str, docs: Iterator[Document], threads: int = 2) -> int:
    """Bulk load documents with external versions, from a few threads; returns how many."""
    lock, total = threading.Lock(), [0]

    def worker() -> None:
        while True:
            with lock:
                chunk = [Write(index, d.id, d.version, d.source) for d in _take(docs, 5000)]
            if not chunk:
                return
            engine.bulk(chunk)
            with lock:
                total[0] += len(chunk)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return total[0]


def _take(docs: Iterator[Document], n: int) -> list[Document]:
    out = []
    for d in docs:
        out.append(d)
        if len(out) == n:
            break
    return out


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of some timings."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1)]


# -- latency ----------------------------------------------------------------------------------

QUERIES = {
    "借调 (events)": SearchRequest(q="借调", kind="events"),
    "违规借调 (events)": SearchRequest(q="违规借调", kind="events"),
    "name 张伟 (events)": SearchRequest(q="张伟", kind="events"),
    "single char 借": SearchRequest(q="借", kind="events"),
    "filters only": SearchRequest(kind="events", unit="T007", type="Seconded"),
    "借调 + unit + dates": SearchRequest(
        q="借调", kind="events", unit="T007", date_from=date(2010, 1, 1), date_to=date(2020, 1, 1)
    ),
    "借调 all kinds": SearchRequest(q="借调"),
}


def latency(url: str, docs: int, rounds: int) -> dict[str, tuple[float, float, float, float]]:
    """Per query: layer p50, layer p95, raw p50, raw p95 (milliseconds)."""
    engine = OpenSearchEngine(url)
    names = IndexNames(f"jbench-{RUN}")
    try:
        return measure_latency(engine, url, names, docs, rounds)
    finally:
        drop(engine, names)
        engine.close()


def drop(engine: OpenSearchEngine, names: IndexNames) -> None:
    """Delete the indices of a prefix this benchmark made (absent ones are fine)."""
    engine.delete_index(names.meta)
    for kind in KINDS:
        engine.delete_index(names.physical(kind, 1))


def measure_latency(
    engine: OpenSearchEngine, url: str, names: IndexNames, docs: int, rounds: int
) -> dict[str, tuple[float, float, float, float]]:
    index = EngineIndex(engine, NoHistory(), names)
    index.ensure()
    events = names.physical("events", 1)
    engine.put_settings(events, {"refresh_interval": "-1"})
    started = time.perf_counter()
    loaded = load(engine, events, synthetic_events(docs))
    engine.put_settings(events, {"refresh_interval": "1s"})
    engine.refresh(events)
    meta = {"generation": names.generation_key(1), "position": loaded}
    engine.bulk([Write(names.meta, names.generation_key(1), loaded, meta)])
    print(f"loaded {loaded} event documents in {time.perf_counter() - started:.0f} s")
    raw = OpenSearch(hosts=[url], timeout=30)
    aliases = ",".join(names.alias(k) for k in KINDS)
    results = {}
    for label, request in QUERIES.items():
        terms = request.terms()
        body = search_body(request, terms, None)
        target = names.alias(request.kind) if request.kind else aliases
        layer_ms, raw_ms = [], []
        for i in range(rounds + 5):
            t0 = time.perf_counter()
            index.search(request)
            t1 = time.perf_counter()
            raw.search(index=target, body=body)
            t2 = time.perf_counter()
            if i >= 5:  # warm-up
                layer_ms.append((t1 - t0) * 1000)
                raw_ms.append((t2 - t1) * 1000)
        results[label] = (
            percentile(layer_ms, 50), percentile(layer_ms, 95),
            percentile(raw_ms, 50), percentile(raw_ms, 95),
        )  # fmt: skip
        total = index.search(request).total
        print(f"  {label:22} {total:>8} hits  layer p50 {results[label][0]:6.1f} ms")
    return results


# -- throughput -------------------------------------------------------------------------------


def throughput(url: str, store_path: str, events: int, runs: int) -> dict[str, float]:
    """Seconds of the indexer (catch-up from the store) and of a bare bulk of its documents:
    the best of ``runs`` alternating runs each, so that neither gets a warmer engine."""
    env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": store_path}
    store = Store(env=env)
    engine = OpenSearchEngine(url)
    raw = OpenSearch(hosts=[url], timeout=60)

    class Capped(StoreSource):  # the first ``events`` events only
        def position(self) -> int:
            return min(super().position(), events)

        def read(self, after: int, limit: int, upto: int | None = None) -> list[tuple[int, Any]]:
            return [(p, e) for p, e in super().read(after, limit, upto) if p <= events]

    def fresh(names: IndexNames) -> IndexNames:
        drop(engine, names)
        for kind in KINDS:
            engine.create_index(names.physical(kind, 1), index_body(kind, building=True))
        return names

    indexed, bulked = IndexNames(f"jbench-idx-{RUN}"), IndexNames(f"jbench-bare-{RUN}")

    def indexer() -> tuple[float, int]:
        index = EngineIndex(engine, StoreSource(store), fresh(indexed), generation=1)
        follower = Runner(Capped(store), SearchIndexer(index), batch_size=2000)
        started = time.perf_counter()
        applied = follower.catch_up()
        return time.perf_counter() - started, applied

    builder, source = SearchDocuments(StoreSource(store)), Capped(store)
    prebuilt, after = [], 0
    while batch := source.read(after, 2000):
        prebuilt.append(builder.build(batch))
        after = batch[-1][0]

    def bare() -> float:
        names = fresh(bulked)
        started = time.perf_counter()
        for built in prebuilt:  # the same chunks: one bulk request per batch of 2,000 events
            lines: list[dict[str, Any]] = []
            for d in built:
                head = {"_index": names.physical(d.kind, 1), "_id": d.id, "version": d.version}
                lines.append({"index": {**head, "version_type": "external"}})
                lines.append(d.source)
            raw.bulk(body=lines)
        return time.perf_counter() - started

    bare_s, indexer_s, applied = [], [], 0
    try:
        for _ in range(runs):
            bare_s.append(bare())
            seconds, applied = indexer()
            indexer_s.append(seconds)
            print(f"  bare bulk {bare_s[-1]:5.1f} s   indexer {indexer_s[-1]:5.1f} s")
    finally:
        drop(engine, indexed)
        drop(engine, bulked)
        engine.close()
        store.close()
    return {
        "events": applied, "documents": sum(len(b) for b in prebuilt),
        "indexer_s": min(indexer_s), "bare_s": min(bare_s),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("JIANDU_TEST_SEARCH_URL",
                                                        "http://127.0.0.1:59200"))  # fmt: skip
    parser.add_argument("--docs", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=2, help="alternating throughput runs")
    parser.add_argument("--store", default=".cache/bench/events-200k.sqlite3")
    args = parser.parse_args()
    stop_cleanly_on_sigterm()
    gc.set_threshold(50_000, 20, 100)  # as catching-up projections do: fewer full collections
    if not os.path.exists(args.store):
        from bench.rebuild import generate

        os.makedirs(os.path.dirname(args.store) or ".", exist_ok=True)
        generate(args.store, args.events)
    print(f"indices: jbench-{RUN}, jbench-idx-{RUN}, jbench-bare-{RUN} (removed at the end)")
    results = latency(args.url, args.docs, args.rounds)  # also warms the engine up
    figures = throughput(args.url, args.store, args.events, args.runs)
    rate = figures["events"] / figures["indexer_s"]
    print(
        f"indexer: {figures['events']:.0f} events -> {figures['documents']:.0f} documents in "
        f"{figures['indexer_s']:.1f} s ({rate:.0f} events/s, "
        f"{figures['documents'] / figures['indexer_s']:.0f} documents/s)"
    )
    print(f"bare bulk of the same documents: {figures['bare_s']:.1f} s")
    print(f"indexer throughput / bare bulk: {figures['bare_s'] / figures['indexer_s']:.2f}")
    print(f"{'query':24} {'layer p50':>9} {'p95':>7} {'raw p50':>8} {'p95':>7} {'ratio':>6}")
    ratios = []
    for label, (lp50, lp95, rp50, rp95) in results.items():
        ratios.append(lp50 / rp50)
        print(f"{label:24} {lp50:9.1f} {lp95:7.1f} {rp50:8.1f} {rp95:7.1f} {lp50 / rp50:6.2f}")
    print(f"search layer overhead (median of the p50 ratios): {statistics.median(ratios):.2f}")


if __name__ == "__main__":
    main()
