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


def _open_files(path: str) -> int:
    """How many of this process's file descriptors are open on ``path`` (Linux's /proc)."""
    fds = Path("/proc/self/fd")
    return sum(1 for fd in fds.iterdir() if _target(fd) == path)


def _target(fd: Path) -> str | None:
    try:
        return str(fd.readlink())
    except OSError:  # closed since it was listed
        return None


def test_a_reading_thread_that_ends_closes_its_connection(tmp_path: Path) -> None:
    # The API's worker threads come and go; a connection kept after its thread ended stayed open
    # for the life of the process (one more for every new thread: memory grew with each burst).
    path = str(tmp_path / "views.sqlite3")
    views = SqliteViews(path)
    views.ensure([NOTES])
    views.write({NOTES: [{"id": "a", "text": "x"}]}, {}, {})

    def read_in_a_new_thread() -> None:
        reader = threading.Thread(target=lambda: views.query("SELECT id FROM notes"))
        reader.start()
        reader.join()

    # SQLite keeps a closed connection's file open for the next one while another connection
    # of the process locks the file, so count after one thread has come and gone.
    read_in_a_new_thread()
    settled = _open_files(path)
    for _ in range(5):
        read_in_a_new_thread()
    assert _open_files(path) == settled
    views.close()
    assert _open_files(path) == 0


def test_making_sure_of_tables_that_exist_leaves_the_writer_alone(tmp_path: Path) -> None:
    """A part starting beside a running one reads the catalogue and changes nothing: it does
    not wait for the database's write lock (a long rebuild may hold it)."""
    path = str(tmp_path / "views.sqlite3")
    running = SqliteViews(path)
    indexed = Table("indexed", {"id": "TEXT", "unit": "TEXT"}, key=("id",), indexes=(("unit",),))
    running.ensure([NOTES, indexed])
    starting = SqliteViews(path)
    starting.busy_timeout_s = 0.05  # it would fail at once if it asked for the lock
    with running.transaction() as cur:  # the write lock, held
        cur.execute("INSERT INTO notes (id, text) VALUES ('a', 'held')")
        starting.ensure([NOTES, indexed])
    newer = Table("indexed", {**indexed.columns, "quota": "INTEGER"}, key=("id",),
                  indexes=(*indexed.indexes, ("quota",)))  # fmt: skip
    starting.ensure([newer])  # what is missing is still made
    columns = {r["name"] for r in starting.query("SELECT name FROM pragma_table_info('indexed')")}
    assert "quota" in columns
    indexes = {r["name"] for r in starting.query("SELECT name FROM pragma_index_list('indexed')")}
    assert "indexed__quota" in indexes
