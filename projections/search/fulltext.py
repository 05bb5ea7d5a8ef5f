"""The basic search's word index on SQLite: which documents contain which character pairs.

A free-text term is a literal substring of a document's words. Chinese has no spaces, so the
index is of characters, not words: every pair of adjacent characters (and each run's last
character) of a document is a token of an FTS5 table keyed by the document's rowid. A term of
two or more characters can only occur in documents holding all of its pairs, a term of one
character in those with a token starting with it; the documents found so are then checked
with the literal match, so results are exactly those of a full scan. 借调 is one pair, 违规借调
three; English words work the same way.

Tokens are the characters' code points in hex (six digits each), so FTS5's own tokenizer sees
plain ASCII words whatever the text holds. The table is contentless (``content=''``) and holds
presence only (``detail=none``): the documents keep the text, so the index stays small; to
remove a document's tokens the index is told what they were (its old words).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import pairwise
from typing import Any

from projections.view import Table


def tokens(words: str) -> str:
    """The index tokens of a document's words (distinct, space-separated)."""
    found: dict[str, None] = {}
    for run in words.split():
        codes = [f"{ord(c):06x}" for c in run]
        for first, second in pairwise(codes):
            found[first + second] = None
        found[codes[-1]] = None
    return " ".join(found)


def query(terms: Sequence[str]) -> str:
    """The FTS5 query finding every document that may contain all the terms."""
    parts: list[str] = []
    for term in terms:
        codes = [f"{ord(c):06x}" for c in term]
        if len(codes) == 1:
            parts.append(codes[0] + "*")
        else:
            parts += dict.fromkeys(a + b for a, b in pairwise(codes))
    return " AND ".join(parts)


class WordIndex:
    """The FTS5 table of one documents table (``search_words`` beside ``search_documents``)."""

    def __init__(self, suffix: str = "") -> None:
        self.table = Table("search_words" + suffix, {"tokens": "TEXT"}, key=("rowid",))
        self.name = self.table.name

    def create(self, cur: Any) -> None:
        cur.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {self.name} "
            "USING fts5(tokens, content='', detail=none)"
        )

    def remove(self, cur: Any, documents: Iterable[tuple[int, str]]) -> None:
        """Forget documents, given their rowid and the words they were indexed with."""
        cur.executemany(
            f"INSERT INTO {self.name} ({self.name}, rowid, tokens) VALUES ('delete', ?, ?)",
            [(rowid, tokens(words)) for rowid, words in documents],
        )

    def add(self, cur: Any, documents: Iterable[tuple[int, str]]) -> None:
        """Index documents by rowid and words."""
        cur.executemany(
            f"INSERT INTO {self.name} (rowid, tokens) VALUES (?, ?)",
            [(rowid, tokens(words)) for rowid, words in documents],
        )

    def candidates(self, column: str) -> str:
        """A condition on a documents table's rowid column; its one parameter is a query()."""
        return f"{column} IN (SELECT rowid FROM {self.name} WHERE {self.name} MATCH ?)"
