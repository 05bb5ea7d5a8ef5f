"""The basic search's word index on SQLite: tokens, queries, and an index that follows its
documents (changed words, documents indexed before the index existed)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from projections.search.basic import DOCUMENTS, BasicIndex
from projections.search.documents import Document
from projections.search.fulltext import WordIndex, query, tokens
from projections.search.port import Prepared
from projections.search.query import SearchRequest
from projections.sql import SqliteViews


def test_tokens_are_each_pair_of_adjacent_characters_and_each_runs_last() -> None:
    # 违 U+8FDD, 规 U+89C4, 借 U+501F, 调 U+8C03
    expected = ["008fdd0089c4", "0089c400501f", "00501f008c03", "008c03", "000061000062", "000062"]
    assert tokens("违规借调 ab").split() == expected


@pytest.mark.parametrize(
    ("words", "term", "found"),
    [
        ("违规借调下级干部", "借调", True),
        ("借用车辆调度", "借调", False),  # 借 and 调, not 借调
        ("违规借调下级干部", "调下级", True),
        ("违规借调下级干部", "借", True),
        ("违规借调下级干部", "部", True),  # a run's last character
        ("违规借调 下级", "调下", False),  # never across white space
        ("100%_done", "%_", True),  # LIKE's wildcards are plain characters here
    ],
)
def test_a_query_finds_the_documents_holding_the_term(words: str, term: str, found: bool) -> None:
    conn = sqlite3.connect(":memory:")
    index = WordIndex()
    index.create(conn)
    index.add(conn, [(7, words)])
    rows = conn.execute(
        f"SELECT rowid FROM {index.name} WHERE {index.name} MATCH ?", [query([term])]
    )
    assert bool(rows.fetchall()) is found


class Words:
    """Documents whose only content is their words, for a BasicIndex over SQLite."""

    def __init__(self, path: Path) -> None:
        self.views = SqliteViews(str(path))
        self.index = BasicIndex(self.views, source=None)  # type: ignore[arg-type]

    def put(self, doc_id: str, version: int, words: str) -> None:
        source = {"uid": f"events/{doc_id}", "type": "Noted", "at": "2026-01-01", "text": [words]}
        document = Document("events", doc_id, version, source)
        self.index.commit(Prepared([document], position=version, events=1))

    def found(self, q: str) -> set[str]:
        return {h.id for h in self.index.search(SearchRequest(q=q, size=100)).hits}


def test_a_document_is_found_by_its_new_words_only(tmp_path: Path) -> None:
    words = Words(tmp_path / "v.db")
    words.index.ensure()
    words.put("1", 1, "违规借调下级干部")
    words.put("2", 2, "借用车辆调度")
    assert words.found("借调") == {"1"}
    words.put("1", 3, "按期结束借用")
    assert words.found("借调") == set()
    assert words.found("借用") == {"1", "2"}
    words.put("1", 2, "违规借调")  # an older version changes nothing
    assert words.found("借调") == set()


def test_documents_indexed_before_the_word_index_existed_are_found(tmp_path: Path) -> None:
    words = Words(tmp_path / "v.db")
    words.index.ensure()
    words.put("1", 1, "违规借调下级干部")
    with words.views.transaction() as cur:  # as a version without the word index left it
        cur.execute(f"DROP TABLE {words.index.words.name}")  # type: ignore[union-attr]
    assert DOCUMENTS.name in words.views.existing_tables()
    again = Words(tmp_path / "v.db")
    again.index.ensure()
    assert again.found("借调") == {"1"}
