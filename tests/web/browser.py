"""Helpers for the browser tests: the real server on loopback, Debian's Chromium, screenshots.

The server is uvicorn serving `create_app(home)` in a thread, on a socket bound here to
127.0.0.1 and a free port (so no other process can take the port between choosing and
serving). Chromium is Debian's (`make chromium` installs it); Playwright never downloads one.
"""

from __future__ import annotations

import io
import socket
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from fiveareas.store.home import Home
from fiveareas.web.app import create_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "screenshots"
DOCS_SHOTS = REPO / "docs" / "screenshots"
WIDTH = 1280


class Server:
    """uvicorn in a thread on 127.0.0.1:<free port>; `stop()` shuts it down."""

    def __init__(self, home: Home) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(create_app(home), log_level="warning", lifespan="off",
                                access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]},
                                       daemon=True, name="uvicorn")

    def start(self) -> Server:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the web server did not start")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)
        self.sock.close()


def launch(playwright: Any) -> Any:
    """Debian's Chromium, headless; a missing browser fails the tests (it is not a skip)."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: the browser tests need Debian's chromium "
                    "(`make chromium`, or `sudo apt-get install chromium`)", pytrace=False)
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


def screenshot(page: Any, name: str, docs: bool = False) -> Path:
    """The whole page under test-artifacts/screenshots/; with `docs`, also a compressed
    1280-wide copy of its top part under docs/screenshots/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if docs:
        DOCS_SHOTS.mkdir(parents=True, exist_ok=True)
        height = page.evaluate("document.documentElement.scrollHeight")
        png = page.screenshot(full_page=True,
                              clip={"x": 0, "y": 0, "width": WIDTH, "height": min(height, 1100)})
        (DOCS_SHOTS / f"{name}.png").write_bytes(compress(png))
    return path


def compress(png: bytes) -> bytes:
    """A palette PNG (256 colours): a fraction of the size, and the same to the eye."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    small = image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    out = io.BytesIO()
    small.save(out, format="PNG", optimize=True)
    return out.getvalue() if out.tell() < len(png) else png
