"""How every Kafka client reaches the brokers: TLS and SASL options, given the same to the relay's
producer, the dead-letter producers, the group members, the admin client that creates topics
and the clients that measure lag.

Settings check the combinations (api/settings.py); this only turns them into the clients'
options.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Protocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
Mechanism = Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]


@dataclass(frozen=True)
class KafkaSecurity:
    """The listener's security protocol and what it asks of a client."""

    protocol: Protocol = "PLAINTEXT"
    sasl_mechanism: Mechanism | None = None
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    cafile: str | None = None  # the brokers' certificate authority (else the system's)
    certfile: str | None = None  # a client certificate, for brokers that ask for one (mTLS)
    keyfile: str | None = None

    @property
    def tls(self) -> bool:
        return self.protocol in ("SSL", "SASL_SSL")

    @property
    def sasl(self) -> bool:
        return self.protocol in ("SASL_PLAINTEXT", "SASL_SSL")

    def options(self) -> dict[str, Any]:
        """The kafka-python options for any client (producer, consumer, admin)."""
        made: dict[str, Any] = {"security_protocol": self.protocol}
        if self.sasl:
            made |= {
                "sasl_mechanism": self.sasl_mechanism,
                "sasl_plain_username": self.username,  # SCRAM reads the same two options
                "sasl_plain_password": self.password,
            }
        if self.tls:
            made["ssl_check_hostname"] = True  # the brokers' names must match their certificate
            for option, path in (
                ("ssl_cafile", self.cafile),
                ("ssl_certfile", self.certfile),
                ("ssl_keyfile", self.keyfile),
            ):
                if path:
                    made[option] = path
        return made


PLAINTEXT = KafkaSecurity()
