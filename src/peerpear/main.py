"""App factory and lifespan: long-lived clients are built at start-up, never at import time."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from peerpear import __version__, text_embedding
from peerpear.api_docs import OPENAPI_URL, install_api_docs
from peerpear.auth.account_router import router as account_router
from peerpear.auth.router import router as auth_router
from peerpear.auth.sessions import SessionLookup
from peerpear.body_limit import BodyLimitMiddleware
from peerpear.config import Settings, get_settings
from peerpear.db import create_engine, create_read_sessionmaker, create_sessionmaker
from peerpear.error_handlers import install_error_handlers
from peerpear.events.image_router import router as event_images_router
from peerpear.events.router import router as events_router
from peerpear.health import router as health_router
from peerpear.jobs.factory import create_queue
from peerpear.llm.calls_router import router as llm_calls_router
from peerpear.llm.factory import create_llm
from peerpear.llm.suggest_router import router as suggest_router
from peerpear.logging_setup import configure_logging
from peerpear.mail.notices_router import router as mail_notices_router
from peerpear.mail.router import router as mail_router
from peerpear.me.router import router as me_router
from peerpear.middleware import RequestContextMiddleware
from peerpear.openapi import install_openapi
from peerpear.organizations.router import router as organizations_router
from peerpear.pairing.router import router as pairing_router
from peerpear.pairing.runs_router import router as runs_router
from peerpear.questionnaires.router import router as questions_router
from peerpear.raw_reads import create_raw_reader
from peerpear.registrations.admin_router import router as registrations_admin_router
from peerpear.registrations.router import router as registration_router
from peerpear.rounds.router import router as rounds_router
from peerpear.routing import iter_routes
from peerpear.web.assets import STATIC_DIR, STATIC_URL
from peerpear.web.deps import PageInstead, console_not_found, page_instead
from peerpear.web.head import HeadAsGetMiddleware
from peerpear.web.router import router as console_router

API_PREFIX = "/api/v1"


# Every feature router, mounted under /api/v1, in the order the API document lists them.
# Included on the app directly rather than through one /api/v1 router: each level of nesting
# is one more route scan on every request.
FEATURE_ROUTERS: tuple[APIRouter, ...] = (
    auth_router,
    account_router,
    me_router,
    organizations_router,
    events_router,
    event_images_router,
    questions_router,
    registration_router,
    registrations_admin_router,
    runs_router,
    suggest_router,
    pairing_router,
    rounds_router,
    llm_calls_router,
    mail_router,
    mail_notices_router,
)
# The order FastAPI tries them in: it tests a request against one route after another, a few
# µs each, so the routers of the hottest reads (GET /me, GET /organizations) come first. Their
# paths do not overlap, so the order changes nothing else.
MATCH_ORDER: tuple[APIRouter, ...] = (
    me_router,
    organizations_router,
    events_router,
    event_images_router,
    questions_router,
    registration_router,
    registrations_admin_router,
    runs_router,
    suggest_router,
    pairing_router,
    rounds_router,
    llm_calls_router,
    mail_router,
    mail_notices_router,
    auth_router,
    account_router,
)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings)
        app.state.engine = engine
        app.state.sessionmaker = create_sessionmaker(engine)
        app.state.read_sessionmaker = create_read_sessionmaker(engine)
        reader = create_raw_reader(engine, settings)
        await reader.start()
        app.state.raw_reader = reader
        app.state.session_lookup = SessionLookup(reader)
        # Everything built so far lives as long as the process: keep the collector from
        # scanning it again on every full collection (a pause that shows in the p99).
        # Background jobs: run here (inprocess, with periodic work) or only enqueued here for
        # `peerpear worker` processes (procrastinate).
        # One LLM client per process (its concurrency limit counts every call of the process).
        llm = create_llm(settings, app.state.sessionmaker)
        app.state.llm = llm
        jobs = create_queue(app.state.sessionmaker, settings, llm)
        await jobs.start()
        app.state.jobs = jobs
        gc.freeze()
        try:
            yield
        finally:
            await jobs.stop()
            await llm.aclose()
            await reader.close()
            await engine.dispose()

    configure_logging(settings.log_level, settings.log_format)
    text_embedding.configure(settings)  # the embedder of this process's runs and measurements
    app = FastAPI(
        title="PeerPear",
        version=__version__,
        description="Pairs the members of student organizations into pairs and small groups.",
        lifespan=lifespan,
        # The docs pages are our own (assets served locally, their own CSP): see api_docs.
        docs_url=None,
        redoc_url=None,
        openapi_url=OPENAPI_URL if settings.api_docs else None,
    )
    app.state.settings = settings
    install_error_handlers(app, not_found_page=console_not_found)
    app.add_exception_handler(PageInstead, page_instead)  # the console's own answers
    # Middleware runs outermost-last-added: request id, security headers and access log (one
    # layer), then CORS, then the body limit right before the app reads anything, then HEAD
    # for console pages run as GET (the access log still says HEAD).
    app.add_middleware(HeadAsGetMiddleware)
    app.add_middleware(
        BodyLimitMiddleware,
        json_limit=settings.max_body_bytes,
        upload_limit=settings.max_upload_bytes,
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=True,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=["X-Request-ID", "Location"],
        )
    app.add_middleware(RequestContextMiddleware, production=settings.environment == "production")
    app.include_router(health_router)
    for feature in MATCH_ORDER:
        app.include_router(feature, prefix=API_PREFIX)
    if settings.api_docs:  # after the API: the docs pages are rarely asked for
        install_api_docs(app)
    # The web console at / (outside /api/v1 and the API document), last: its few paths do not
    # overlap the API's, and API requests should not be tested against them first.
    app.include_router(console_router)
    app.mount(STATIC_URL, StaticFiles(directory=str(STATIC_DIR)), name="static")
    # iter_routes: a feature router may include routers of its own (organizations: invites).
    documented = [route.path_format for route in iter_routes(health_router.routes)]
    for feature in FEATURE_ROUTERS:
        documented += [API_PREFIX + route.path_format for route in iter_routes(feature.routes)]
    install_openapi(app, settings, path_order=documented)
    return app
