"""The ASGI application: API routers under /api/v1, server-rendered pages, static files."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from yiwang import __version__
from yiwang.api import auth as auth_api
from yiwang.api import bundles as bundles_api
from yiwang.api import cases as cases_api
from yiwang.api import catalog as catalog_api
from yiwang.api import errors as api_errors
from yiwang.api import evaluation as evaluation_api
from yiwang.api import guard, headers
from yiwang.api import hall as hall_api
from yiwang.api import health as health_api
from yiwang.api import hotline as hotline_api
from yiwang.api import hotline_board as hotline_board_api
from yiwang.api import hotline_report as hotline_report_api
from yiwang.api import licenses as licenses_api
from yiwang.api import metrics as metrics_api
from yiwang.api import notify as notify_api
from yiwang.api import pledges as pledges_api
from yiwang.api import supervision as supervision_api
from yiwang.api import workdays as workdays_api
from yiwang.core.config import get_settings
from yiwang.core.db import session_factory
from yiwang.web import setup as web_setup


def _warm_search(app: FastAPI, then: Callable[[], object]) -> None:
    """Load (or build) this worker's catalog index in the background so the first search does not wait for
    it, then run ``then`` (after the index: it would only slow the index down, the GIL being one)."""
    from yiwang.catalog import searching

    def build() -> None:
        try:
            with app.state.session_factory() as session:
                searching.warm(session)
        except Exception:  # a missing table on a fresh database, say: the first search builds it instead
            logging.getLogger(__name__).warning("search index warm-up failed", exc_info=True)
        then()

    threading.Thread(target=build, name="search-warm-up", daemon=True).start()


def _warm_fonts() -> None:
    """Cut the embedded PDF font now (once per machine) so the first notice does not wait for it."""
    from yiwang.core import fonts

    fonts.font_name()


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    if get_settings().search_warm_on_start:
        _warm_search(app, then=_warm_fonts)
    yield


def trusted_proxies() -> list[str]:
    return [p.strip() for p in get_settings().trusted_proxies.split(",") if p.strip()]


def _trust_proxies(app: FastAPI) -> None:
    """Believe X-Forwarded-For / X-Forwarded-Proto only from the reverse proxies named in
    YIWANG_TRUSTED_PROXIES (IPs or CIDRs); by default from nobody. (``yiwang serve`` turns uvicorn's own
    proxy-header handling off, which would otherwise trust 127.0.0.1.)"""
    from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

    proxies = trusted_proxies()
    if proxies:
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=proxies)


_preloaded: FastAPI | None = None


def preload() -> None:
    """Build the app and load the catalog index in this process before ``yiwang serve`` forks its workers:
    they start with both in hand (and share the index's memory until they change it) instead of each importing
    the app and loading the index again. Pooled connections are closed first; the workers open their own."""
    global _preloaded
    from yiwang.core.db import close_pooled_connections

    # the index loads while the app is set up (reading and unpacking the arrays leaves the other core free)
    loading = threading.Thread(target=_load_index, name="search-preload")
    if get_settings().search_warm_on_start:
        loading.start()
    app = create_app()
    if loading.ident is not None:
        loading.join()
    close_pooled_connections()
    _preloaded = app


def _load_index() -> None:
    from yiwang.catalog import searching

    try:
        with session_factory()() as session:
            searching.warm(session)
    except Exception:  # a fresh database without tables: the workers' first search builds it instead
        logging.getLogger(__name__).warning("search index preload failed", exc_info=True)


def serving_app() -> FastAPI:
    """The app a server worker runs: the one ``preload`` built before the fork, or a new one."""
    return _preloaded if _preloaded is not None else create_app()


def create_app(engine=None) -> FastAPI:  # type: ignore[no-untyped-def]
    app = FastAPI(title="一网 Yiwang 政务服务平台 API", version=__version__, docs_url="/api/docs",
                  openapi_url="/api/v1/openapi.json", redoc_url=None, lifespan=lifespan)
    app.state.session_factory = session_factory(engine)
    from yiwang.api.openapi import ERROR_RESPONSES  # the error body every 4xx carries, in the document

    api = APIRouter(prefix="/api/v1", responses=ERROR_RESPONSES)
    api.include_router(health_api.router)
    api.include_router(auth_api.router)
    api.include_router(workdays_api.router)
    api.include_router(catalog_api.router)
    api.include_router(cases_api.router)
    api.include_router(bundles_api.router)
    api.include_router(licenses_api.router)
    api.include_router(supervision_api.router)
    api.include_router(evaluation_api.router)
    api.include_router(notify_api.router)
    api.include_router(pledges_api.router)
    api.include_router(hall_api.router)
    api.include_router(hotline_api.router)
    api.include_router(hotline_board_api.router)
    api.include_router(hotline_report_api.router)
    api.include_router(metrics_api.router)
    app.include_router(api)
    api_errors.install(app)
    web_setup.install(app)
    static = Path(__file__).parent / "web" / "static"
    app.mount("/static", StaticFiles(directory=static), name="static")
    # security: the request-size guard sits in front of every parser; the headers wrap every response
    guard.install(app)
    headers.install(app)
    # outermost (added last): everything inside, the guard included, sees the scheme and client a trusted proxy
    # reports (the guard finds the session under the cookie name the pages use over https)
    _trust_proxies(app)
    return app
