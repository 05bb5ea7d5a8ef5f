"""Typed settings read from `JIANDU_*` environment variables: the one configuration object."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qs, unquote, urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from api.ratelimit import Network, parse_networks
from api.secrets import decode_seal_key, secret_weakness
from projections.ledger.offline import LedgerError, VerifierKey

SAFE_ENVS = ("dev", "test")
LOG_LEVELS = ("debug", "info", "warning", "error", "critical")


class UnsafeSettingsError(RuntimeError):
    """The settings must not be used to serve outside dev/test."""


class Settings(BaseSettings):
    """Everything the composition root needs to build the adapters; nothing connects here."""

    model_config = SettingsConfigDict(env_prefix="JIANDU_", extra="ignore")

    # Unset means production: a strong secret and a seal key are required. `dev` and `test`
    # generate what is unset into the data folder instead.
    env: Literal["dev", "test", "prod"] = "prod"
    secret: SecretStr | None = None
    data_dir: Path = Path(".data")
    store: Literal["sqlite", "postgres"] = "sqlite"
    postgres_url: str | None = None
    postgres_schema: str | None = None
    views_schema: str | None = None  # PostgreSQL read models; default <postgres_schema>_views
    kafka_bootstrap: str | None = None
    # Who keeps the read models, the search index and the findings current: this process
    # ("inprocess") or the Kafka consumer groups ("kafka"; the API then only reads and waits).
    transport: Literal["inprocess", "kafka"] = "inprocess"
    kafka_topic: str = "jiandu.events"
    kafka_partitions: int = Field(default=6, ge=1)
    kafka_replication_factor: int = Field(default=1, ge=1)  # of the topics `migrate` creates
    kafka_retention_hours: int = -1  # negative: keep every event (a replay needs them all)
    kafka_group_prefix: str = "jiandu"  # groups <prefix>-projector, -indexer, -supervisor
    # How every Kafka client reaches the brokers (docs/operations.md, "Kafka with TLS and SASL").
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = None
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    kafka_ssl_cafile: Path | None = None  # the brokers' CA (PEM); unset: the system's CAs
    kafka_ssl_certfile: Path | None = None  # client certificate and key (PEM), for mTLS
    kafka_ssl_keyfile: Path | None = None
    search_url: str | None = None
    search_engine: Literal["opensearch", "elasticsearch"] = "opensearch"
    search_index_prefix: str = Field(default="jiandu", pattern=r"^[a-z][a-z0-9_-]{0,30}$")
    today: date | None = None
    seal_key: SecretStr | None = None
    # Earlier seal keys (comma-separated), still accepted for unwrapping while
    # `jiandu keys rotate-seal` re-wraps every data key under `seal_key`.
    seal_key_previous: SecretStr | None = None
    token_max_ttl: int = Field(default=7 * 86400, ge=60, le=366 * 86400)
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "info"
    rules_file: Path | None = None  # a province's rules configuration (defaults when unset)
    # Run the supervision process and the daily rules sweep inside `serve`; unset means on,
    # except in JIANDU_ENV=test (tests that compare store positions start it themselves).
    supervise: bool | None = None
    public_rate_limit: int = Field(default=20, ge=1)
    public_rate_window: float = Field(default=60.0, gt=0)
    # The audit ledger (docs/ledger.md): the log's signed-note private key file (required
    # outside dev/test; in dev/test one is made in the data folder), or only its verifier key
    # for processes that serve and verify but never sign; earlier log keys (after a rotation)
    # and the witnesses whose cosignatures are accepted, as comma-separated verifier keys.
    ledger_key_file: Path | None = None
    ledger_vkey: str | None = None
    ledger_previous_keys: str = ""
    ledger_witness_keys: str = ""
    ledger_checkpoint_every: int = Field(default=1000, ge=1)  # sign after this many events
    ledger_checkpoint_seconds: float = Field(default=60.0, gt=0)  # or after this long
    # The least time a receipt lookup takes, found or not, so timing tells nothing.
    public_answer_floor: float = Field(default=0.1, ge=0, le=5)
    # A second listener for metrics, status, probes and the API docs, without tokens (meant
    # for the cluster's monitoring only); unset means none.
    ops_port: int | None = Field(default=None, ge=1, le=65535)
    ops_host: str = "127.0.0.1"
    # The API docs (/docs, /redoc, /openapi.json) on the API's listener without a token;
    # unset means only in dev.
    public_docs: bool | None = None
    # Proxies whose X-Forwarded-For is believed (comma-separated addresses or CIDR ranges);
    # anyone else's forwarding headers are ignored.
    trusted_proxies: str = ""
    # Seconds between anchors of the access log's head in the event store (0: none); unset
    # means every 300 s, except in JIANDU_ENV=test (tests that compare positions anchor
    # themselves).
    access_anchor_seconds: float | None = Field(default=None, ge=0)

    @field_validator("log_level")
    @classmethod
    def _known_log_level(cls, value: str) -> str:
        level = value.strip().lower()
        if level not in LOG_LEVELS:
            raise ValueError(f"log_level must be one of {', '.join(LOG_LEVELS)}")
        return level

    @field_validator("ledger_vkey", "ledger_previous_keys", "ledger_witness_keys")
    @classmethod
    def _verifier_keys(cls, value: str | None) -> str | None:
        for text in split_keys(value or ""):
            try:
                VerifierKey.parse(text)
            except LedgerError as error:
                raise ValueError(str(error)) from None
        return value

    @field_validator("seal_key", "seal_key_previous")
    @classmethod
    def _seal_key_is_aes256(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            for part in value.get_secret_value().split(","):
                if part.strip():
                    decode_seal_key(part.strip())
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies(cls, value: str) -> str:
        try:
            parse_networks(value)
        except ValueError as error:
            raise ValueError(f"trusted_proxies: {error}") from None
        return value

    def proxy_networks(self) -> tuple[Network, ...]:
        """The trusted proxies as networks."""
        return parse_networks(self.trusted_proxies)

    @field_validator("token_max_ttl", mode="before")
    @classmethod
    def _duration(cls, value: object) -> object:
        if isinstance(value, str) and (match := _DURATION.fullmatch(value.strip())):
            return int(match.group(1)) * _SECONDS[match.group(2)]
        return value

    @model_validator(mode="after")
    def _kafka_transport_is_distributed(self) -> Settings:
        if self.transport == "kafka" and (self.store != "postgres" or not self.kafka_bootstrap):
            raise ValueError(
                "transport 'kafka' needs JIANDU_STORE=postgres and JIANDU_KAFKA_BOOTSTRAP"
            )
        return self

    @model_validator(mode="after")
    def _kafka_security_is_whole(self) -> Settings:
        protocol = self.kafka_security_protocol
        sasl = (self.kafka_sasl_mechanism, self.kafka_sasl_username, self.kafka_sasl_password)
        tls_files = (self.kafka_ssl_cafile, self.kafka_ssl_certfile, self.kafka_ssl_keyfile)
        if protocol.startswith("SASL_") and not all(sasl):
            raise ValueError(
                f"kafka_security_protocol {protocol} needs JIANDU_KAFKA_SASL_MECHANISM, "
                "JIANDU_KAFKA_SASL_USERNAME and JIANDU_KAFKA_SASL_PASSWORD"
            )
        if not protocol.startswith("SASL_") and any(v is not None for v in sasl):
            raise ValueError(
                f"JIANDU_KAFKA_SASL_* are set but kafka_security_protocol is {protocol}: "
                "use SASL_SSL (or SASL_PLAINTEXT) for them to be used"
            )
        if not protocol.endswith("SSL") and any(tls_files):
            raise ValueError(
                f"JIANDU_KAFKA_SSL_* files are set but kafka_security_protocol is {protocol}: "
                "use SSL or SASL_SSL for them to be used"
            )
        if (self.kafka_ssl_certfile is None) != (self.kafka_ssl_keyfile is None):
            raise ValueError("JIANDU_KAFKA_SSL_CERTFILE and JIANDU_KAFKA_SSL_KEYFILE go together")
        for path in tls_files:
            if path is not None and not path.is_file():
                raise ValueError(f"Kafka TLS file {path} is not a readable file")
        return self

    @model_validator(mode="after")
    def _postgres_store_has_url(self) -> Settings:
        if self.store == "postgres" and not self.postgres_url:
            raise ValueError("store 'postgres' needs JIANDU_POSTGRES_URL")
        if self.postgres_url:
            parse_postgres_url(self.postgres_url)
        return self

    def check_safe(self) -> None:
        """Refuse to serve outside dev/test without a strong secret, a seal key of its own, or
        the audit ledger's key."""
        if self.env in SAFE_ENVS:
            return
        hint = "(set JIANDU_ENV=dev for development: both are then generated in the data folder)"
        if self.secret is None:
            raise UnsafeSettingsError(f"JIANDU_ENV={self.env} needs JIANDU_SECRET {hint}")
        weakness = secret_weakness(self.secret.get_secret_value())
        if weakness is not None:
            raise UnsafeSettingsError(
                f"JIANDU_SECRET is not strong enough for JIANDU_ENV={self.env}: {weakness}; "
                "use at least 32 random bytes, e.g. `openssl rand -base64 32`"
            )
        if self.seal_key is None:
            raise UnsafeSettingsError(
                f"JIANDU_ENV={self.env} needs JIANDU_SEAL_KEY, a key of its own that seals "
                f"reporters' identities (`openssl rand -base64 32`) {hint}"
            )
        self.ledger_keys_needed()

    def ledger_keys_needed(self) -> None:
        """Refuse outside dev/test without the log's key: the integrator signs with it in
        `serve` (in-process transport) and `jiandu consume integrator`."""
        if self.env in SAFE_ENVS or self.ledger_key_file is not None:
            return
        if self.transport == "kafka" and self.ledger_vkey:
            return  # this process only serves and verifies; the integrator group signs
        raise UnsafeSettingsError(
            f"JIANDU_ENV={self.env} needs JIANDU_LEDGER_KEY_FILE (the audit ledger's signing "
            "key; `jiandu audit keygen` writes one)"
        )

    def docs_public(self) -> bool:
        """Whether the API's listener serves its docs without a token."""
        return self.public_docs if self.public_docs is not None else self.env == "dev"

    def development(self) -> bool:
        """Whether unset secrets may be generated into the data folder (dev and test)."""
        return self.env in SAFE_ENVS

    def supervising(self) -> bool:
        """Whether `serve` runs the supervision process and the daily rules sweep."""
        return self.supervise if self.supervise is not None else self.env != "test"

    def access_anchor_interval(self) -> float:
        """Seconds between anchors of the access log (0: `serve` anchors none)."""
        if self.access_anchor_seconds is not None:
            return self.access_anchor_seconds
        return 0.0 if self.env == "test" else 300.0

    def current_date(self) -> date:
        """The injectable clock: `today` when set, else the system date."""
        return self.today or date.today()

    def eventsourcing_env(self) -> dict[str, str]:
        """The environment variables that select and configure eventsourcing's recorder (the
        library's, with the query the supervision process needs: ``projections.recorders``)."""
        if self.store == "sqlite":
            return {
                "PERSISTENCE_MODULE": "projections.recorders:SQLiteFactory",
                "SQLITE_DBNAME": str(self.data_dir / "events.sqlite3"),
                "PROCESS_RECORDER_TOPIC": "api.recorders:IdempotentSQLiteRecorder",
            }
        assert self.postgres_url is not None  # guaranteed by _postgres_store_has_url
        env = {
            "PERSISTENCE_MODULE": "projections.recorders:PostgresFactory",
            "PROCESS_RECORDER_TOPIC": "api.recorders:IdempotentPostgresRecorder",
        }
        env.update(parse_postgres_url(self.postgres_url))
        if self.postgres_schema:
            env["POSTGRES_SCHEMA"] = self.postgres_schema
        return env


def split_keys(text: str) -> list[str]:
    """Comma- or space-separated verifier keys."""
    return [k for k in text.replace(",", " ").split() if k]


def parse_postgres_url(url: str) -> dict[str, str]:
    """Split `postgresql://user[:password]@host[:port]/dbname` into eventsourcing's variables."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgresql", "postgres"):
        raise ValueError(f"postgres URL must start with postgresql://, got {parts.scheme!r}")
    query = parse_qs(parts.query)
    dbname = unquote(parts.path.lstrip("/"))
    host = parts.hostname or query.get("host", [""])[0]
    user = unquote(parts.username or "") or query.get("user", [""])[0]
    missing = [
        name for name, value in (("database", dbname), ("host", host), ("user", user)) if not value
    ]
    if missing:
        raise ValueError(f"postgres URL lacks {', '.join(missing)}: postgresql://USER@HOST:PORT/DB")
    return {
        "POSTGRES_DBNAME": dbname,
        "POSTGRES_HOST": host,
        "POSTGRES_PORT": str(parts.port or 5432),
        "POSTGRES_USER": user,
        "POSTGRES_PASSWORD": unquote(parts.password or ""),
    }


_DURATION = re.compile(r"^(\d+)([smhd])$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
