"""SMS through Amazon SNS by direct publish to a phone number (no topic)."""

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
from cloud_plane.alerts.render import sms_text


class SnsSmsChannel:
    """Sends ``render.sms_text`` as a Transactional SMS (delivered even to DND numbers)."""

    name = ChannelKind.SMS

    def __init__(
        self,
        client: Any | None = None,
        *,
        sender_id: str | None = None,
        region_name: str | None = None,
        endpoint_url: str | None = None,
    ) -> None:
        """Use ``client`` (an SNS client) or build one on first send (honours AWS_ENDPOINT_URL).

        ``sender_id`` is the alphanumeric sender shown where countries allow it.
        """
        self._client = LazyClient("sns", client, region_name=region_name, endpoint_url=endpoint_url)
        self._sender_id = sender_id

    def send(
        self, delivery: Delivery, message: OutgoingMessage, recipient: Recipient
    ) -> DeliveryOutcome:
        """Publish one SMS; SNS errors become outcomes (see ``channels.aws``)."""
        if recipient.phone is None:
            return no_address(self.name, recipient)
        attributes = {"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}}
        if self._sender_id:
            attributes["AWS.SNS.SMS.SenderID"] = {
                "DataType": "String",
                "StringValue": self._sender_id,
            }
        try:
            reply = self._client.get().publish(
                PhoneNumber=recipient.phone,
                Message=sms_text(message),
                MessageAttributes=attributes,
            )
        except AWS_ERRORS as exc:
            return outcome_from_aws_error(exc)
        return DeliveryOutcome.sent(reply.get("MessageId"))
