"""Kafka TLS and SASL settings: the combinations refused, and the options every client gets."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from api.bootstrap import kafka_security
from api.settings import Settings

JIANDU = Path(sys.executable).parent / "jiandu"
SASL = {"kafka_sasl_mechanism": "SCRAM-SHA-512", "kafka_sasl_username": "jiandu",
        "kafka_sasl_password": "s3cret-of-the-broker"}  # fmt: skip


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("JIANDU_"):
            monkeypatch.delenv(name)


@pytest.fixture
def pem(tmp_path: Path) -> Path:
    path = tmp_path / "ca.pem"
    path.write_text("-----BEGIN CERTIFICATE-----\n")  # read by the client, not by settings
    return path


def test_plaintext_is_the_default_and_gives_no_tls_or_sasl_options() -> None:
    assert kafka_security(Settings()).options() == {"security_protocol": "PLAINTEXT"}


def test_sasl_ssl_gives_the_mechanism_credentials_and_tls_files(pem: Path) -> None:
    settings = Settings(kafka_security_protocol="SASL_SSL", kafka_ssl_cafile=pem, **SASL)
    assert kafka_security(settings).options() == {
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "jiandu",
        "sasl_plain_password": "s3cret-of-the-broker",
        "ssl_check_hostname": True,
        "ssl_cafile": str(pem),
    }
    assert "s3cret" not in repr(kafka_security(settings))  # nor in logs of the settings


def test_mutual_tls_passes_the_client_certificate_and_key(pem: Path) -> None:
    settings = Settings(
        kafka_security_protocol="SSL", kafka_ssl_certfile=pem, kafka_ssl_keyfile=pem
    )
    options = kafka_security(settings).options()
    assert options["ssl_certfile"] == options["ssl_keyfile"] == str(pem)
    assert "ssl_cafile" not in options and "sasl_mechanism" not in options  # system CAs


@pytest.mark.parametrize(
    "given",
    [
        {"kafka_security_protocol": "SASL_SSL"},  # no credentials
        {"kafka_security_protocol": "SASL_PLAINTEXT", "kafka_sasl_mechanism": "PLAIN"},
        {"kafka_sasl_username": "jiandu"},  # SASL settings that PLAINTEXT would ignore
        {"kafka_security_protocol": "SSL", **SASL},
        {"kafka_ssl_cafile": "PEM"},  # TLS files that PLAINTEXT would ignore
        {"kafka_security_protocol": "SASL_PLAINTEXT", "kafka_ssl_cafile": "PEM", **SASL},
        {"kafka_security_protocol": "SSL", "kafka_ssl_certfile": "PEM"},  # without its key
        {"kafka_security_protocol": "SSL", "kafka_ssl_cafile": "missing.pem"},
        {"kafka_security_protocol": "TLS"},
        {"kafka_security_protocol": "SASL_SSL", **SASL, "kafka_sasl_mechanism": "GSSAPI"},
    ],
)
def test_incomplete_or_ignored_settings_are_refused(given: dict[str, str], pem: Path) -> None:
    values = {k: str(pem) if v == "PEM" else v for k, v in given.items()}
    with pytest.raises(ValidationError):
        Settings(**values)  # type: ignore[arg-type]


def test_a_refusal_names_the_variables_and_never_echoes_a_value(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIANDU_")}
    env |= {"JIANDU_ENV": "test", "JIANDU_DATA_DIR": str(tmp_path),
            "JIANDU_KAFKA_BOOTSTRAP": "localhost:9093",
            "JIANDU_KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "JIANDU_KAFKA_SASL_USERNAME": "jiandu",
            "JIANDU_KAFKA_SASL_PASSWORD": "s3cret-of-the-broker"}  # fmt: skip
    done = subprocess.run(
        [str(JIANDU), "topics", "create"], env=env, capture_output=True, text=True,
        stdin=subprocess.DEVNULL, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert "JIANDU_KAFKA_SASL_MECHANISM" in done.stderr
    assert "s3cret" not in done.stderr + done.stdout
