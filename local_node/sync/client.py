"""HTTP to the cloud's sync endpoints: codec bodies, a signed JWT per request, timeouts.

Exceptions::

    SyncError               an exchange or enrolment did not complete; retried with backoff
     ├── CloudUnreachable   network error, timeout, 429 or 5xx (``retry_after`` if given)
     │    └── UnreadableReply  a 2xx whose body is not a sync message (not an edgesync cloud?)
     └── CloudRefused       the cloud answered 3xx or 4xx: ``status`` and ``detail`` say why
                            (401 bad signature, 403 revoked / used code, 413 too large,
                            422 malformed, 426 protocol version); ``error_shape`` whether
                            the body was the cloud's ``{"detail": ...}`` JSON
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import datetime

import httpx

from sync_protocol import codec
from sync_protocol.image_messages import (
    COMMAND_POLL_PATH,
    IMAGE_MISSING_PATH,
    IMAGE_UPLOAD_PATH,
    SHA256_HEADER,
    CommandPoll,
    CommandPollReply,
    ImageMissing,
)
from sync_protocol.messages import EnrollReply, EnrollRequest, ExchangeReply, ExchangeRequest
from sync_protocol.signing import sign_request

ENROLL_PATH = "/sync/v1/enroll"
EXCHANGE_PATH = "/sync/v1/exchange"
AUTH_SCHEME = "EdgeSync"

Signer = Callable[[bytes], str]
"""Returns the request JWT of a body (``sign_request`` with the node's key, now, a nonce)."""


class SyncError(Exception):
    """A request to the cloud did not complete."""

    retry_after: float | None = None


class CloudUnreachable(SyncError):
    """The cloud could not be reached or was unavailable; try again later."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class UnreadableReply(CloudUnreachable):
    """A success status whose body is no sync message (a web page, another service)."""


class CloudRefused(SyncError):
    """The cloud refused the request (4xx), or something else answered (3xx, not its shape)."""

    def __init__(
        self, status: int, detail: str, *, error_shape: bool = True, location: str = ""
    ) -> None:
        super().__init__(f"cloud refused the request ({status}): {detail}")
        self.status = status
        self.detail = detail
        self.error_shape = error_shape
        self.location = location


def _error_shape(response: httpx.Response) -> bool:
    """Whether the body is the cloud's error shape: a JSON object with a string ``detail``."""
    try:
        body = response.json()
    except (ValueError, UnicodeDecodeError):
        return False
    return isinstance(body, dict) and isinstance(body.get("detail"), str)


def _headers() -> dict[str, str]:
    return {
        "Content-Type": codec.CONTENT_TYPE,
        "Content-Encoding": codec.CONTENT_ENCODING,
        "Accept": codec.CONTENT_TYPE,
    }


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
        detail = body.get("detail", body) if isinstance(body, dict) else body
        text = detail if isinstance(detail, str) else json.dumps(detail)
    except (ValueError, UnicodeDecodeError):
        text = response.text
    return text[:300] or response.reason_phrase


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return max(0.0, float(response.headers["retry-after"]))
    except (KeyError, ValueError):
        return None


class SyncClient:
    """One cloud URL; ``transport`` replaces the network in tests (httpx.MockTransport)."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout_s: float,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            timeout=httpx.Timeout(timeout_s),
            transport=transport,
            follow_redirects=False,
        )

    def close(self) -> None:
        """Release connections."""
        self._http.close()

    def enroll(self, request: EnrollRequest) -> EnrollReply:
        """Register the node's public key with a one-time code."""
        response = self._post(ENROLL_PATH, codec.encode(request), _headers())
        return self._decode(response, EnrollReply)

    def exchange(
        self,
        request: ExchangeRequest,
        *,
        private_pem: str,
        key_id: str,
        now: datetime,
        nonce: Callable[[], str] = lambda: uuid.uuid4().hex,
    ) -> ExchangeReply:
        """Send one signed exchange; raise ``PayloadTooLarge`` before sending if over a limit."""
        body = codec.encode(request)
        token = sign_request(
            private_pem,
            site_id=request.site_id,
            key_id=key_id,
            body=body,
            now=now,
            nonce=nonce(),
        )
        headers = {**_headers(), "Authorization": f"{AUTH_SCHEME} {token}"}
        return self._decode(self._post(EXCHANGE_PATH, body, headers), ExchangeReply)

    def poll(self, request: CommandPoll, signer: Signer) -> CommandPollReply:
        """How many commands wait for the node (a signed, read-only request)."""
        body = codec.encode(request)
        headers = {**_headers(), "Authorization": f"{AUTH_SCHEME} {signer(body)}"}
        return self._decode(self._post(COMMAND_POLL_PATH, body, headers), CommandPollReply)

    def upload_image(
        self, request_id: str, data: bytes, *, content_type: str, sha256: str, signer: Signer
    ) -> None:
        """PUT an image to the cloud itself, signed like an exchange (self-hosted mode)."""
        headers = {
            "Content-Type": content_type,
            SHA256_HEADER: sha256,
            "Authorization": f"{AUTH_SCHEME} {signer(data)}",
        }
        self._post(IMAGE_UPLOAD_PATH.format(request_id=request_id), data, headers, method="PUT")

    def image_missing(self, message: ImageMissing, signer: Signer) -> None:
        """Tell the cloud the node has no image for a request."""
        body = codec.encode(message)
        headers = {**_headers(), "Authorization": f"{AUTH_SCHEME} {signer(body)}"}
        self._post(IMAGE_MISSING_PATH.format(request_id=message.request_id), body, headers)

    def put_presigned(self, url: str, data: bytes, headers: dict[str, str]) -> None:
        """PUT an image to a presigned URL (AWS mode: S3 checks the signed checksum)."""
        try:
            response = self._http.put(url, content=data, headers=headers)
        except httpx.HTTPError as exc:
            raise CloudUnreachable(f"image upload failed: {exc}") from exc
        if response.status_code >= 300:
            raise CloudRefused(response.status_code, response.text[:300], error_shape=False)

    def _post(
        self, path: str, body: bytes, headers: dict[str, str], *, method: str = "POST"
    ) -> httpx.Response:
        try:
            response = self._http.request(method, path, content=body, headers=headers)
        except httpx.TimeoutException as exc:
            raise CloudUnreachable(f"cloud timed out: {exc!r}") from exc
        except httpx.HTTPError as exc:
            raise CloudUnreachable(f"cloud unreachable: {exc}") from exc
        if response.status_code == 429 or response.status_code >= 500:
            raise CloudUnreachable(
                f"cloud unavailable ({response.status_code}): {_detail(response)}",
                _retry_after(response),
            )
        if response.status_code >= 300:
            raise CloudRefused(
                response.status_code,
                _detail(response),
                error_shape=_error_shape(response),
                location=response.headers.get("location", ""),
            )
        return response

    @staticmethod
    def _decode(response: httpx.Response, model):
        try:
            return codec.decode(response.content, model)
        except (codec.CodecError, ValueError) as exc:
            raise UnreadableReply(f"cloud sent an unreadable reply: {exc}") from exc
