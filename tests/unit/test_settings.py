"""Settings: defaults, the eventsourcing environment they select, and the safety check."""

from __future__ import annotations

import base64
import os
from datetime import date
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from api.settings import DEV_SECRET, Settings, UnsafeSettingsError, parse_postgres_url

PRIVATE_SECRET = "a-private-secret-of-enough-length"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the developer's own JIANDU_* variables out of these tests."""
    for name in list(os.environ):
        if name.startswith("JIANDU_"):
            monkeypatch.delenv(name)


def test_defaults_are_the_embedded_development_setup() -> None:
    settings = Settings()
    assert (settings.env, settings.store, settings.data_dir) == ("dev", "sqlite", Path(".data"))
    assert (settings.host, settings.port, settings.log_level) == ("127.0.0.1", 8000, "info")
    assert settings.secret.get_secret_value() == DEV_SECRET
    assert settings.search_engine == "opensearch"


def test_environment_variables_are_read_with_the_jiandu_prefix(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("JIANDU_ENV", "test")
    monkeypatch.setenv("JIANDU_PORT", "9001")
    monkeypatch.setenv("JIANDU_TODAY", "2025-03-01")
    monkeypatch.setenv("JIANDU_LOG_LEVEL", "DEBUG")
    settings = Settings()
    assert (settings.env, settings.port, settings.log_level) == ("test", 9001, "debug")
    assert settings.current_date() == date(2025, 3, 1)


def test_sqlite_store_maps_to_a_file_under_the_data_dir(tmp_path: Path) -> None:
    assert Settings(data_dir=tmp_path).eventsourcing_env() == {
        "PERSISTENCE_MODULE": "projections.recorders:SQLiteFactory",
        "SQLITE_DBNAME": str(tmp_path / "events.sqlite3"),
    }


def test_postgres_store_maps_the_url_to_eventsourcing_variables() -> None:
    settings = Settings(
        store="postgres",
        postgres_url="postgresql://jiandu:p%40ss@db.internal:6543/events",
        postgres_schema="audit",
    )
    assert settings.eventsourcing_env() == {
        "PERSISTENCE_MODULE": "projections.recorders:PostgresFactory",
        "POSTGRES_DBNAME": "events",
        "POSTGRES_HOST": "db.internal",
        "POSTGRES_PORT": "6543",
        "POSTGRES_USER": "jiandu",
        "POSTGRES_PASSWORD": "p@ss",
        "POSTGRES_SCHEMA": "audit",
    }


def test_postgres_url_without_password_or_port_uses_empty_password_and_5432() -> None:
    env = parse_postgres_url("postgres://postgres@127.0.0.1/jiandu_test")
    assert (env["POSTGRES_PORT"], env["POSTGRES_PASSWORD"]) == ("5432", "")


@pytest.mark.parametrize(
    "url", ["mysql://u@h/db", "postgresql://u@h/", "postgresql://h:5432/db", "postgresql://u@/db"]
)
def test_unusable_postgres_urls_are_rejected(url: str) -> None:
    with pytest.raises(ValidationError, match="postgres"):
        Settings(store="postgres", postgres_url=url)


def test_postgres_store_needs_a_url() -> None:
    with pytest.raises(ValidationError, match="JIANDU_POSTGRES_URL"):
        Settings(store="postgres")


@pytest.mark.parametrize("env", ["dev", "test"])
def test_dev_and_test_accept_the_built_in_secret(env: str) -> None:
    Settings(env=env).check_safe()  # type: ignore[arg-type]


@pytest.mark.parametrize("secret", [DEV_SECRET, "", "short"])
def test_prod_refuses_an_unset_default_or_short_secret(secret: str) -> None:
    settings = Settings(env="prod", secret=SecretStr(secret))
    with pytest.raises(UnsafeSettingsError, match="JIANDU_SECRET"):
        settings.check_safe()


def test_prod_accepts_a_private_secret_and_a_ledger_key(tmp_path: Path) -> None:
    key = tmp_path / "ledger.key"
    Settings(env="prod", secret=SecretStr(PRIVATE_SECRET), ledger_key_file=key).check_safe()


def test_prod_refuses_to_serve_without_the_ledger_key() -> None:
    settings = Settings(env="prod", secret=SecretStr(PRIVATE_SECRET))
    with pytest.raises(UnsafeSettingsError, match="JIANDU_LEDGER_KEY_FILE"):
        settings.check_safe()


def test_a_kafka_api_replica_may_serve_with_the_verifier_key_only() -> None:
    vkey = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
    Settings(
        env="prod", secret=SecretStr(PRIVATE_SECRET), store="postgres", transport="kafka",
        postgres_url="postgresql://u@h/db", kafka_bootstrap="h:9092", ledger_vkey=vkey,
    ).check_safe()  # fmt: skip


@pytest.mark.parametrize("field", ["ledger_vkey", "ledger_previous_keys", "ledger_witness_keys"])
def test_malformed_ledger_verifier_keys_are_rejected(field: str) -> None:
    with pytest.raises(ValidationError, match=field):
        Settings(**{field: "example.com/foo+530d903a+notakey"})


def test_seal_key_is_derived_from_the_secret_unless_given() -> None:
    derived = Settings(secret=SecretStr(PRIVATE_SECRET)).seal_key_bytes()
    assert len(derived) == 32
    assert derived == Settings(secret=SecretStr(PRIVATE_SECRET)).seal_key_bytes()
    assert derived != Settings().seal_key_bytes()
    key = bytes(range(32))
    given = Settings(seal_key=SecretStr(base64.b64encode(key).decode()))
    assert given.seal_key_bytes() == key


@pytest.mark.parametrize("bad", ["not base64!", base64.b64encode(b"too short").decode()])
def test_a_seal_key_that_is_not_32_base64_bytes_is_rejected(bad: str) -> None:
    with pytest.raises(ValidationError, match="seal_key"):
        Settings(seal_key=SecretStr(bad))


def test_an_unknown_log_level_is_rejected() -> None:
    with pytest.raises(ValidationError, match="log_level"):
        Settings(log_level="loud")


def test_current_date_is_the_system_date_when_today_is_unset() -> None:
    assert Settings().current_date() == date.today()
