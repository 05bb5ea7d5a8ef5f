"""SQL view databases: one dialect-neutral implementation over SQLite and PostgreSQL.

Both speak ``INSERT .. ON CONFLICT .. DO UPDATE``; only placeholders and connections differ.
Values are stored as TEXT/INTEGER/BIGINT; dicts and lists as JSON text.
"""

from __future__ import annotations

import contextlib
import json
import operator
import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from functools import partial
from typing import Any, TypeVar

from projections.view import Key, OffsetMove, Row, Table
from projections.wal_checkpoints import BackgroundCheckpoints

T = TypeVar("T")

# The position record of every follower whose effect is in these views: name -> every event up
# to that position is applied (written in the effect's transaction).
POSITIONS = Table("projection_positions", {"name": "TEXT", "position": "BIGINT"}, key=("name",))
# A consumer group's next offset per source partition, written in the view change's transaction.
OFFSETS = Table(
    "kafka_offsets",
    {
        "consumer_group": "TEXT", "topic": "TEXT", "kafka_partition": "INTEGER",
        "next_offset": "BIGINT", "high_position": "BIGINT",
    },
    key=("consumer_group", "topic", "kafka_partition"),
)  # fmt: skip


class OffsetConflict(Exception):
    """A stored offset moved since the batch was read: another consumer committed first."""


def _encode(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    if isinstance(value, bool):
        return int(value)
    return value


def _identity(value: Any) -> Any:
    return value


# What ``json.dumps(value, ensure_ascii=False, default=str)`` does, without making an encoder
# for every value.
_dumps = json.JSONEncoder(ensure_ascii=False, default=str).encode


def _json(value: Any) -> Any:
    return None if value is None else _dumps(value)


def _text_time(value: Any) -> Any:
    return value if value is None or isinstance(value, str) else value.isoformat()


def _integer(value: Any) -> Any:
    return int(value) if isinstance(value, bool) else value


_ENCODERS = {"JSON": _json, "DATE": _text_time, "TIMESTAMP": _text_time, "INTEGER": _integer}


def _row_encoder(table: Table) -> Any:
    """A function turning a row dict into the parameter list of the table's upsert."""
    columns = tuple(table.columns)
    # Only the columns whose type needs it are encoded (this runs for every row a rebuild
    # writes); the others are passed as they are.
    special = [(i, _ENCODERS[t]) for i, t in enumerate(table.columns.values()) if t in _ENCODERS]

    # A row with every column is read in one call (most are); a column left out is NULL.
    take: Callable[[Row], Any] = (
        operator.itemgetter(*columns) if len(columns) > 1 else lambda row: [row[c] for c in columns]
    )

    def encode_row(row: Row) -> list[Any]:
        try:
            values = list(take(row))
        except KeyError:
            get = row.get
            values = [get(c) for c in columns]
        for i, encode in special:
            values[i] = encode(values[i])
        return values

    return encode_row


def _ddl_type(column_type: str) -> str:
    # JSON, dates and timestamps are text in both dialects (ISO strings sort correctly).
    return "TEXT" if column_type in {"JSON", "DATE", "TIMESTAMP"} else column_type


class SqlViews:
    """The ViewDatabase port over a DB-API connection; subclasses supply the connection."""

    placeholder = "?"

    retryable: tuple[type[Exception], ...] = ()

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._json_columns: dict[str, set[str]] = {}

    # -- connection plumbing, per dialect --------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        """A cursor inside one write transaction (committed on success, rolled back on error)."""
        raise NotImplementedError
        yield

    @contextmanager
    def reading(self) -> Iterator[Any]:
        """A cursor for reads only (never upgraded to a write)."""
        with self.transaction() as cur:
            yield cur

    def existing_tables(self) -> set[str]:
        """Names of the tables present."""
        raise NotImplementedError

    def close(self) -> None:
        """Release the connections (the views cannot be used afterwards)."""

    def opener(self) -> Callable[[], SqlViews] | None:
        """How a share of a rebuild opens the same views (None: another process cannot)."""
        return None

    def share_opener(self, index: int, count: int) -> Callable[[], SqlViews] | None:
        """How share ``index`` of ``count`` of a rebuild opens the views it builds into (None:
        another process cannot). Here: these views themselves (a server database locks rows,
        not the database, so shares writing at once do not wait for each other)."""
        return self.opener()

    def take_share(self, index: int, count: int, tables: Sequence[Table]) -> None:
        """Bring a finished share's rows of ``tables`` into these views (nothing to do when the
        share built into these views themselves)."""

    # -- schema ---------------------------------------------------------------------------

    def ensure(self, tables: Sequence[Table], *, indexes: bool = True) -> None:
        """Create missing tables and (unless told not to) their secondary indexes; add the
        columns a newer release gave a table that exists (empty in the rows already there).

        What is present is read from the catalogue first, and nothing is done when nothing is
        missing: a part that starts beside live writers (an API restarted next to a running
        projector) takes no lock on their tables. ``CREATE INDEX IF NOT EXISTS`` locks its
        table against writes even when the index exists, and one transaction doing that table
        after table, against writers taking the same tables in another order, deadlocked: the
        server failed the starting part. When something is missing, the changes are made one
        ``ensure`` at a time (``_serialise_schema_changes``), and a transaction the server
        chose to break a deadlock is run again: it left nothing behind."""
        wanted = [POSITIONS, OFFSETS, *tables]
        for table in wanted:
            self._remember(table)

        def run() -> None:
            with self.reading() as cur:
                if not self._schema_changes(cur, wanted, indexes):
                    return
            with self.transaction() as cur:
                self._serialise_schema_changes(cur)
                for statement in self._schema_changes(cur, wanted, indexes):
                    cur.execute(statement)

        self._retrying(run)

    def _schema_changes(self, cur: Any, tables: Sequence[Table], indexes: bool) -> list[str]:
        """The statements that bring ``tables`` to what they declare (none: all present)."""
        columns, index_names = self._catalogue(cur, [t.name for t in tables])
        statements: list[str] = []
        for table in tables:
            have = columns.get(self._stored_name(table.name))
            if have is None:
                cols = ", ".join(f"{c} {self.ddl_type(t)}" for c, t in table.columns.items())
                statements.append(
                    f"CREATE TABLE IF NOT EXISTS {table.name} ({cols}, "
                    f"PRIMARY KEY ({', '.join(table.key)}))"
                )
                have = {self._stored_name(c) for c in table.columns}
            statements += [
                f"ALTER TABLE {table.name} ADD COLUMN {column} {self.ddl_type(kind)}"
                for column, kind in table.columns.items()
                if self._stored_name(column) not in have
            ]
            for index in table.indexes if indexes else ():
                name = f"{table.name}__{'_'.join(index)}"
                if self._stored_name(name) not in index_names:
                    statements.append(
                        f"CREATE INDEX IF NOT EXISTS {name} ON {table.name} ({', '.join(index)})"
                    )
        return statements

    def _catalogue(self, cur: Any, names: Sequence[str]) -> tuple[dict[str, set[str]], set[str]]:
        """The columns of each of the tables ``names`` that exist, and the names of their
        indexes, read from the catalogue (no lock on the tables themselves)."""
        raise NotImplementedError

    def _stored_name(self, name: str) -> str:
        """A name as the catalogue holds it."""
        return name.lower()

    def _serialise_schema_changes(self, cur: Any) -> None:
        """Make concurrent schema changes of these views wait for each other (until commit)."""

    def drop(self, tables: Sequence[Table]) -> None:
        """Drop tables if present."""
        with self.transaction() as cur:
            for table in tables:
                cur.execute(f"DROP TABLE IF EXISTS {table.name}")

    def replace(
        self, live: Sequence[Table], built: Sequence[Table], positions: Mapping[str, int]
    ) -> None:
        """Swap freshly built tables in for the live ones, in one transaction."""
        self._retrying(lambda: self._replace(live, built, positions))

    def _replace(
        self, live: Sequence[Table], built: Sequence[Table], positions: Mapping[str, int]
    ) -> None:
        with self._lock, self.transaction() as cur:
            for old, new in zip(live, built, strict=True):
                cur.execute(f"DROP TABLE IF EXISTS {old.name}")
                cur.execute(f"ALTER TABLE {new.name} RENAME TO {old.name}")
                for index in new.indexes:
                    cur.execute(f"DROP INDEX IF EXISTS {new.name}__{'_'.join(index)}")
                    name = f"{old.name}__{'_'.join(index)}"
                    cur.execute(
                        f"CREATE INDEX IF NOT EXISTS {name} ON {old.name} ({', '.join(index)})"
                    )
            self._set_positions(cur, positions)

    def ddl_type(self, column_type: str) -> str:
        """The column type in this dialect."""
        return _ddl_type(column_type)

    def _remember(self, table: Table) -> None:
        self._json_columns[table.name] = {c for c, t in table.columns.items() if t == "JSON"}

    # -- reads ----------------------------------------------------------------------------

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Run a read query written with '?' placeholders; rows as dicts."""

        def run() -> list[Row]:
            with self.reading() as cur:
                cur.execute(self._sql(sql), [_encode(p) for p in params])
                names = [d[0] for d in cur.description]
                return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

        return self._retrying(run)

    def _retrying(self, work: Callable[[], T]) -> T:
        # A swap renames tables under exclusive locks while readers take shared ones, one
        # table after another; the server may then break a deadlock by failing one of them.
        # Both are whole transactions that left nothing behind: run the failed one again.
        for attempt in range(1, 6):
            try:
                return work()
            except self.retryable:
                if attempt == 5:
                    raise
                time.sleep(0.02 * attempt)
        raise AssertionError("unreachable")

    def fetch_rows(self, table: Table, keys: Sequence[Key]) -> list[Row]:
        if not keys:
            return []
        if len(table.key) == 1:
            marks = ", ".join("?" for _ in keys)
            sql = f"SELECT * FROM {table.name} WHERE {table.key[0]} IN ({marks})"
            params: list[Any] = [k[0] for k in keys]
        else:
            one = " AND ".join(f"{c} = ?" for c in table.key)
            sql = f"SELECT * FROM {table.name} WHERE " + " OR ".join(f"({one})" for _ in keys)
            params = [v for k in keys for v in k]
        return self._decode(table, self.query(sql, params))

    def select(self, table: Table, where: Mapping[str, Any]) -> list[Row]:
        clause = " AND ".join(f"{c} = ?" for c in where) or "1 = 1"
        rows = self.query(f"SELECT * FROM {table.name} WHERE {clause}", list(where.values()))
        return self._decode(table, rows)

    def forget_position(self, name: str) -> None:
        """Remove a projection's position (after a rebuild's tables were swapped in)."""
        with self.transaction() as cur:
            cur.execute(self._sql(f"DELETE FROM {POSITIONS.name} WHERE name = ?"), [name])

    def advance(self, positions: Mapping[str, int]) -> None:
        """Raise followers' recorded positions (a lower position than the one stored is ignored:
        positions never move back)."""
        if not positions:
            return
        sql = (
            f"INSERT INTO {POSITIONS.name} (name, position) VALUES (?, ?) "
            "ON CONFLICT (name) DO UPDATE SET position = excluded.position "
            f"WHERE excluded.position > {POSITIONS.name}.position"
        )
        with self._lock, self.transaction() as cur:
            cur.executemany(self._sql(sql), [[n, p] for n, p in positions.items()])

    def positions(self) -> dict[str, int]:
        """Every follower's recorded position kept in this database (the read models', the
        basic search's), by name."""
        rows = self.query(f"SELECT name, position FROM {POSITIONS.name}")
        return {r["name"]: int(r["position"]) for r in rows}

    def offsets(self, group: str, topic: str) -> dict[int, tuple[int, int]]:
        """A consumer group's stored (next offset, highest position) per partition of a topic."""
        rows = self.query(
            f"SELECT kafka_partition, next_offset, high_position FROM {OFFSETS.name} "
            "WHERE consumer_group = ? AND topic = ?",
            [group, topic],
        )
        return {
            int(r["kafka_partition"]): (int(r["next_offset"]), int(r["high_position"]))
            for r in rows
        }

    def _decode(self, table: Table, rows: list[Row]) -> list[Row]:
        json_cols = self._json_columns.get(table.name) or {
            c for c, t in table.columns.items() if t == "JSON"
        }
        for row in rows:
            for c in json_cols:
                if row.get(c) is not None:
                    row[c] = json.loads(row[c])
        return rows

    # -- writes ---------------------------------------------------------------------------

    def write(
        self,
        upserts: Mapping[Table, list[Row]],
        deletes: Mapping[Table, list[Key]],
        positions: Mapping[str, int],
        appended: Mapping[Table, list[Sequence[Any]]] | None = None,
        patches: Mapping[Table, list[tuple[Key, Row]]] | None = None,
        offsets: Sequence[OffsetMove] = (),
    ) -> None:
        with self._lock, self.transaction() as cur:
            self._move_offsets(cur, offsets)
            for table, values in (appended or {}).items():
                cur.executemany(self._sql(self._upsert_sql(table)), values)
            for table, keys in deletes.items():
                if keys:
                    where = " AND ".join(f"{c} = ?" for c in table.key)
                    cur.executemany(self._sql(f"DELETE FROM {table.name} WHERE {where}"), keys)
            for table, rows in upserts.items():
                if rows:
                    encode_row = _row_encoder(table)
                    cur.executemany(
                        self._sql(self._upsert_sql(table)), [encode_row(r) for r in rows]
                    )
            for table, changes in (patches or {}).items():
                for key, change in changes:
                    encode = _row_encoder(
                        Table(table.name, {c: table.columns[c] for c in change}, ())
                    )
                    sets = ", ".join(f"{c} = ?" for c in change)
                    where = " AND ".join(f"{c} = ?" for c in table.key)
                    sql = f"UPDATE {table.name} SET {sets} WHERE {where}"
                    cur.execute(self._sql(sql), [*encode(change), *key])
            self._set_positions(cur, positions)

    def _move_offsets(self, cur: Any, moves: Sequence[OffsetMove]) -> None:
        # Compare-and-set first: a consumer that lost its partitions (a zombie after a
        # rebalance) finds the offset moved and its whole transaction is rolled back.
        key = "consumer_group = ? AND topic = ? AND kafka_partition = ?"
        for m in moves:
            if m.expected is None:
                sql = f"{self._upsert_sql(OFFSETS).split(' ON CONFLICT')[0]} ON CONFLICT DO NOTHING"
                params = [m.group, m.topic, m.partition, m.next_offset, m.high_position]
            else:
                sql = (
                    f"UPDATE {OFFSETS.name} SET next_offset = ?, high_position = ? "
                    f"WHERE {key} AND next_offset = ?"
                )
                params = [m.next_offset, m.high_position, m.group, m.topic, m.partition, m.expected]
            cur.execute(self._sql(sql), params)
            if cur.rowcount != 1:
                raise OffsetConflict(
                    f"{m.group}: offset of {m.topic}[{m.partition}] is no longer {m.expected}"
                )

    def _set_positions(self, cur: Any, positions: Mapping[str, int]) -> None:
        if positions:
            cur.executemany(
                self._sql(self._upsert_sql(POSITIONS)), [[n, p] for n, p in positions.items()]
            )

    def _upsert_sql(self, table: Table) -> str:
        cols = list(table.columns)
        updates = [c for c in cols if c not in table.key]
        action = (
            "DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in updates)
            if updates
            else "DO NOTHING"
        )
        return (
            f"INSERT INTO {table.name} ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)}) "
            f"ON CONFLICT ({', '.join(table.key)}) {action}"
        )

    def _sql(self, sql: str) -> str:
        return sql if self.placeholder == "?" else sql.replace("?", self.placeholder)


READ_CACHE_KIB = 2000
WRITE_CACHE_KIB = 64 * 1024
# A rebuild's shares keep a small page cache: two processes build at once (memory), SQLite
# drops a connection's cache whenever another one committed to its file (the live follower
# does, to the views), and a share building into a file of its own was no faster with 32 MiB.
SHARE_CACHE_KIB = 8 * 1024


class SqliteViews(SqlViews):
    """Views in a SQLite file (embedded mode).

    One writer connection, shared by the process's threads under a lock, and one reader
    connection per thread. A write transaction begins IMMEDIATE: it takes the database's write
    lock before its first read, waiting (the busy timeout) while another process holds it. A
    deferred transaction that reads first and writes later would have to upgrade its read
    snapshot, and SQLite refuses that at once ("database is locked", no waiting) when another
    connection wrote since the snapshot was taken.
    """

    busy_timeout_s = 30.0

    def __init__(
        self, path: str, write_cache_kib: int = WRITE_CACHE_KIB, *, checkpoint_every: int = 0
    ) -> None:
        super().__init__()
        self.write_cache_kib = write_cache_kib
        # Non-zero: the writer's automatic checkpoint is off, and a thread checkpoints the
        # write-ahead log every that many commits (``BackgroundCheckpoints``).
        self.checkpoint_every = checkpoint_every
        self.checkpoints: BackgroundCheckpoints | None = None
        self._local = threading.local()
        self._writer: sqlite3.Connection | None = None
        # Every reader connection, to close them all; held weakly, through the reading
        # thread's own holder, so a thread that ends closes its connection (the API's worker
        # threads come and go: kept here, each new thread's connection stayed open for good).
        self._readers: weakref.WeakSet[_Reader] = weakref.WeakSet()
        self.path = path

    def ddl_type(self, column_type: str) -> str:
        # INTEGER (not BIGINT) lets an integer primary key be the rowid: no second index.
        return "INTEGER" if column_type == "BIGINT" else _ddl_type(column_type)

    def _connection(self) -> sqlite3.Connection:
        reader: _Reader | None = getattr(self._local, "reader", None)
        if reader is None:
            reader = self._local.reader = _Reader(self._connect(READ_CACHE_KIB))
            with self._lock:
                self._readers.add(reader)
        return reader.conn

    def _connect(self, cache_kib: int) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path, isolation_level=None, timeout=self.busy_timeout_s, check_same_thread=False
        )
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        # Reading threads keep SQLite's default page cache (2 MiB): the API reads from many
        # threads at once, and the operating system caches the file for all of them. The one
        # writer keeps index pages of large views in memory (64 MiB): rebuilds write them densely.
        conn.execute(f"PRAGMA cache_size=-{cache_kib}")
        # Checkpoint the write-ahead log every ~80 MiB instead of every 4 MiB: a rebuild
        # commits a batch every few thousand events, and each early checkpoint cost a sync
        # (measured: +10% rebuild throughput). The log is cut back after a checkpoint.
        conn.execute("PRAGMA wal_autocheckpoint=20000")
        conn.execute("PRAGMA journal_size_limit=67108864")
        return conn

    def _write_connection(self) -> sqlite3.Connection:
        if self._writer is None:
            self._writer = self._connect(self.write_cache_kib)
            if self.checkpoint_every:
                self._writer.execute("PRAGMA wal_autocheckpoint=0")
                if self.checkpoints is None:
                    self.checkpoints = BackgroundCheckpoints(
                        partial(self._connect, READ_CACHE_KIB), self.checkpoint_every, self._lock
                    )
        return self._writer

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        with self._lock:
            conn = self._write_connection()
            cur = conn.cursor()
            try:
                cur.execute("BEGIN IMMEDIATE")
                yield cur
            except BaseException:
                conn.rollback()
                raise
            else:
                conn.commit()
                if self.checkpoints is not None:
                    self.checkpoints.committed(conn)
            finally:
                cur.close()

    @contextmanager
    def reading(self) -> Iterator[Any]:
        cur = self._connection().cursor()
        try:
            yield cur
        finally:
            cur.close()

    def existing_tables(self) -> set[str]:
        return {
            r["name"] for r in self.query("SELECT name FROM sqlite_master WHERE type = 'table'")
        }

    def _catalogue(self, cur: Any, names: Sequence[str]) -> tuple[dict[str, set[str]], set[str]]:
        wanted = {name.lower() for name in names}
        cur.execute("SELECT type, name, tbl_name FROM sqlite_master")
        objects = cur.fetchall()
        columns: dict[str, set[str]] = {}
        for kind, name, _ in objects:
            if kind == "table" and name.lower() in wanted:
                cur.execute("SELECT name FROM pragma_table_info(?)", [name])
                columns[name.lower()] = {row[0].lower() for row in cur.fetchall()}
        indexes = {n.lower() for k, n, t in objects if k == "index" and t.lower() in wanted}
        return columns, indexes

    def opener(self) -> Callable[[], SqlViews] | None:
        if self.path == ":memory:" or "mode=memory" in self.path:
            return None
        return partial(SqliteViews, self.path, SHARE_CACHE_KIB)

    def share_opener(self, index: int, count: int) -> Callable[[], SqlViews] | None:
        """A file of the share's own beside these views, started empty: SQLite has one write
        lock per file, and shares committing to the same file waited for each other (its busy
        handler sleeps in steps of up to 100 ms). ``take_share`` brings the rows over."""
        if self.opener() is None:
            return None
        path = self._share_path(index, count)
        _remove_database(path)  # what a rebuild that died midway left behind
        return partial(SqliteViews, path, SHARE_CACHE_KIB)

    def take_share(self, index: int, count: int, tables: Sequence[Table]) -> None:
        """Copy the share's rows into these views' tables of the same names in one transaction
        (inside SQLite: no row passes through Python), then remove the share's file."""
        path = self._share_path(index, count)
        with self._lock:
            conn = self._write_connection()
            conn.execute("ATTACH DATABASE ? AS share", [path])
            try:
                with self.transaction() as cur:
                    for table in tables:
                        columns = ", ".join(table.columns)
                        cur.execute(
                            f"INSERT INTO main.{table.name} ({columns}) "
                            f"SELECT {columns} FROM share.{table.name}"
                        )
            finally:
                conn.execute("DETACH DATABASE share")
        _remove_database(path)

    def _share_path(self, index: int, count: int) -> str:
        return f"{self.path}.share-{index}-of-{count}"

    def close(self) -> None:
        """Close the writer and every thread's reader connection."""
        if self.checkpoints is not None:  # before the lock: its thread may be waiting for it
            self.checkpoints.close()
            self.checkpoints = None
        with self._lock:
            for reader in list(self._readers):
                reader.conn.close()
            self._readers.clear()
            if self._writer is not None:
                self._writer.close()
            self._writer = None
            self._local = threading.local()


def _remove_database(path: str) -> None:
    """Remove a SQLite file and its write-ahead log files, if present."""
    for name in (path, path + "-wal", path + "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.remove(name)


class _Reader:
    """A thread's reader connection, closed when the thread ends (its locals are dropped)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __del__(self) -> None:
        self.conn.close()


class PostgresViews(SqlViews):
    """Views in PostgreSQL (distributed mode), in their own schema."""

    placeholder = "%s"

    def ddl_type(self, column_type: str) -> str:
        # Binary columns (the audit ledger's tiles) are BYTEA in PostgreSQL.
        return "BYTEA" if column_type == "BLOB" else _ddl_type(column_type)

    def __init__(self, url: str, schema: str = "jiandu_views", pool_size: int = 4) -> None:
        from psycopg.errors import DeadlockDetected
        from psycopg_pool import ConnectionPool

        super().__init__()
        self.retryable = (DeadlockDetected,)
        self.url = url
        self.schema = schema
        self.pool = ConnectionPool(
            url,
            min_size=1,
            max_size=pool_size,
            kwargs={"options": f"-c search_path={schema}"},
            open=True,
        )
        with self.pool.connection() as conn:
            # Parts starting at once on a fresh database: "IF NOT EXISTS" does not keep two
            # from inserting the same name, and the loser fails on the catalogue's unique index.
            conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"jiandu views {schema}"])
            conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        with self.pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
            yield cur

    def opener(self) -> Callable[[], SqlViews] | None:
        return partial(PostgresViews, self.url, self.schema, 2)

    def existing_tables(self) -> set[str]:
        rows = self.query(
            "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = ?",
            [self.schema],
        )
        return {r["name"] for r in rows}

    def _catalogue(self, cur: Any, names: Sequence[str]) -> tuple[dict[str, set[str]], set[str]]:
        stored = [self._stored_name(name) for name in names]
        cur.execute(
            "SELECT c.relname, a.attname FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
            "WHERE n.nspname = %s AND c.relkind IN ('r', 'p') AND c.relname = ANY(%s)",
            [self.schema, stored],
        )
        columns: dict[str, set[str]] = {}
        for table, column in cur.fetchall():
            columns.setdefault(table, set()).add(column)
        cur.execute(
            "SELECT indexname FROM pg_indexes WHERE schemaname = %s AND tablename = ANY(%s)",
            [self.schema, stored],
        )
        return columns, {row[0] for row in cur.fetchall()}

    def _stored_name(self, name: str) -> str:
        # Unquoted names are folded to lower case and cut to 63 bytes (NAMEDATALEN - 1).
        return name.lower().encode()[:63].decode(errors="ignore")

    def _serialise_schema_changes(self, cur: Any) -> None:
        # Two parts creating the same table at once: the loser of the race fails on the
        # catalogue's unique index instead of finding the table ("IF NOT EXISTS" does not
        # cover it). A transaction-level advisory lock makes the second wait and re-read.
        cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"jiandu views {self.schema}"])

    def close(self) -> None:
        """Close the connection pool."""
        self.pool.close()
