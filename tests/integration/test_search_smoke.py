"""Smoke test of the real search engine: the `cjk` analyzer finds Chinese words by bigrams."""

import uuid

import pytest
from opensearchpy import OpenSearch

pytestmark = pytest.mark.search

DOCS = {
    "1": "违规借调人员清理",
    "2": "借调人员名单",
    "3": "乡镇干部任职",
}


def test_cjk_match_finds_exactly_the_documents_with_the_word(search_url: str) -> None:
    client = OpenSearch(hosts=[search_url], timeout=30)
    index = f"jiandu-smoke-{uuid.uuid4().hex}"
    client.indices.create(
        index=index,
        body={
            "settings": {"number_of_shards": 1, "number_of_replicas": 0},
            "mappings": {"properties": {"title": {"type": "text", "analyzer": "cjk"}}},
        },
    )
    try:
        mapping = client.indices.get_mapping(index=index)
        assert mapping[index]["mappings"]["properties"]["title"]["analyzer"] == "cjk"
        tokens = client.indices.analyze(index=index, body={"field": "title", "text": DOCS["1"]})
        assert "借调" in [t["token"] for t in tokens["tokens"]]  # bigrams, not single characters
        for doc_id, title in DOCS.items():
            client.index(index=index, id=doc_id, body={"title": title})
        client.indices.refresh(index=index)

        result = client.search(
            index=index, body={"query": {"match": {"title": "借调"}}, "size": 10}
        )

        hits = {hit["_id"] for hit in result["hits"]["hits"]}
        assert hits == {"1", "2"}
        assert result["hits"]["total"]["value"] == 2
    finally:
        client.indices.delete(index=index, ignore_unavailable=True)
    assert not client.indices.exists(index=index)
