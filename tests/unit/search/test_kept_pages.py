"""The basic search keeps a search's page until the index moves: the same search at the same
position answers the same page, a moved index answers afresh, and a caller changing the hits
it got changes nothing kept."""

from __future__ import annotations

from pathlib import Path

from projections.search.basic import BasicIndex
from projections.search.documents import Document
from projections.search.port import Prepared
from projections.search.query import SearchRequest
from projections.sql import SqliteViews


def _index(path: Path) -> BasicIndex:
    index = BasicIndex(SqliteViews(str(path)), source=None)  # type: ignore[arg-type]
    index.ensure()
    return index


def _put(index: BasicIndex, doc_id: str, position: int, words: str) -> None:
    source = {"uid": f"events/{doc_id}", "type": "Noted", "at": "2026-01-01", "text": [words]}
    index.commit(Prepared([Document("events", doc_id, position, source)], position, events=1))


def test_the_same_search_answers_the_same_page_until_the_index_moves(tmp_path: Path) -> None:
    index = _index(tmp_path / "v.db")
    _put(index, "1", 1, "违规借调下级干部")
    _put(index, "2", 2, "借调人员名单")
    request = SearchRequest(q="借调", size=1)
    first = index.search(request)
    assert first.total == 2 and first.next_cursor is not None
    first.hits[0].source["type"] = "changed by a caller"
    first.hits[0].highlight.clear()
    again = index.search(request)
    assert again == index.search(SearchRequest(q="借调", size=1)) != first
    assert again.hits[0].source["type"] == "Noted" and again.hits[0].highlight
    # Another page, another size or other filters are other searches.
    assert index.search(SearchRequest(q="借调", size=2)).total == 2
    second = index.search(SearchRequest(q="借调", size=1, cursor=again.next_cursor))
    assert {h.id for h in second.hits} | {again.hits[0].id} == {"1", "2"}
    _put(index, "3", 3, "借调期满")
    moved = index.search(request)
    assert moved.total == 3 and moved.position == 3
    _put(index, "1", 4, "按期结束")  # a document loses the word
    assert index.search(request).total == 2
