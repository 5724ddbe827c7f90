"""Application factory: routers, error mapping, database, static frontend."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from app import logs
from app.admin.router import router as admin_router
from app.api import problems
from app.audit.router import router as audit_router
from app.auth.router import router as auth_router
from app.brackets.router import router as negotiation_router
from app.broker import make_broker
from app.conferences.router import router as conferences_router
from app.config import Settings, get_settings
from app.db.session import make_engine, make_session_factory
from app.delegations.router import router as delegations_router
from app.documents.router import router as documents_router
from app.editing.router import router as editing_router
from app.errors import NotFound
from app.exports.render import ExportRenderer
from app.exports.router import router as exports_router
from app.realtime.registry import RoomRegistry
from app.realtime.router import router as realtime_router
from app.revisions.router import router as revisions_router

STATIC_DIR = Path(__file__).parent / "static"
PLACEHOLDER_DIR = Path(__file__).resolve().parents[1] / "frontend" / "public"

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    logs.configure(settings.log_level, settings.log_json)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(
            settings.resolved_database_url, sqlite_synchronous=settings.sqlite_synchronous
        )
        app.state.engine = engine
        app.state.session_factory = make_session_factory(engine)
        broker = make_broker(settings.redis_url)
        await broker.start()
        app.state.broker = broker
        app.state.rooms = RoomRegistry(settings, app.state.session_factory, broker)
        await app.state.rooms.start()
        app.state.exports = ExportRenderer(settings.export_workers, settings.export_timeout_s)
        try:
            yield
        finally:
            app.state.exports.close()
            await app.state.rooms.close()
            await broker.stop()
            engine.dispose()

    app = FastAPI(
        title="Accord", version="0.1.0", lifespan=lifespan, docs_url="/api/docs", redoc_url=None
    )
    app.state.settings = settings
    problems.install(app)
    for router in (
        admin_router,
        audit_router,
        auth_router,
        conferences_router,
        delegations_router,
        documents_router,
        editing_router,
        exports_router,
        negotiation_router,
        revisions_router,
        realtime_router,
    ):
        app.include_router(router)

    @app.get("/api/health", tags=["meta"])
    def health() -> JSONResponse:
        return JSONResponse({"status": "ok", "version": app.version})

    app.middleware("http")(_security_headers)
    _mount_frontend(app)
    return app


async def _security_headers(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    response = await call_next(request)
    if not request.url.path.startswith("/api/docs"):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def _mount_frontend(app: FastAPI) -> None:
    root = STATIC_DIR if (STATIC_DIR / "index.html").exists() else PLACEHOLDER_DIR
    if not (root / "index.html").exists():
        return
    if (root / "assets").is_dir():
        app.mount("/assets", StaticFiles(directory=root / "assets"), name="assets")

    @app.get("/{path:path}", include_in_schema=False)
    def spa(path: str) -> FileResponse:
        # Client-side routes all load the single page; unknown API paths stay 404s.
        if path == "api" or path.startswith("api/"):
            raise NotFound(f"no API route /{path}")
        return FileResponse(root / "index.html")
