"""The node's PostgreSQL URL from an RDS-generated Secrets Manager secret (full cloud, issue 11).

RDS writes its generated credentials as JSON (``username``, ``password``, ``host``, ``port``,
``dbname``, ``engine``); the stack gives the tasks the secret's ARN, never its value (a value
in a task's environment is readable by anyone who may describe the task definition). The node
reads the secret once at start and builds its ``postgresql+psycopg://`` URL from it, with TLS
asked for (``sslmode``, ``sslrootcert``): RDS is reached over the VPC, and ``rds.force_ssl``
refuses plain connections anyway.

The URL holds the password: it is never logged, and every error here names the secret and
what is wrong with it, never the URL or the secret's value.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from sync_protocol.settings_errors import SettingProblem

SECRET_VARIABLE = "EDGESYNC_NODE_DATABASE_SECRET_ARN"
REQUIRED_KEYS = ("username", "password", "host", "dbname")
DEFAULT_PORT = 5432
POSTGRES_ENGINES = frozenset({"postgres", "postgresql", "aurora-postgresql"})


class DatabaseSecretProblem(SettingProblem):
    """The database secret cannot be read or used; ``str()`` names the secret and the fault."""

    def __init__(self, arn: str, fault: str) -> None:
        super().__init__(SECRET_VARIABLE, arn, fault)


def region_of(arn: str) -> str | None:
    """The region an ARN names (``arn:aws:secretsmanager:REGION:...``), None for a bare name."""
    parts = arn.split(":")
    return parts[3] or None if len(parts) > 5 and parts[0] == "arn" else None


def url_from_secret(text: str, arn: str, *, sslmode: str, sslrootcert: str) -> str:
    """The psycopg URL the secret's JSON describes, TLS options in its query (pure)."""
    try:
        document = json.loads(text)
    except ValueError:
        raise DatabaseSecretProblem(arn, "the secret's value is not JSON") from None
    if not isinstance(document, dict):
        raise DatabaseSecretProblem(arn, "the secret's value is not a JSON object")
    missing = [key for key in REQUIRED_KEYS if not _text(document.get(key))]
    if missing:
        raise DatabaseSecretProblem(
            arn, f"the secret lacks {', '.join(missing)} (RDS's generated secret has them)"
        )
    engine = document.get("engine")
    if engine is not None and str(engine).lower() not in POSTGRES_ENGINES:
        raise DatabaseSecretProblem(arn, f"the secret is for engine {engine!r}, not postgres")
    port = document.get("port", DEFAULT_PORT)
    if not (isinstance(port, int | str) and str(port).isdigit() and 0 < int(port) < 65536):
        raise DatabaseSecretProblem(arn, "the secret's port is not a TCP port number")
    # Quoted, so that any character RDS generates (@ : / % ...) stays inside the password.
    user = quote(str(document["username"]), safe="")
    password = quote(str(document["password"]), safe="")
    host = str(document["host"])
    host = f"[{host}]" if ":" in host else host  # an IPv6 literal
    dbname = quote(str(document["dbname"]), safe="")
    query = f"sslmode={quote(sslmode, safe='')}"
    if sslmode in ("verify-ca", "verify-full"):
        query += f"&sslrootcert={quote(sslrootcert, safe='/')}"
    return f"postgresql+psycopg://{user}:{password}@{host}:{int(port)}/{dbname}?{query}"


def _text(value: Any) -> bool:
    return value is not None and str(value) != ""


def read_secret(arn: str, region: str | None, client: Any = None) -> str:
    """The secret's string value; raise DatabaseSecretProblem naming why it cannot be read."""
    if client is None:
        import boto3  # only the full-cloud deployment reaches here

        client = boto3.client("secretsmanager", region_name=region or region_of(arn))
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        response = client.get_secret_value(SecretId=arn)
    except ClientError as exc:
        raise DatabaseSecretProblem(arn, f"cannot read the secret: {_client_fault(exc)}") from None
    except BotoCoreError as exc:  # no region, no credentials, no network
        raise DatabaseSecretProblem(arn, f"cannot read the secret: {exc}") from None
    text = response.get("SecretString")
    if text is None:
        raise DatabaseSecretProblem(arn, "the secret holds binary data, not RDS's JSON")
    return str(text)


def _client_fault(exc: Any) -> str:
    """What AWS refused, in words; access denied says what the task role lacks."""
    error = exc.response.get("Error", {})
    code = str(error.get("Code", "error"))
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    if code.startswith("AccessDenied") or status == 403 or code == "403":
        return "access denied (the task role needs secretsmanager:GetSecretValue on it)"
    if code == "ResourceNotFoundException":
        return "no such secret (check the ARN and the region)"
    return f"{code}: {error.get('Message', '')}".strip()


def database_url_from_secret(
    arn: str, region: str | None, *, sslmode: str, sslrootcert: str, client: Any = None
) -> str:
    """Read the secret and build the node's URL (see ``url_from_secret``)."""
    text = read_secret(arn, region, client)
    return url_from_secret(text, arn, sslmode=sslmode, sslrootcert=sslrootcert)
