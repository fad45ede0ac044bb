"""A real SMTP server for tests (aiosmtpd on loopback), shared by the cloud's email channel
tests and the node's offline-fallback tests."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.conftest import free_port


@dataclass
class Inbox:
    """What the server received; ``rcpt_reply``/``data_reply`` make it refuse (e.g. ``451 ...``)."""

    envelopes: list[Any] = field(default_factory=list)
    tls: list[bool] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)
    rcpt_reply: str | None = None
    data_reply: str | None = None
    attempts: int = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.attempts += 1
        if self.data_reply:
            return self.data_reply
        self.envelopes.append(envelope)
        self.tls.append(session.ssl is not None)
        return "250 2.0.0 Ok: queued"

    def wait_for(self, count: int, timeout: float = 15.0) -> list[Any]:
        """The envelopes once ``count`` have arrived (or what came within ``timeout``)."""
        deadline = time.monotonic() + timeout
        while len(self.envelopes) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.envelopes


@dataclass
class SmtpServer:
    """A running server on loopback."""

    host: str
    port: int
    inbox: Inbox
    ca_file: Path | None = None


def self_signed_cert(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@contextmanager
def running_smtp(
    inbox: Inbox, *, tls_folder: Path | None = None, **controller: Any
) -> Iterator[SmtpServer]:
    """Serve ``inbox`` on a free port; with ``tls_folder``, STARTTLS with a self-signed cert."""
    ca_file = None
    if tls_folder is not None:
        ca_file, key_file = self_signed_cert(tls_folder)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(ca_file, key_file)
        controller = {"tls_context": context, "require_starttls": True, **controller}
    port = free_port()
    server = Controller(inbox, hostname="127.0.0.1", port=port, **controller)
    server.start()
    try:
        yield SmtpServer("127.0.0.1", port, inbox, ca_file=ca_file)
    finally:
        server.stop()
