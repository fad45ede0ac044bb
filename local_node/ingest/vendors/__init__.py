"""Vendor camera formats mapped to `DetectionIn`: Plate Recognizer, Rekor/OpenALPR, Frigate."""

from local_node.ingest.vendors.base import VendorPayloadError, VendorRead
from local_node.ingest.vendors.frigate import parse_frigate_lpr
from local_node.ingest.vendors.openalpr import (
    AgentHeartbeat,
    CameraHealth,
    OpenAlprParsed,
    parse_openalpr,
)
from local_node.ingest.vendors.platerecognizer import parse_platerecognizer

__all__ = [
    "AgentHeartbeat",
    "CameraHealth",
    "OpenAlprParsed",
    "VendorPayloadError",
    "VendorRead",
    "parse_frigate_lpr",
    "parse_openalpr",
    "parse_platerecognizer",
]
