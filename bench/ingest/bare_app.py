"""Baseline (a): the cheapest endpoint that still does what every camera request needs.

It parses the same multipart body as the node (`await request.form()`), reads the image
part, and answers 201 with a small JSON — no auth, no validation, no disk, no database. It
is served exactly like the node (`uvicorn.run`, one worker, uvloop/httptools when installed,
log level warning), so node/bare is the price of everything the node adds.

    python -m bench.ingest.bare_app --port 8099
"""

from __future__ import annotations

import argparse
import json

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

app = FastAPI(title="edgesync bench: bare multipart endpoint")
_count = 0


@app.get("/healthz")
async def healthz() -> dict[str, str]:
    """Ready."""
    return {"status": "ok"}


@app.post("/api/v1/detections", status_code=201)
async def post_detection(request: Request) -> JSONResponse:
    """Parse the multipart body, read the image, answer 201."""
    global _count
    form = await request.form(max_files=2, max_fields=20, max_part_size=5 * 1024 * 1024)
    try:
        meta = form.get("metadata")
        raw = await meta.read() if hasattr(meta, "read") else meta
        plate = json.loads(raw or "{}").get("plate")
        upload = form.get("image")
        image = await upload.read() if upload is not None and hasattr(upload, "read") else b""
    finally:
        await form.close()
    _count += 1
    return JSONResponse({"id": str(_count), "plate": plate, "bytes": len(image)}, status_code=201)


def main() -> None:
    """Serve the bare endpoint the way `edgesync node serve` serves the node."""
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8099)
    args = parser.parse_args()
    uvicorn.run(
        app, host=args.host, port=args.port, log_level="warning", timeout_graceful_shutdown=10
    )


if __name__ == "__main__":
    main()
