"""The fallback's channels: email through SMTP (STARTTLS, login, timeout) and signed webhooks.

One small interface, two implementations chosen from settings by ``build_channels``. A
send never raises for the provider's or the network's failures: it returns a
``SendOutcome`` that says whether retrying may help (SMTP 4xx, timeouts, refused
connections, HTTP 408/429/5xx) or not (SMTP 5xx, other HTTP 4xx, TLS refused). Secrets
(the SMTP password, the webhook key) are read from their ``SecretStr`` only at the moment
they are used and never appear in outcomes or logs; a webhook is named by a label that
keeps only the URL's scheme and host, since paths and queries often hold tokens.
"""

from __future__ import annotations

import hashlib
import smtplib
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Literal, Protocol
from urllib.parse import urlsplit

import httpx
from pydantic import SecretStr

from local_node.alerts.messages import HitAlert, email_content, webhook_body
from local_node.config import FallbackSettings
from sync_protocol.webhook_signing import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    sign_webhook,
)

ChannelName = Literal["smtp", "webhook"]
USER_AGENT = "edgesync-node-fallback/1"


@dataclass(frozen=True)
class SendOutcome:
    """What one attempt did; a refusal is an outcome, not an exception."""

    ok: bool
    provider_message_id: str | None = None
    error: str | None = None
    retryable: bool = False

    @classmethod
    def sent(cls, provider_message_id: str | None) -> SendOutcome:
        """The channel accepted the message."""
        return cls(ok=True, provider_message_id=provider_message_id)

    @classmethod
    def failed(cls, error: str, *, retryable: bool) -> SendOutcome:
        """The attempt failed; ``retryable`` says whether another one may succeed."""
        return cls(ok=False, error=error[:500] or "unknown error", retryable=retryable)


class FallbackChannel(Protocol):
    """A way to reach people without the cloud; ``send`` never raises for delivery failures."""

    name: ChannelName

    def recipients(self) -> list[str]:
        """Return who this channel alerts (the ledger's recipient values, at most 254 chars)."""
        ...

    def send(self, alert: HitAlert, recipient: str, *, attempt: int) -> SendOutcome:
        """Try once to hand ``alert`` to ``recipient``."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


def _smtp_failure(code: int, text: bytes | str) -> SendOutcome:
    detail = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return SendOutcome.failed(f"SMTP {code}: {detail}", retryable=400 <= code < 500)


class SmtpChannel:
    """One email per recipient through an SMTP server; one connection per message."""

    name: ChannelName = "smtp"

    def __init__(
        self,
        host: str,
        port: int = 587,
        *,
        from_address: str,
        to: list[str],
        starttls: bool = True,
        username: str | None = None,
        password: SecretStr | None = None,
        timeout: float = 10.0,
        ssl_context: ssl.SSLContext | None = None,
        tz: tzinfo | None = None,
    ) -> None:
        """Configure the server; nothing connects until ``send``.

        ``ssl_context`` defaults to the system trust store with hostname checks; ``tz``
        is the zone times are shown in (None: the node's own).
        """
        self._host = host
        self._port = port
        self._from = from_address
        self._to = list(to)
        self._starttls = starttls
        self._username = username
        self._password = password
        self._timeout = timeout
        self._ssl_context = ssl_context
        self._tz = tz
        self._msgid_domain = from_address.rpartition("@")[2] or "edgesync.invalid"

    def recipients(self) -> list[str]:
        """Return the configured addresses."""
        return list(self._to)

    def build_email(self, alert: HitAlert, recipient: str, *, attempt: int) -> EmailMessage:
        """Return the MIME email (text with an HTML alternative) for one recipient."""
        content = email_content(alert, self._tz)
        mail = EmailMessage()
        mail["Subject"] = content.subject
        mail["From"] = self._from
        mail["To"] = recipient
        mail["Date"] = formatdate(localtime=False, usegmt=True)
        mail["Message-ID"] = make_msgid("edgesync-node", domain=self._msgid_domain)
        mail["X-Edgesync-Alert-Id"] = str(alert.alert_id)
        mail[DELIVERY_HEADER] = f"{alert.alert_id}:{recipient}:smtp"
        mail["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation auto-replies
        mail.set_content(content.text)
        mail.add_alternative(content.html, subtype="html")
        return mail

    def _connect(self) -> smtplib.SMTP:
        smtp = smtplib.SMTP(self._host, self._port, timeout=self._timeout)
        try:
            if self._starttls:
                smtp.starttls(context=self._ssl_context or ssl.create_default_context())
            if self._username is not None and self._password is not None:
                smtp.login(self._username, self._password.get_secret_value())
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, alert: HitAlert, recipient: str, *, attempt: int) -> SendOutcome:
        """Send one email; SMTP replies and network failures become outcomes."""
        mail = self.build_email(alert, recipient, attempt=attempt)
        try:
            with self._connect() as smtp:
                smtp.send_message(mail, from_addr=self._from, to_addrs=[recipient])
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            return _smtp_failure(code, text)
        except smtplib.SMTPNotSupportedError as exc:  # e.g. no STARTTLS: configuration
            return SendOutcome.failed(f"SMTP not supported: {exc}", retryable=False)
        except smtplib.SMTPAuthenticationError as exc:
            return SendOutcome.failed(f"SMTP login refused ({exc.smtp_code})", retryable=False)
        except smtplib.SMTPResponseException as exc:
            return _smtp_failure(exc.smtp_code, exc.smtp_error)
        except ssl.SSLCertVerificationError as exc:  # before OSError: it is one
            return SendOutcome.failed(f"TLS certificate rejected: {exc}", retryable=False)
        except TimeoutError as exc:
            return SendOutcome.failed(f"SMTP timeout: {exc}", retryable=True)
        except (smtplib.SMTPException, OSError) as exc:  # refused, reset, DNS, disconnected
            return SendOutcome.failed(f"{type(exc).__name__}: {exc}", retryable=True)
        return SendOutcome.sent(mail["Message-ID"])

    def close(self) -> None:
        """Nothing is held between messages."""


def webhook_label(url: str) -> str:
    """Return the ledger's name for a webhook URL: scheme, host and a digest, never the path.

    >>> webhook_label("https://hooks.example.com/T0/B0/secret-token")[:34]
    'webhook https://hooks.example.com '
    """
    parts = urlsplit(url)
    host = parts.hostname or "?"
    origin = f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port else "")
    digest = hashlib.sha256(url.encode("utf-8")).hexdigest()[:12]
    return f"webhook {origin[:200]} #{digest}"


def _is_retryable_status(status: int) -> bool:
    return status in (408, 429) or status >= 500


class WebhookChannel:
    """POSTs the webhook document, signed with ``X-Edgesync-Timestamp``/``-Signature``."""

    name: ChannelName = "webhook"

    def __init__(
        self,
        url: str,
        secret: SecretStr,
        *,
        timeout: float = 10.0,
        clock: Callable[[], datetime],
        transport: httpx.BaseTransport | None = None,
        tz: tzinfo | None = None,
    ) -> None:
        """Configure the endpoint; the HTTP client is made on first send."""
        self._url = url
        self._secret = secret
        self._timeout = timeout
        self._clock = clock
        self._transport = transport
        self._tz = tz
        self._label = webhook_label(url)
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()

    def recipients(self) -> list[str]:
        """Return the endpoint's label (the URL itself is never stored or logged)."""
        return [self._label]

    def _http(self) -> httpx.Client:
        with self._lock:
            if self._client is None:
                self._client = httpx.Client(
                    timeout=self._timeout,
                    follow_redirects=False,  # a moved endpoint is a configuration error
                    headers={"User-Agent": USER_AGENT},
                    transport=self._transport,
                )
            return self._client

    def send(self, alert: HitAlert, recipient: str, *, attempt: int) -> SendOutcome:
        """POST once; 2xx is ok, 408/429/5xx and network failures retryable, other 4xx not."""
        delivery_id = f"{alert.alert_id}:node-webhook"
        body = webhook_body(alert, delivery_id=delivery_id, attempt=attempt, tz=self._tz)
        timestamp = str(int(self._clock().timestamp()))
        headers = {
            "Content-Type": "application/json",
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign_webhook(self._secret.get_secret_value(), timestamp, body),
            DELIVERY_HEADER: delivery_id,
        }
        try:
            response = self._http().post(self._url, content=body, headers=headers)
        except httpx.TimeoutException as exc:
            return SendOutcome.failed(f"webhook timeout: {type(exc).__name__}", retryable=True)
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            return SendOutcome.failed(
                f"webhook URL unusable: {type(exc).__name__}", retryable=False
            )
        except httpx.TransportError as exc:  # refused, reset, DNS, protocol errors
            return SendOutcome.failed(
                f"webhook transport: {type(exc).__name__}: {exc}".replace(self._url, self._label),
                retryable=True,
            )
        if response.is_success:
            return SendOutcome.sent(response.headers.get("X-Request-Id") or delivery_id)
        return SendOutcome.failed(
            f"webhook HTTP {response.status_code}: {response.text[:200]}",
            retryable=_is_retryable_status(response.status_code),
        )

    def close(self) -> None:
        """Close the HTTP client (made again on the next send)."""
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None


def build_channels(
    settings: FallbackSettings,
    *,
    clock: Callable[[], datetime],
    tz: tzinfo | None = None,
    ssl_context: ssl.SSLContext | None = None,
    transport: httpx.BaseTransport | None = None,
) -> list[FallbackChannel]:
    """Return the channels the settings configure (empty: the fallback is off)."""
    channels: list[FallbackChannel] = []
    if settings.smtp_host and settings.email_from:
        channels.append(
            SmtpChannel(
                settings.smtp_host,
                settings.smtp_port,
                from_address=settings.email_from,
                to=settings.email_to,
                starttls=settings.smtp_starttls,
                username=settings.smtp_user,
                password=settings.smtp_password,
                timeout=settings.timeout_s,
                ssl_context=ssl_context,
                tz=tz,
            )
        )
    if settings.webhook_url and settings.webhook_secret:
        channels.append(
            WebhookChannel(
                settings.webhook_url,
                settings.webhook_secret,
                timeout=settings.timeout_s,
                clock=clock,
                transport=transport,
                tz=tz,
            )
        )
    return channels
