"""Email through any SMTP server (self-hosting): STARTTLS or implicit TLS, optional login, timeout.

One connection per message: alerts are rare and a held connection would go
stale between them. SMTP reply codes decide retryability: 4xx is the server
saying "try later" (greylisting, mailbox busy), 5xx is a permanent refusal.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Literal

from cloud_plane.alerts.channels.base import no_address
from cloud_plane.alerts.model import (
    ChannelKind,
    Delivery,
    DeliveryOutcome,
    OutgoingMessage,
    Recipient,
)
from cloud_plane.alerts.render import email_content

Security = Literal["none", "starttls", "tls"]


def build_email(
    message: OutgoingMessage,
    delivery: Delivery,
    *,
    from_address: str,
    to_address: str,
    msgid_domain: str | None = None,
) -> EmailMessage:
    """Return the MIME email (text with an HTML alternative) for one delivery."""
    content = email_content(message)
    mail = EmailMessage()
    mail["Subject"] = content.subject
    mail["From"] = from_address
    mail["To"] = to_address
    mail["Date"] = formatdate(localtime=False, usegmt=True)
    mail["Message-ID"] = make_msgid("edgesync", domain=msgid_domain)
    mail["X-Edgesync-Alert-Id"] = str(message.alert_id)
    mail["X-Edgesync-Delivery"] = delivery.key
    mail["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation auto-replies
    mail.set_content(content.text)
    mail.add_alternative(content.html, subtype="html")
    return mail


def _outcome_from_smtp_code(code: int, text: bytes | str) -> DeliveryOutcome:
    detail = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return DeliveryOutcome.failed(f"SMTP {code}: {detail}", retryable=400 <= code < 500)


class SmtpEmailChannel:
    """Sends ``render.email_content`` through an SMTP server."""

    name = ChannelKind.EMAIL

    def __init__(
        self,
        host: str,
        port: int = 587,
        *,
        from_address: str,
        security: Security = "starttls",
        username: str | None = None,
        password: str | None = None,
        timeout: float = 10.0,
        ssl_context: ssl.SSLContext | None = None,
        msgid_domain: str | None = None,
    ) -> None:
        """Configure the server; nothing connects until ``send``.

        ``security`` is ``starttls`` (upgrade, fail if the server cannot),
        ``tls`` (implicit TLS, port 465) or ``none`` (a trusted local relay).
        ``ssl_context`` defaults to the system trust store with hostname checks.
        """
        if (username is None) != (password is None):
            raise ValueError("username and password go together")
        self._host = host
        self._port = port
        self._from = from_address
        self._security = security
        self._username = username
        self._password = password
        self._timeout = timeout
        self._ssl_context = ssl_context
        self._msgid_domain = msgid_domain

    def _connect(self) -> smtplib.SMTP:
        context = self._ssl_context or ssl.create_default_context()
        if self._security == "tls":
            return smtplib.SMTP_SSL(self._host, self._port, timeout=self._timeout, context=context)
        smtp = smtplib.SMTP(self._host, self._port, timeout=self._timeout)
        try:
            if self._security == "starttls":
                smtp.starttls(context=context)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(
        self, delivery: Delivery, message: OutgoingMessage, recipient: Recipient
    ) -> DeliveryOutcome:
        """Send one email; SMTP replies and network failures become outcomes."""
        if recipient.email is None:
            return no_address(self.name, recipient)
        mail = build_email(
            message,
            delivery,
            from_address=self._from,
            to_address=recipient.email,
            msgid_domain=self._msgid_domain,
        )
        try:
            with self._connect() as smtp:
                if self._username is not None and self._password is not None:
                    smtp.login(self._username, self._password)
                smtp.send_message(mail)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            return _outcome_from_smtp_code(code, text)
        except smtplib.SMTPNotSupportedError as exc:  # e.g. no STARTTLS: configuration
            return DeliveryOutcome.failed(f"SMTP not supported: {exc}", retryable=False)
        except smtplib.SMTPResponseException as exc:  # sender/data refused, auth, helo…
            return _outcome_from_smtp_code(exc.smtp_code, exc.smtp_error)
        except smtplib.SMTPServerDisconnected as exc:
            return DeliveryOutcome.failed(f"SMTP server disconnected: {exc}", retryable=True)
        except ssl.SSLCertVerificationError as exc:  # before OSError: it is one
            return DeliveryOutcome.failed(f"TLS certificate rejected: {exc}", retryable=False)
        except TimeoutError as exc:
            return DeliveryOutcome.failed(f"SMTP timeout: {exc}", retryable=True)
        except (smtplib.SMTPException, OSError) as exc:  # refused, reset, DNS…
            return DeliveryOutcome.failed(f"{type(exc).__name__}: {exc}", retryable=True)
        return DeliveryOutcome.sent(mail["Message-ID"])
