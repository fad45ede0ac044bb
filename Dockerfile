# One image for every edgesync process (node API, sync agent, cloud plane).
# Two stages: the builder installs the package into a virtualenv; the runtime copies only that
# virtualenv, so no compiler, pip cache or source tree ships. Build: docker build -t edgesync:TAG .

# bookworm pinned: its postgresql-client is 15, the server's major version (pg_restore refuses
# dumps from a newer pg_dump, and the backups are restored with this same image).
FROM python:3.11-slim-bookworm AS builder
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/edgesync
COPY pyproject.toml README.md ./
COPY local_node ./local_node
COPY cloud_plane ./cloud_plane
COPY sync_protocol ./sync_protocol
COPY edgesync ./edgesync
RUN /opt/edgesync/bin/pip install .

FROM python:3.11-slim-bookworm AS runtime
# pg_dump/pg_restore for the agent's PostgreSQL backups and restores.
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client-15 \
    && rm -rf /var/lib/apt/lists/*
# The RDS CA bundle (every region's roots), fetched when the image is built: the node verifies
# its RDS database's certificate with it (EDGESYNC_NODE_DATABASE_SSLROOTCERT's default; full
# cloud, docs/operations/full-cloud-database.md). ADD of a URL writes mode 600 owned by root,
# hence the chmod: the node runs as the edgesync user.
ADD https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem /etc/edgesync/rds-ca-bundle.pem
RUN chmod 0755 /etc/edgesync && chmod 0644 /etc/edgesync/rds-ca-bundle.pem
# A fixed uid so that host folders can be prepared for it (docs/operations/server.md).
RUN useradd --system --uid 10001 --user-group --create-home --home-dir /home/edgesync edgesync \
    && install -d -o edgesync -g edgesync /data /backups
COPY --from=builder /opt/edgesync /opt/edgesync
ENV PATH=/opt/edgesync/bin:$PATH PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /home/edgesync
USER edgesync
EXPOSE 8080
# The node's liveness (GET /healthz checks the database too). The compose file gives the
# agent, which serves no HTTP, its own check.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('EDGESYNC_NODE_PORT', '8080'), timeout=4)"]
ENTRYPOINT ["edgesync"]
