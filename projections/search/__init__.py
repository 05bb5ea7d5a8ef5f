"""Search: documents from events in an engine (OpenSearch, Elasticsearch) or in SQL (basic).

- ``documents``: what each kind's documents hold, built from (position, event) batches;
- ``schema``: index names, Chinese analysis and mappings; ``dsl``: query bodies;
- ``port``: the SearchEngine and SearchIndex ports; ``clients``: the two engine adapters;
- ``engine_index`` / ``basic``: the two SearchIndex implementations;
- ``follower``: the in-process indexer; ``service``: search as the platform offers it.

A Kafka consumer feeds an index with ``SearchIndex.apply(batch)``: idempotent, so a replayed or
duplicated batch changes nothing.
"""
