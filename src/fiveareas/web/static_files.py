"""The project's own static files, held in memory and answered without touching the disk.

Starlette's `StaticFiles` opens and reads the file through worker threads on every request,
which under load cost more than rendering a page. There are three small files; they are read
once at start, served with an ETag (a 304 when the browser has them) and a cache lifetime.
"""

from __future__ import annotations

import hashlib
import mimetypes
from importlib.resources.abc import Traversable

from starlette.types import Receive, Scope, Send

TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
         ".svg": "image/svg+xml"}


class MemoryStatic:
    """An ASGI app answering GET and HEAD for the files of one folder (no sub-folders)."""

    def __init__(self, folder: Traversable) -> None:
        self.files: dict[str, tuple[bytes, list[tuple[bytes, bytes]]]] = {}
        for f in folder.iterdir():
            if not f.is_file():
                continue
            body = f.read_bytes()
            suffix = "." + f.name.rsplit(".", 1)[-1]
            kind = (TYPES.get(suffix) or mimetypes.guess_type(f.name)[0]
                    or "application/octet-stream")
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            self.files["/" + f.name] = (body, [
                (b"content-type", kind.encode()), (b"etag", etag.encode()),
                (b"cache-control", b"public, max-age=3600")])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = self.files.get("/" + scope["path"].rsplit("/", 1)[-1])  # the folder is flat
        if scope["method"] not in ("GET", "HEAD"):
            await _answer(send, 405, b"", [(b"allow", b"GET, HEAD")])
            return
        if found is None:
            await _answer(send, 404, b"Not Found", [(b"content-type", b"text/plain")])
            return
        body, headers = found
        etag = headers[1][1]
        asked = dict(scope["headers"]).get(b"if-none-match")
        if asked is not None and etag in [t.strip() for t in asked.split(b",")]:
            await _answer(send, 304, b"", headers[1:])
            return
        await _answer(send, 200, b"" if scope["method"] == "HEAD" else body,
                      [*headers, (b"content-length", str(len(body)).encode())])


async def _answer(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]
                  ) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
