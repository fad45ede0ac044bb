"""Email through Amazon SES (API v2 ``send_email`` with simple text + HTML content)."""

from __future__ import annotations

from typing import Any

from cloud_plane.alerts.channels.aws import AWS_ERRORS, LazyClient, outcome_from_aws_error
from cloud_plane.alerts.channels.base import no_address
from cloud_plane.alerts.model import (
    ChannelKind,
    Delivery,
    DeliveryOutcome,
    OutgoingMessage,
    Recipient,
)
from cloud_plane.alerts.render import email_content


class SesEmailChannel:
    """Sends ``render.email_content`` from a verified SES identity."""

    name = ChannelKind.EMAIL

    def __init__(
        self,
        client: Any | None = None,
        *,
        from_address: str,
        configuration_set: str | None = None,
        region_name: str | None = None,
        endpoint_url: str | None = None,
    ) -> None:
        """Use ``client`` (an SESv2 client) or build one on first send.

        ``from_address`` must be a verified identity (an unverified one is a
        not-retryable ``MessageRejected``); ``configuration_set`` routes bounce
        and complaint events.
        """
        self._client = LazyClient(
            "sesv2", client, region_name=region_name, endpoint_url=endpoint_url
        )
        self._from = from_address
        self._configuration_set = configuration_set

    def send(
        self, delivery: Delivery, message: OutgoingMessage, recipient: Recipient
    ) -> DeliveryOutcome:
        """Send one email; SES errors become outcomes (see ``channels.aws``)."""
        if recipient.email is None:
            return no_address(self.name, recipient)
        content = email_content(message)
        request: dict[str, Any] = {
            "FromEmailAddress": self._from,
            "Destination": {"ToAddresses": [recipient.email]},
            "Content": {
                "Simple": {
                    "Subject": {"Data": content.subject, "Charset": "UTF-8"},
                    "Body": {
                        "Text": {"Data": content.text, "Charset": "UTF-8"},
                        "Html": {"Data": content.html, "Charset": "UTF-8"},
                    },
                }
            },
        }
        if self._configuration_set:
            request["ConfigurationSetName"] = self._configuration_set
        try:
            reply = self._client.get().send_email(**request)
        except AWS_ERRORS as exc:
            return outcome_from_aws_error(exc)
        return DeliveryOutcome.sent(reply.get("MessageId"))
