"""Settings: defaults, the eventsourcing environment they select, and the safety check."""

from __future__ import annotations

import base64
import os
import random
from datetime import date
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from api.settings import Settings, UnsafeSettingsError, parse_postgres_url

STRONG_SECRET = "Tq3v9XbL0_wzR7mKp2sNcY8hJ4fD1gA6-eUiOxZ5yWq"
SEAL_KEY = base64.b64encode(bytes(range(7, 39))).decode()
LEDGER_KEY = Path("ledger.key")  # the check asks only that one is configured


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the developer's own JIANDU_* variables out of these tests."""
    for name in list(os.environ):
        if name.startswith("JIANDU_"):
            monkeypatch.delenv(name)


def test_defaults_are_the_embedded_setup_under_production_rules() -> None:
    settings = Settings()
    assert (settings.env, settings.store, settings.data_dir) == ("prod", "sqlite", Path(".data"))
    assert (settings.host, settings.port, settings.log_level) == ("127.0.0.1", 8000, "info")
    assert settings.secret is None and settings.seal_key is None
    assert settings.search_engine == "opensearch"
    assert settings.token_max_ttl == 7 * 86400


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
        "PROCESS_RECORDER_TOPIC": "api.recorders:IdempotentSQLiteRecorder",
    }


def test_postgres_store_maps_the_url_to_eventsourcing_variables() -> None:
    settings = Settings(
        store="postgres",
        postgres_url="postgresql://jiandu:p%40ss@db.internal:6543/events",
        postgres_schema="audit",
    )
    assert settings.eventsourcing_env() == {
        "PERSISTENCE_MODULE": "projections.recorders:PostgresFactory",
        "PROCESS_RECORDER_TOPIC": "api.recorders:IdempotentPostgresRecorder",
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
def test_dev_and_test_start_without_secrets(env: str) -> None:
    Settings(env=env).check_safe()  # type: ignore[arg-type]


def test_an_unset_environment_is_production_and_needs_a_secret() -> None:
    with pytest.raises(UnsafeSettingsError, match=r"JIANDU_SECRET.*JIANDU_ENV=dev"):
        Settings().check_safe()


def test_production_needs_a_seal_key_of_its_own() -> None:
    with pytest.raises(UnsafeSettingsError, match="JIANDU_SEAL_KEY"):
        Settings(secret=SecretStr(STRONG_SECRET)).check_safe()
    Settings(
        secret=SecretStr(STRONG_SECRET), seal_key=SecretStr(SEAL_KEY), ledger_key_file=LEDGER_KEY
    ).check_safe()


@pytest.mark.parametrize(
    "secret",
    [
        "",
        "short",
        "jiandu-dev-secret-not-for-production",
        "jiandu-dev-secret-not-for-production-but-longer-now-x",
        "x" + "jiandu-dev-secret-not-for-production".upper() + "Qz81",
        "a" * 64,
        "ab" * 32,
        "Tq3v9XbL0_wzR7mKp2sNcY8hJ4f D1gA6-eUiOxZ5yWq",
        " " + STRONG_SECRET,
        STRONG_SECRET + "\n",
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTU",
        "my-production-password-is-long-enough-I-think-9",
        "0123456789" * 5,
    ],
)
def test_production_refuses_a_weak_secret(secret: str) -> None:
    settings = Settings(env="prod", secret=SecretStr(secret), seal_key=SecretStr(SEAL_KEY))
    with pytest.raises(UnsafeSettingsError, match="JIANDU_SECRET"):
        settings.check_safe()


def test_prod_accepts_a_private_secret_and_a_ledger_key(tmp_path: Path) -> None:
    key = tmp_path / "ledger.key"
    Settings(
        env="prod",
        secret=SecretStr(STRONG_SECRET),
        seal_key=SecretStr(SEAL_KEY),
        ledger_key_file=key,
    ).check_safe()


def test_prod_refuses_to_serve_without_the_ledger_key() -> None:
    settings = Settings(env="prod", secret=SecretStr(STRONG_SECRET), seal_key=SecretStr(SEAL_KEY))
    with pytest.raises(UnsafeSettingsError, match="JIANDU_LEDGER_KEY_FILE"):
        settings.check_safe()


def test_a_kafka_api_replica_may_serve_with_the_verifier_key_only() -> None:
    vkey = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
    Settings(
        env="prod", secret=SecretStr(STRONG_SECRET), seal_key=SecretStr(SEAL_KEY),
        store="postgres", transport="kafka",
        postgres_url="postgresql://u@h/db", kafka_bootstrap="h:9092", ledger_vkey=vkey,
    ).check_safe()  # fmt: skip


@pytest.mark.parametrize("field", ["ledger_vkey", "ledger_previous_keys", "ledger_witness_keys"])
def test_malformed_ledger_verifier_keys_are_rejected(field: str) -> None:
    with pytest.raises(ValidationError, match=field):
        Settings(**{field: "example.com/foo+530d903a+notakey"})


def test_production_accepts_random_secrets() -> None:
    draw = random.Random(15)  # a fixed sample: the same secrets on every run
    for _ in range(1000):
        raw = draw.randbytes(32)
        for secret in (
            base64.urlsafe_b64encode(raw).rstrip(b"=").decode(),
            base64.b64encode(raw).decode(),
            raw.hex(),
        ):
            Settings(
                secret=SecretStr(secret), seal_key=SecretStr(SEAL_KEY), ledger_key_file=LEDGER_KEY
            ).check_safe()


def test_a_random_secret_with_a_run_in_it_is_still_accepted() -> None:
    # `openssl rand -hex 32` prints a run of six like this one about once in 5,000 secrets
    secret = "f84f5bbca4a918fd0dc23b940683e7e766c04dc87423011e205cccccc0bcd298"
    Settings(
        secret=SecretStr(secret), seal_key=SecretStr(SEAL_KEY), ledger_key_file=LEDGER_KEY
    ).check_safe()


def test_a_run_carries_no_entropy() -> None:
    # long enough, but most of it is one run: what is left is 22 characters
    secret = STRONG_SECRET[:20] + "abcdefghijklmnopqrstuvwx"
    settings = Settings(env="prod", secret=SecretStr(secret), seal_key=SecretStr(SEAL_KEY))
    with pytest.raises(UnsafeSettingsError, match="a run of repeated or consecutive"):
        settings.check_safe()


@pytest.mark.parametrize(
    "bad", ["not base64!", base64.b64encode(b"too short").decode(), base64.b64encode(bytes(32))]
)
def test_a_seal_key_that_is_not_32_random_base64_bytes_is_rejected(bad: str | bytes) -> None:
    text = bad.decode() if isinstance(bad, bytes) else bad
    with pytest.raises(ValidationError, match="seal"):
        Settings(seal_key=SecretStr(text))
    with pytest.raises(ValidationError, match="seal"):
        Settings(seal_key=SecretStr(SEAL_KEY), seal_key_previous=SecretStr(text))


@pytest.mark.parametrize(("text", "seconds"), [("90s", 90), ("8h", 28800), ("30d", 2592000)])
def test_the_token_lifetime_bound_takes_durations(text: str, seconds: int) -> None:
    assert Settings(token_max_ttl=text).token_max_ttl == seconds  # type: ignore[arg-type]


def test_an_unknown_log_level_is_rejected() -> None:
    with pytest.raises(ValidationError, match="log_level"):
        Settings(log_level="loud")


def test_current_date_is_the_system_date_when_today_is_unset() -> None:
    assert Settings().current_date() == date.today()
