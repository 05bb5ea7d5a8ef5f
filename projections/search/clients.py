"""SearchEngine adapters: OpenSearch 2/3 (``opensearch-py``) and Elasticsearch 8/9 (the official
``elasticsearch`` client 8.19+, which also talks to 9.x servers). The two clients take the same
request bodies; they differ in constructors and exceptions, mapped to the port's errors here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from projections.search.port import (
    BadQuery,
    EngineError,
    EngineUnavailable,
    IndexMissing,
    Write,
    encode,
)

TIMEOUT_S = 30
# Of a bulk answer only what is read: each item's status and error (not ids, shards, seq_no).
BULK_ANSWER = "items.*.status,items.*.error"


class ClientEngine:
    """The port over a client object with the shared Elasticsearch/OpenSearch REST surface."""

    name = "engine"

    def __init__(self, client: Any) -> None:
        self.client = client

    # Each adapter says how its client reports an HTTP status or a connection failure.
    def _status(self, error: Exception) -> int | None:
        raise NotImplementedError

    def _unreachable(self, error: Exception) -> bool:
        raise NotImplementedError

    def _client_errors(self) -> tuple[type[Exception], ...]:
        raise NotImplementedError

    @contextmanager
    def _calling(self, what: str) -> Iterator[None]:
        try:
            yield
        except self._client_errors() as error:
            raise self._translate(what, error) from error

    def _translate(self, what: str, error: Exception) -> EngineError:
        if self._unreachable(error):
            return EngineUnavailable(f"{self.name} did not answer ({what}): {error}")
        status = self._status(error)
        detail = f"{self.name} refused {what} (HTTP {status}): {str(error)[:500]}"
        if status == 404:
            return IndexMissing(detail)
        if status == 400:
            return BadQuery(detail)
        if status is None or status == 429 or status >= 500:
            return EngineUnavailable(detail)
        return EngineError(detail)

    def _call(self, what: str, fn: Callable[..., Any], **kwargs: Any) -> Any:
        with self._calling(what):
            result = fn(**kwargs)
        # The Elasticsearch client wraps its JSON in a response object; OpenSearch gives it bare.
        return getattr(result, "body", result)

    # -- the port ---------------------------------------------------------------------------

    def create_index(self, index: str, body: Mapping[str, Any]) -> bool:
        try:
            self._call("create index", self.client.indices.create, index=index, body=dict(body))
        except BadQuery as error:
            if "resource_already_exists_exception" in str(error):
                return False
            raise
        return True

    def delete_index(self, index: str) -> None:
        self._call("delete index", self.client.indices.delete, index=index, ignore_unavailable=True)

    def indices(self, pattern: str) -> list[str]:
        rows = self._call(
            "list indices", self.client.cat.indices, index=pattern, format="json", h="index"
        )
        return sorted(row["index"] for row in rows)

    def aliases(self, names: Sequence[str]) -> dict[str, str]:
        prefixes = sorted({n.rsplit("-", 1)[0] for n in names})
        found: dict[str, str] = {}
        for prefix in prefixes:
            try:
                listing = self._call(
                    "read aliases", self.client.indices.get_alias, index=f"{prefix}-*"
                )
            except IndexMissing:
                continue
            for physical, entry in dict(listing).items():
                for alias in entry.get("aliases", {}):
                    if alias in names:
                        found[alias] = physical
        return found

    def swap_aliases(self, moves: Sequence[tuple[str, str | None, str]]) -> None:
        actions: list[dict[str, Any]] = []
        for alias, old, new in moves:
            if old is not None:
                actions.append({"remove": {"index": old, "alias": alias}})
            actions.append({"add": {"index": new, "alias": alias}})
        self._call("swap aliases", self.client.indices.update_aliases, body={"actions": actions})

    def put_settings(self, index: str, settings: Mapping[str, Any]) -> None:
        self._call(
            "change settings",
            self.client.indices.put_settings,
            index=index,
            body={"index": dict(settings)},
        )

    def bulk(self, writes: Sequence[Write]) -> tuple[int, dict[int, str]]:
        if not writes:
            return 0, {}
        lines = []
        for w in writes:
            lines.append(
                b'{"index":{"_index":%s,"_id":%s,"version":%d,"version_type":"external"}}'
                % (encode(w.index), encode(w.id), w.version)
            )
            lines.append(w.source if isinstance(w.source, bytes) else encode(w.source))
        response = self._bulk(b"\n".join(lines) + b"\n")
        written, refused = 0, {}
        for at, item in enumerate(response["items"]):
            outcome = item.get("index", {})
            status = int(outcome.get("status", 500))
            if status in (200, 201):
                written += 1
            elif status == 429 or status >= 500:
                raise EngineUnavailable(
                    f"{self.name} could not write {writes[at].id} (HTTP {status}): "
                    f"{str(outcome.get('error'))[:500]}"
                )
            elif status != 409:  # 409: a version as new or newer is stored, nothing to do
                refused[at] = f"HTTP {status}: {str(outcome.get('error'))[:500]}"
        return written, refused

    def _bulk(self, body: bytes) -> dict[str, Any]:
        response: dict[str, Any] = self._call(
            "bulk write", self.client.bulk, body=body, filter_path=BULK_ANSWER
        )
        return response

    def get(self, index: str, doc_id: str) -> tuple[int, dict[str, Any]] | None:
        try:
            found = self._call("get", self.client.get, index=index, id=doc_id)
        except IndexMissing:
            return None
        if not found.get("found"):
            return None
        return int(found["_version"]), dict(found["_source"])

    def search(self, index: str, body: Mapping[str, Any]) -> dict[str, Any]:
        response: dict[str, Any] = self._call(
            "search", self.client.search, index=index, body=dict(body)
        )
        return response

    def refresh(self, index: str) -> None:
        self._call("refresh", self.client.indices.refresh, index=index)

    def ping(self) -> None:
        self._call("info", self.client.info)

    def close(self) -> None:
        self.client.close()


class OpenSearchEngine(ClientEngine):
    """OpenSearch 2.x/3.x through ``opensearch-py``."""

    name = "opensearch"

    def __init__(self, url: str, timeout: float = TIMEOUT_S) -> None:
        from opensearchpy import OpenSearch

        super().__init__(OpenSearch(hosts=[url], timeout=timeout, http_compress=False))

    def _client_errors(self) -> tuple[type[Exception], ...]:
        from opensearchpy.exceptions import OpenSearchException

        return (OpenSearchException,)

    def _unreachable(self, error: Exception) -> bool:
        from opensearchpy.exceptions import ConnectionError

        return isinstance(error, ConnectionError)

    def _status(self, error: Exception) -> int | None:
        status = getattr(error, "status_code", None)
        return status if isinstance(status, int) else None


class ElasticsearchEngine(ClientEngine):
    """Elasticsearch 8.x/9.x through the official client (8.19+ speaks to both)."""

    name = "elasticsearch"

    def __init__(self, url: str, timeout: float = TIMEOUT_S) -> None:
        from elasticsearch import Elasticsearch

        super().__init__(Elasticsearch(url, request_timeout=timeout))

    def _client_errors(self) -> tuple[type[Exception], ...]:
        from elastic_transport import TransportError
        from elasticsearch import ApiError

        return (ApiError, TransportError)

    def _unreachable(self, error: Exception) -> bool:
        from elastic_transport import ConnectionError, ConnectionTimeout

        return isinstance(error, ConnectionError | ConnectionTimeout)

    def _status(self, error: Exception) -> int | None:
        meta = getattr(error, "meta", None)
        status = getattr(meta, "status", None)
        return status if isinstance(status, int) else None

    def _bulk(self, body: bytes) -> dict[str, Any]:
        response: dict[str, Any] = self._call(
            "bulk write", self.client.bulk, operations=body, filter_path=BULK_ANSWER
        )
        return response


def engine_for(kind: str, url: str) -> ClientEngine:
    """The adapter of an engine kind (``opensearch`` or ``elasticsearch``)."""
    if kind == "elasticsearch":
        return ElasticsearchEngine(url)
    if kind == "opensearch":
        return OpenSearchEngine(url)
    raise ValueError(f"unknown search engine {kind!r} (opensearch or elasticsearch)")
