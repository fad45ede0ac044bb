"""Read a Hikvision ISAPI XML document safely, and find its elements by plain names.

Cameras never send a DTD, so any DTD, entity declaration or external reference is refused
(`defusedxml` with `forbid_dtd`): no entity expansion ("billion laughs"), no file or network
access. The size is bounded before this is called (the request body limit, and
`MAX_XML_BYTES` for a part). Namespaces are dropped from tag names, because firmware
versions use different ones (`hikvision.com/ver20`, `isapi.org/ver20`, `std-cgi.com/ver10`)
and an NVR may forward the document with prefixes (`ns1:`).
"""

from __future__ import annotations

from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from local_node.ingest.vendors.base import VendorPayloadError

# An EventNotificationAlert is 1–4 kB; a megabyte is a broken or hostile sender.
MAX_XML_BYTES = 1024 * 1024


def local_name(tag: object) -> str:
    """`{namespace}licensePlate` → `licensePlate` (comments and PIs have no string tag)."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def parse_xml(raw: bytes, *, field: str) -> Element:
    """Parse an XML document with namespaces removed from its tags, or raise naming `field`."""
    if len(raw) > MAX_XML_BYTES:
        raise VendorPayloadError(field, f"XML over {MAX_XML_BYTES} bytes")
    try:
        root = fromstring(raw, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise VendorPayloadError(field, f"XML refused ({type(exc).__name__})") from None
    except ParseError as exc:
        line, column = exc.position
        raise VendorPayloadError(
            field, f"not well-formed XML (line {line}, column {column})"
        ) from None
    for element in root.iter():
        element.tag = local_name(element.tag)
    return root


def child(element: Element | None, name: str) -> Element | None:
    """The first direct child named `name`, or None."""
    if element is None:
        return None
    return element.find(name)


def text(element: Element | None, name: str) -> str | None:
    """The stripped text of the first direct child named `name`; None when absent or blank."""
    found = child(element, name)
    if found is None or found.text is None:
        return None
    value = found.text.strip()
    return value or None
