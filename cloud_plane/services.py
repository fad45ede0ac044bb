"""The collaborators one cloud app is built from, picked once from settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from cloud_plane.alerts.wiring import Alerting, build_alerting
from cloud_plane.auth.client_address import Network, parse_networks
from cloud_plane.auth.cognito import CognitoClient
from cloud_plane.auth.keys import JwksUrlKeySource
from cloud_plane.auth.tokens import (
    LocalIssuer,
    StaffTokenVerifier,
    cognito_issuer,
    load_or_create_key,
)
from cloud_plane.auth.web_key import web_key
from cloud_plane.clock import Clock
from cloud_plane.config import CloudSettings
from cloud_plane.errors import ConfigError
from cloud_plane.hotlist.retro import RetroHits
from cloud_plane.images.blobs import ImageBlobs, LocalBlobs
from cloud_plane.images.service import ImageService
from cloud_plane.metrics import CloudMetrics
from cloud_plane.store.base import CloudStore
from cloud_plane.sync.exchange import ExchangeService
from sync_protocol.login_limiter import LoginLimiter

if TYPE_CHECKING:
    from cloud_plane.alerts.channels.base import Channel


@dataclass
class CloudServices:
    """Everything a request handler may use."""

    settings: CloudSettings
    store: CloudStore
    clock: Clock
    verifier: StaffTokenVerifier
    issuer: LocalIssuer | None  # self-hosted mode: the cloud issues staff tokens
    cognito: CognitoClient | None  # Cognito mode: sign-in and refresh go to Cognito
    limiter: LoginLimiter
    trusted_proxies: list[Network]
    exchange: ExchangeService
    metrics: CloudMetrics
    alerting: Alerting
    web_key: bytes  # signs the dashboard's CSRF tokens (auth/web_key.py)
    images: ImageService  # reads' images asked of their sites (issue 14)
    retro: RetroHits  # historical hits of new hotlist entries (hotlist/retro.py)

    def close(self) -> None:
        """Release the store."""
        self.store.meta.close()


def open_store(settings: CloudSettings) -> CloudStore:
    """Return the configured store (migrated); raise ConfigError for an unavailable one."""
    if settings.store == "dynamodb":
        return _open_dynamodb(settings)
    from cloud_plane.store.secret_box import load_or_create_box
    from cloud_plane.store.sql import SqlStore
    from sync_protocol.private_files import private_dir

    private_dir(settings.data_dir)  # keys, password hashes, plates: the owner only
    box = load_or_create_box(settings.data_dir / "secrets.key")
    return SqlStore.open(settings.resolved_database_url, secret_box=box)


def _open_dynamodb(settings: CloudSettings) -> CloudStore:
    from cloud_plane.store.dynamo import DynamoStore
    from cloud_plane.store.secret_box import SecretBox

    missing = [
        name
        for name, value in (
            ("EDGESYNC_CLOUD_TABLE", settings.table),
            ("EDGESYNC_CLOUD_SECRET_KEY", settings.secret_key),
        )
        if not value
    ]
    if missing:
        raise ConfigError(f"EDGESYNC_CLOUD_STORE=dynamodb needs {', '.join(missing)}")
    assert settings.table and settings.secret_key  # each one checked just above
    try:
        box = SecretBox(settings.secret_key.get_secret_value().encode())
    except ValueError:
        raise ConfigError(
            "EDGESYNC_CLOUD_SECRET_KEY must be a Fernet key (32 url-safe base64-encoded bytes)"
        ) from None
    return DynamoStore.open(
        settings.table,
        region=settings.aws_region,
        secret_box=box,
        retention_days=settings.detection_retention_days,
    )


@dataclass(frozen=True)
class AuthParts:
    """How staff sign in: the verifier, and the local issuer or the Cognito client."""

    verifier: StaffTokenVerifier
    issuer: LocalIssuer | None = None
    cognito: CognitoClient | None = None


def cognito_client(settings: CloudSettings) -> CognitoClient:
    """The Cognito client of auth=cognito; raise ConfigError naming what is missing."""
    missing = [
        name
        for name, value in (
            ("EDGESYNC_CLOUD_COGNITO_USER_POOL_ID", settings.cognito_user_pool_id),
            ("EDGESYNC_CLOUD_COGNITO_CLIENT_ID", settings.cognito_client_id),
            ("AWS_REGION", settings.aws_region),
        )
        if not value
    ]
    if missing:
        raise ConfigError(f"auth=cognito needs {', '.join(missing)}")
    region, pool, client_id = (
        settings.aws_region,
        settings.cognito_user_pool_id,
        settings.cognito_client_id,
    )
    assert region and pool and client_id  # each one checked just above
    return CognitoClient(user_pool_id=pool, client_id=client_id, region=region)


def build_auth(settings: CloudSettings, clock: Clock) -> AuthParts:
    """Return the staff token verifier and the local issuer or Cognito client it trusts."""
    if settings.auth == "cognito":
        cognito = cognito_client(settings)
        issuer = cognito_issuer(cognito.region, cognito.user_pool_id)
        keys = JwksUrlKeySource(settings.cognito_jwks_url or f"{issuer}/.well-known/jwks.json")
        verifier = StaffTokenVerifier(keys, issuer=issuer, client_id=cognito.client_id, clock=clock)
        return AuthParts(verifier, cognito=cognito)
    local = LocalIssuer(
        load_or_create_key(settings.staff_key_path),
        issuer=settings.resolved_public_url,
        client_id=settings.cognito_client_id or "edgesync-dashboard",
        ttl_s=settings.token_ttl_s,
        clock=clock,
    )
    verifier = StaffTokenVerifier(
        local.key_source(), issuer=local.issuer, client_id=local.client_id, clock=clock
    )
    return AuthParts(verifier, issuer=local)


def build_services(
    settings: CloudSettings,
    *,
    clock: Clock,
    store: CloudStore | None = None,
    channels: dict[str, Channel] | None = None,
) -> CloudServices:
    """Build every collaborator from settings (``store``/``channels`` given: use them)."""
    from sync_protocol.private_files import private_dir

    private_dir(settings.data_dir)  # before the signing key is written into it
    auth = build_auth(settings, clock)
    store = store if store is not None else open_store(settings)
    alerting = build_alerting(settings, store, clock, channels=channels)
    metrics = CloudMetrics()
    if alerting.dlq_depth is not None:
        metrics.watch_dead_letters(alerting.dlq_depth)
    images = ImageService(
        store, image_blobs(settings), settings.images, clock, image_poll_interval(settings)
    )
    if settings.store == "dynamodb" and not settings.images.bucket:
        # A Lambda's data dir is its own container's scratch space: no place to keep images.
        images.unavailable = (
            "images on demand need EDGESYNC_CLOUD_IMAGES_BUCKET with store=dynamodb"
        )
    alerting.images_forget = images.forget
    retro = RetroHits(
        store=store,
        clock=clock,
        lookback=timedelta(days=settings.hotlist_lookback_days),
        interval_s=settings.hotlist_lookback_interval_s,
        on_found=alerting.service.on_historical,
    )
    retro.initialise()
    return CloudServices(
        settings=settings,
        store=store,
        clock=clock,
        verifier=auth.verifier,
        issuer=auth.issuer,
        cognito=auth.cognito,
        limiter=LoginLimiter(
            max_failures=settings.login_max_failures,
            window_s=settings.login_window_s,
            address_cap_s=settings.login_address_max_delay_s,
            user_cap_s=settings.login_user_max_delay_s,
            clock=clock,
        ),
        trusted_proxies=parse_networks(settings.trusted_proxies),
        exchange=ExchangeService(
            store=store,
            clock=clock,
            snapshot_threshold=settings.hotlist_snapshot_threshold,
            push_interval_s=settings.resolved_push_interval_s,
            on_hit=_both(alerting.service.on_hit, images.on_hit),
            commands_for=images.commands_for,
            on_hotlist_change=retro.kick,
        ),
        metrics=metrics,
        alerting=alerting,
        web_key=web_key(settings),
        images=images,
        retro=retro,
    )


def _both(on_hit, on_hit_image):
    """The exchange's hit listener: the hit's image asked for (if set), then its alert."""

    def both(hit, delivered_locally):
        on_hit_image(hit)  # before the alert: its link then finds the request
        return on_hit(hit, delivered_locally)

    return both


def image_poll_interval(settings: CloudSettings) -> float | None:
    """The poll period asked of idle nodes: set, else none on DynamoDB (a poll is a paid
    request there; commands ride on the exchanges), else the nodes' own."""
    if settings.images.poll_interval_s is not None:
        return settings.images.poll_interval_s
    return 0.0 if settings.store == "dynamodb" else None


def image_blobs(settings: CloudSettings) -> ImageBlobs:
    """Where uploaded images are kept: the S3 bucket if one is set, else DATA_DIR/images."""
    if settings.images.bucket:
        import boto3
        from botocore.config import Config

        from cloud_plane.images.blobs import S3Blobs

        # SigV4: the presigned URL's signature then covers the checksum header.
        config = Config(signature_version="s3v4")
        client = boto3.client("s3", region_name=settings.aws_region, config=config)
        return S3Blobs(client, settings.images.bucket)
    return LocalBlobs(settings.data_dir / "images")
