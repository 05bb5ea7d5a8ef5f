"""SQLite views: a write transaction holds the write lock from its start, so a transaction that
reads before it writes never loses its upgrade to another connection ("database is locked")."""

from __future__ import annotations

import threading
from pathlib import Path

from projections.sql import SqliteViews
from projections.view import Table

NOTES = Table("notes", {"id": "TEXT", "text": "TEXT"}, key=("id",))


def test_a_writer_that_read_first_keeps_the_database_until_it_commits(tmp_path: Path) -> None:
    path = str(tmp_path / "views.sqlite3")
    ours, theirs = SqliteViews(path), SqliteViews(path)  # as two processes would have
    ours.ensure([NOTES])
    asking, written = threading.Event(), threading.Event()

    def other_writer() -> None:
        asking.set()
        theirs.write({NOTES: [{"id": "b", "text": "theirs"}]}, {}, {})
        written.set()

    other = threading.Thread(target=other_writer)
    with ours.transaction() as cur:
        cur.execute("SELECT COUNT(*) FROM notes")  # read first: the snapshot is taken here
        other.start()
        asking.wait()
        # The other connection waits for our lock (its busy timeout) instead of committing now;
        # had it committed, our snapshot would be stale and the write below refused at once.
        assert not written.wait(0.3)
        cur.execute("INSERT INTO notes (id, text) VALUES ('a', 'ours')")
    other.join()
    assert written.is_set()
    assert sorted(r["id"] for r in ours.query("SELECT id FROM notes")) == ["a", "b"]


def test_reads_see_committed_writes_of_the_one_writer_from_every_thread(tmp_path: Path) -> None:
    views = SqliteViews(str(tmp_path / "views.sqlite3"))
    views.ensure([NOTES])
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for k in range(20):
                views.write({NOTES: [{"id": f"{n}-{k}", "text": "x"}]}, {}, {f"w{n}": k + 1})
                assert views.select(NOTES, {"id": f"{n}-{k}"})
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert len(views.query("SELECT id FROM notes")) == 80
    assert views.positions() == {f"w{n}": 20 for n in range(4)}
