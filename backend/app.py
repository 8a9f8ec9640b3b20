"""The Starlette application: the GraphQL API, the web app's static files, and the lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.resources
import logging
import re
from collections.abc import AsyncIterator
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from backend.accounts.alert_loop import alert_loop
from backend.api.view import GraphQLView
from backend.body_timeout import BodyTimeoutMiddleware
from backend.db import close_database, open_database
from backend.engine.snapshots import snapshot_loop
from backend.engine.store import usage_store, warm_up
from backend.memory import tune_memory_management
from backend.security import SecurityMiddleware, cors_origins, with_cors
from backend.settings import Settings
from backend.signin_throttle import SignInLimits, SignInThrottle
from backend.web import graphiql_html
from backend.web import routes as web_routes

logger = logging.getLogger(__name__)

# The web app's own entry points; GraphiQL's page names the rest (its vendored files).
FRONTEND_ENTRY_FILES = ("index.html", "main.js", "favicon.svg")


class FrontendMissing(RuntimeError):
    """The web app's files are not where the package keeps them: the app cannot serve it."""


def frontend_files() -> tuple[str, ...]:
    """Every file `serve` must find, relative to the web app's folder."""
    graphiql = re.findall(r'(?:href|src)="/([^"]+)"', graphiql_html())
    return tuple(dict.fromkeys([*FRONTEND_ENTRY_FILES, *graphiql]))


def _frontend_candidates() -> list[Path]:
    packaged = importlib.resources.files("backend") / "frontend"
    checkout = Path(__file__).resolve().parent.parent
    candidates = [packaged] if isinstance(packaged, Path) else []
    if (checkout / "pyproject.toml").is_file():
        candidates.append(checkout / "frontend")
    return candidates


def frontend_directory() -> Path:
    """The folder of the web app: `backend/frontend` in an installed package (its package
    data), or `frontend/` in a source checkout. Raises `FrontendMissing` naming what is
    missing where, rather than serving an API without its app."""
    candidates = _frontend_candidates()
    for folder in candidates:
        if folder.is_dir():
            missing = [name for name in frontend_files() if not (folder / name).is_file()]
            if missing:
                raise FrontendMissing(
                    f"the web app in {folder} is incomplete: {', '.join(missing)} missing; "
                    "reinstall the package"
                )
            return folder
    raise FrontendMissing(
        f"the web app's files are missing (looked in {', '.join(map(str, candidates))}); "
        "reinstall the package"
    )


def _report_warm_up_failure(task: asyncio.Task[None]) -> None:
    # Not fatal: reports build what they need on demand (and say so if the database is down).
    if not task.cancelled() and task.exception() is not None:
        logger.warning("Warming the usage index failed", exc_info=task.exception())


async def health(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


def create_app(
    settings: Settings,
    *,
    manage_database: bool = True,
    sign_in_limits: SignInLimits | None = None,
) -> Starlette:
    """Build the app. Tests that already hold a database pass `manage_database=False`, and
    tests of the sign-in throttle smaller `sign_in_limits`."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if not manage_database:
            yield
            return
        await open_database(settings.database_url)
        tune_memory_management()
        # Serving starts at once; a report that arrives first waits for the arrays it needs.
        warming = asyncio.create_task(warm_up())
        warming.add_done_callback(_report_warm_up_failure)
        try:
            async with alert_loop(settings.webhook_allow_private), snapshot_loop(usage_store):
                yield
        finally:
            warming.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await warming
            await close_database()

    graphql = GraphQLView()
    routes: list[BaseRoute] = [
        # Every method reaches the view, which refuses all but GET and POST with a coded error.
        Route("/graphql", graphql),
        Route("/healthz", health),
        *web_routes,
    ]
    routes.append(
        Mount("/", StaticFiles(directory=frontend_directory(), html=True), name="frontend")
    )
    # Outermost first: every response, CORS preflights included, gets the security headers.
    middleware = [
        Middleware(SecurityMiddleware),
        Middleware(BodyTimeoutMiddleware, seconds=settings.body_timeout),
    ]
    origins = cors_origins()
    if origins:
        middleware.append(Middleware(with_cors, origins=origins))
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    app.state.settings = settings
    app.state.sign_in_throttle = SignInThrottle(sign_in_limits)
    return app
