# One image for every edgesync process (node API, sync agent, cloud plane).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY local_node ./local_node
COPY cloud_plane ./cloud_plane
COPY sync_protocol ./sync_protocol
COPY edgesync ./edgesync
RUN pip install --no-cache-dir . && useradd --system --uid 10001 edgesync
USER edgesync
ENTRYPOINT ["edgesync"]
