"""Two small ASGI middlewares: a cap on request bodies, and one log line per request with its latency.

The cap runs before anything parses the body: a request that declares more than the limit is refused
at once, and one that streams more (chunked, no length) is cut off as soon as it passes the limit, so
an oversized upload is never spooled to disk in full.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("invoices.service")

MULTIPART_OVERHEAD = 64 * 1024
"""Room for the multipart boundary and part headers around a file of the maximum size."""


class BodyTooLarge(Exception):
    def __init__(self, limit: int):
        super().__init__(f"upload larger than the limit of {limit:,} bytes (INVOICES_MAX_UPLOAD_BYTES)")


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_file_bytes: int):
        self.app = app
        self.max_file_bytes = max_file_bytes
        self.max_body_bytes = max_file_bytes + MULTIPART_OVERHEAD

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            await self._refuse(scope, receive, send)
            return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise BodyTooLarge(self.max_file_bytes)
            return message

        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited, watch)
        except BodyTooLarge:
            if started:
                raise
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        reason = str(BodyTooLarge(self.max_file_bytes))
        # the client may still be sending: say so and close rather than read the rest
        response = JSONResponse({"error": reason}, status_code=413, headers={"Connection": "close"})
        await response(scope, receive, send)


class AccessLog:
    """`METHOD path status latency` for every request, at INFO on the `invoices.service` logger."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status: dict[str, Any] = {"code": 500}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            elapsed = (time.perf_counter() - start) * 1000
            log.info("%s %s %s %.1f ms", scope["method"], scope["path"], status["code"], elapsed)
