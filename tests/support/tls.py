"""A certificate authority and a TLS listener that records what a Kafka client sends it.

The listener stands where a broker's TLS listener would: it completes the handshake (asking
for a client certificate when told to), reads the first request frame and records its API key
and client id. It answers nothing, so the client never gets further than its first request.
"""

from __future__ import annotations

import datetime
import ipaddress
import socket
import ssl
import struct
import threading
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@dataclass
class Authority:
    """A CA and the files of a certificate it signed for each name asked for."""

    folder: Path
    name: str = "test CA"
    key: ec.EllipticCurvePrivateKey = field(init=False)
    certificate: x509.Certificate = field(init=False)

    def __post_init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, self.name)])
        self.certificate = (
            self._builder(subject, subject, self.key.public_key())
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(self.key, hashes.SHA256())
        )
        self.cafile.write_bytes(self.certificate.public_bytes(serialization.Encoding.PEM))

    @property
    def cafile(self) -> Path:
        return self.folder / f"{self.name.replace(' ', '-')}.pem"

    def issue(self, common_name: str) -> tuple[Path, Path]:
        """A certificate for ``common_name`` (valid for localhost and 127.0.0.1 too): the
        certificate file and its key file, both PEM."""
        key = ec.generate_private_key(ec.SECP256R1())
        names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
        certificate = (
            self._builder(subject, self.certificate.subject, key.public_key())
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .sign(self.key, hashes.SHA256())
        )
        certfile = self.folder / f"{common_name}.crt"
        keyfile = self.folder / f"{common_name}.key"
        certfile.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        keyfile.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        return certfile, keyfile

    @staticmethod
    def _builder(
        subject: x509.Name, issuer: x509.Name, public: ec.EllipticCurvePublicKey
    ) -> x509.CertificateBuilder:
        now = datetime.datetime.now(datetime.UTC)
        return (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(public)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=1))
        )


@dataclass
class Seen:
    """What one connection showed the listener."""

    handshake: str = ""  # "ok", or the TLS error that ended it
    client_certificate: str | None = None  # the client certificate's common name
    api_key: int | None = None
    client_id: str | None = None


class TlsListener:
    """Accepts TLS connections on 127.0.0.1 until closed; records each one."""

    def __init__(self, certfile: Path, keyfile: Path, client_ca: Path | None = None) -> None:
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(certfile, keyfile)
        if client_ca is not None:  # mutual TLS: a client certificate from this CA is required
            self.context.verify_mode = ssl.CERT_REQUIRED
            self.context.load_verify_locations(client_ca)
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.socket.getsockname()[1])
        self.seen: list[Seen] = []
        self.first = threading.Event()  # set when a connection has been judged
        self._open: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                raw, _ = self.socket.accept()
            except OSError:  # closed
                return
            self._open.append(raw)
            threading.Thread(target=self._judge, args=(raw,), daemon=True).start()

    def _judge(self, raw: socket.socket) -> None:
        seen = Seen()
        raw.settimeout(30)
        try:
            conn = self.context.wrap_socket(raw, server_side=True)
            self._open.append(conn)
            seen.handshake = "ok"
            peer = conn.getpeercert()
            if peer:
                names = dict(pair[0] for pair in peer["subject"])
                seen.client_certificate = names.get("commonName")
            size = struct.unpack(">i", _exactly(conn, 4))[0]
            frame = _exactly(conn, size)
            seen.api_key = struct.unpack(">h", frame[:2])[0]
            id_length = struct.unpack(">h", frame[8:10])[0]
            seen.client_id = frame[10 : 10 + id_length].decode() if id_length >= 0 else None
        except (ssl.SSLError, OSError, struct.error) as error:
            seen.handshake = seen.handshake or type(error).__name__ + ": " + str(error)
        self.seen.append(seen)
        self.first.set()

    def close(self) -> None:
        self.socket.close()
        for conn in self._open:
            conn.close()


def _exactly(conn: socket.socket, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = conn.recv(count - len(data))
        if not chunk:
            raise OSError("connection closed")
        data += chunk
    return data
