"""The URLs the backup tools connect with: another database on the node's server keeps the
node's TLS settings and loses only its schema."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from sqlalchemy.engine import make_url

from local_node.backups.dump import libpq, on_database

NODE = make_url(
    "postgresql+psycopg://edgesync:s3cret@db.example:5432/edgesync"
    "?sslmode=verify-full&sslrootcert=/etc/edgesync/rds-ca-bundle.pem"
    "&options=-csearch_path%3Dsite"
)


def test_another_database_keeps_the_tls_settings() -> None:
    scratch = on_database(NODE, "edgesync_verify_1")
    assert scratch.database == "edgesync_verify_1"
    assert scratch.query == {
        "sslmode": "verify-full",
        "sslrootcert": "/etc/edgesync/rds-ca-bundle.pem",
    }


def test_another_database_drops_the_nodes_search_path() -> None:
    assert "options" not in on_database(NODE, "edgesync_verify_1").query


def test_the_restore_tools_uri_verifies_the_server() -> None:
    uri, _ = libpq(NODE, database="edgesync_verify_1")
    parts = urlsplit(uri)
    assert parts.path == "/edgesync_verify_1"
    assert parse_qs(parts.query)["sslmode"] == ["verify-full"]


def test_the_password_goes_in_the_environment_never_in_the_tools_command_line() -> None:
    """The URI is an argument of pg_dump/pg_restore: anyone on the host can read it in ps."""
    uri, env = libpq(NODE)
    assert make_url(uri).password is None and "s3cret" not in uri
    assert env["PGPASSWORD"] == "s3cret"
