"""The web application: the HTTP API and the dashboard over one data home."""

from __future__ import annotations

import os
import threading
from importlib import resources

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fiveareas.store import catalog as cat
from fiveareas.store.home import Home
from fiveareas.web import api, auth, pages, scf
from fiveareas.web.i18n import translator
from fiveareas.web.static_files import MemoryStatic


def create_app(home: Home) -> FastAPI:
    app = FastAPI(title="fiveareas", version="1", docs_url=None, redoc_url=None,
                  description="Loan-level reports of Shanghai's five major areas of finance: "
                  "submissions, indicators, targets. Authenticate with `Authorization: Bearer "
                  "<token>` (`fiveareas token create`).")
    app.state.home = home
    app.state.catalog = cat.open_catalog(home.catalog_url)
    app.state.secret = auth.secret_key(home)
    app.state.secure_cookies = os.environ.get("FIVEAREAS_SECURE_COOKIES", "") == "1"
    app.state.lock = threading.Lock()  # one collector at a time writes the home
    folder = resources.files("fiveareas.web")
    templates = Jinja2Templates(directory=str(folder / "templates"))
    templates.env.globals["t_for"] = translator
    app.state.templates = templates
    app.mount("/static", MemoryStatic(folder / "static"), name="static")
    app.include_router(api.router)
    app.include_router(scf.router)
    app.include_router(pages.router)
    app.include_router(scf.pages)

    @app.get("/docs", include_in_schema=False, response_class=HTMLResponse)
    def docs(request: Request) -> HTMLResponse:
        """The API reference, rendered from the OpenAPI document on the server (no script)."""
        return pages.render(request, "docs.html", spec=app.openapi())

    @app.exception_handler(StarletteHTTPException)
    async def errors(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path.startswith("/api/") or request.url.path == "/openapi.json":
            return JSONResponse({"detail": exc.detail}, exc.status_code,
                                headers=getattr(exc, "headers", None))
        if exc.status_code == 401:
            return Response(status_code=303, headers={"location": "/login"})
        return HTMLResponse(templates.get_template("error.html").render(
            request=request, p=auth.principal(request), lang=request.cookies.get("lang", "en"),
            areas=pages.AREA_IDS, code=exc.status_code, detail=exc.detail),
            status_code=exc.status_code)

    app.add_middleware(SecurityHeaders)
    return app


HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy",
     b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'"),
]


class SecurityHeaders:
    """Headers every answer carries. A plain ASGI middleware: Starlette's `@app.middleware`
    wraps each response in extra tasks, which cost a third of a small request's time."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *HEADERS]
            await send(message)

        await self.app(scope, receive, with_headers)


def app_from_env() -> FastAPI:
    """The app over FIVEAREAS_HOME: what each worker process builds (`serve --workers N`)."""
    return create_app(Home.resolve())
