"""Kafka over TLS, from the JIANDU_KAFKA_* variables to the wire: a real `jiandu` process against
a TLS listener that stands where a broker's would (tests/support/tls.py; the local test broker
has no TLS listener). The listener asks for a client certificate from its CA."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.tls import Authority, Seen, TlsListener

JIANDU = Path(sys.executable).parent / "jiandu"
API_VERSIONS = 18  # the first request a Kafka client sends on a new connection


@pytest.fixture
def authority(tmp_path: Path) -> Authority:
    return Authority(tmp_path)


@pytest.fixture
def broker(authority: Authority) -> Iterator[TlsListener]:
    certfile, keyfile = authority.issue("broker")
    listener = TlsListener(certfile, keyfile, client_ca=authority.cafile)
    yield listener
    listener.close()


def first_connection(listener: TlsListener, tmp_path: Path, **variables: str) -> Seen:
    """Start `jiandu topics create` against the listener; what its first connection showed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIANDU_")}
    env |= {"JIANDU_ENV": "test", "JIANDU_DATA_DIR": str(tmp_path / "data"),
            "JIANDU_KAFKA_BOOTSTRAP": f"localhost:{listener.port}",
            "JIANDU_KAFKA_SECURITY_PROTOCOL": "SSL", **variables}  # fmt: skip
    process = subprocess.Popen(
        [str(JIANDU), "topics", "create"], env=env, stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        assert listener.first.wait(120), "the client never connected"
    finally:
        process.kill()
        process.wait()
    return listener.seen[0]


def test_the_clients_verify_the_broker_and_present_their_certificate(
    authority: Authority, broker: TlsListener, tmp_path: Path
) -> None:
    certfile, keyfile = authority.issue("jiandu-client")
    seen = first_connection(
        broker, tmp_path, JIANDU_KAFKA_SSL_CAFILE=str(authority.cafile),
        JIANDU_KAFKA_SSL_CERTFILE=str(certfile), JIANDU_KAFKA_SSL_KEYFILE=str(keyfile),
    )  # fmt: skip
    assert seen.handshake == "ok"
    assert seen.client_certificate == "jiandu-client"
    assert seen.api_key == API_VERSIONS and (seen.client_id or "").startswith("kafka-python")


def test_a_broker_certificate_from_another_authority_is_refused(
    broker: TlsListener, tmp_path: Path
) -> None:
    (tmp_path / "other").mkdir()
    stranger = Authority(tmp_path / "other", name="other CA")
    certfile, keyfile = stranger.issue("jiandu-client")
    seen = first_connection(
        broker, tmp_path, JIANDU_KAFKA_SSL_CAFILE=str(stranger.cafile),
        JIANDU_KAFKA_SSL_CERTFILE=str(certfile), JIANDU_KAFKA_SSL_KEYFILE=str(keyfile),
    )  # fmt: skip
    assert seen.handshake != "ok" and seen.api_key is None  # nothing was sent to it


def test_without_a_client_certificate_a_broker_that_asks_for_one_refuses(
    authority: Authority, broker: TlsListener, tmp_path: Path
) -> None:
    seen = first_connection(broker, tmp_path, JIANDU_KAFKA_SSL_CAFILE=str(authority.cafile))
    assert seen.client_certificate is None and seen.api_key is None
