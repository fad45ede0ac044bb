"""Split a multipart body into its parts leniently, for cameras whose multipart is not a form.

Hikvision firmware names each part after its file (`name="anpr.xml"`,
`name="licensePlatePicture.jpg"`), and some versions send a part with a `filename` and no
`name`, or bare LF line ends. Starlette's form parser refuses a part without a `name`, so
the whole event would be lost; the standard library's MIME parser accepts all of these.
The body is already bounded (`read_limited`), so holding it in memory is safe.
"""

from __future__ import annotations

import email.policy
from dataclasses import dataclass
from email import message_from_bytes

from local_node.ingest.vendors.base import VendorPayloadError

# An event carries one XML document and at most three pictures; more is not a camera.
MAX_PARTS = 16


@dataclass(frozen=True)
class Part:
    """One part: its form name and file name (either may be empty), media type and bytes."""

    name: str
    filename: str
    media_type: str
    data: bytes

    @property
    def label(self) -> str:
        """How the part is named in errors and in choosing pictures: its name, else file name."""
        return self.name or self.filename


def split_multipart(body: bytes, content_type: str) -> list[Part]:
    """The parts of a `multipart/*` body in order; raise `VendorPayloadError` if there are none."""
    header = f"Content-Type: {content_type}\r\n\r\n".encode("latin-1", "replace")
    message = message_from_bytes(header + body, policy=email.policy.HTTP)
    if not message.is_multipart():
        raise VendorPayloadError("body", "multipart body without a boundary")
    parts: list[Part] = []
    for item in message.iter_parts():
        if len(parts) >= MAX_PARTS:
            raise VendorPayloadError("body", f"more than {MAX_PARTS} multipart parts")
        payload = item.get_payload(decode=True)
        parts.append(
            Part(
                name=str(item.get_param("name", "", header="content-disposition") or ""),
                filename=str(item.get_filename() or ""),
                media_type=item.get_content_type(),
                data=payload if isinstance(payload, bytes) else b"",
            )
        )
    if not parts:
        raise VendorPayloadError("body", "multipart body has no parts (boundary not found)")
    return parts
