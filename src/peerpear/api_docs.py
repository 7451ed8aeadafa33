"""The interactive API docs, served with their assets from the app itself (no CDN).

Swagger UI at ``/docs`` and ReDoc at ``/redoc`` load their scripts and styles from
``/docs-assets`` (the copies the ``fastapi-offline`` package ships), so the docs work offline
and each page's Content-Security-Policy allows exactly what it loads: same-origin assets, the
one inline Swagger UI start-up script by its hash, and the schema from ``/openapi.json``.
``PEERPEAR_API_DOCS=false`` turns all three off (the app is then built without them).
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import cache
from importlib.resources import files

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

DOCS_URL = "/docs"
REDOC_URL = "/redoc"
OPENAPI_URL = "/openapi.json"
ASSETS_URL = "/docs-assets"
_ASSETS_DIR = files("fastapi_offline") / "static"
REDOC_SCRIPT = "redoc.standalone.js"
# ReDoc 2 draws its maker's logo in its menu from their CDN, unconditionally (no option turns it
# off); the page's CSP refuses it, with an error in the console. Its script is served with that
# one address made an empty image, which ReDoc hides (it hides the logo when it fails to load).
_REDOC_CDN_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)

# Swagger UI applies some styles inline; the validator badge (an external image) is turned off.
_PAGE_CSP = (
    "default-src 'none'; script-src 'self'{scripts}; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'{workers}; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)


def _script_hashes(html: str) -> str:
    digests = (
        base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        for script in _INLINE_SCRIPT.findall(html)
    )
    return "".join(f" 'sha256-{digest}'" for digest in digests)


def page_csp(html: str, *, workers: bool = False) -> str:
    """The CSP for a docs page: its own inline scripts by hash, everything else same-origin."""
    return _PAGE_CSP.format(
        scripts=_script_hashes(html), workers="; worker-src blob:" if workers else ""
    )


def _html(body: str, *, workers: bool = False) -> HTMLResponse:
    return HTMLResponse(body, headers={"Content-Security-Policy": page_csp(body, workers=workers)})


@cache  # read once per process, when first asked for (about 1 MB)
def _redoc_script() -> bytes:
    script = (_ASSETS_DIR / REDOC_SCRIPT).read_text(encoding="utf-8")
    return script.replace(_REDOC_CDN_LOGO, "data:,").encode()


def install_api_docs(app: FastAPI) -> None:
    """Add /docs, /redoc and their assets (the app must be built with ``docs_url=None``)."""

    # Before the assets' mount, which would otherwise answer for this file.
    @app.get(f"{ASSETS_URL}/{REDOC_SCRIPT}", include_in_schema=False)
    async def redoc_js() -> Response:
        return Response(_redoc_script(), media_type="text/javascript")

    app.mount(ASSETS_URL, StaticFiles(directory=str(_ASSETS_DIR)), name="docs-assets")

    @app.get(DOCS_URL, include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        page = get_swagger_ui_html(
            openapi_url=f"{root}{OPENAPI_URL}",
            title=f"{app.title} - API",
            swagger_js_url=f"{root}{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
            oauth2_redirect_url=None,
            swagger_ui_parameters={"validatorUrl": None},
        )
        return _html(bytes(page.body).decode())

    @app.get(REDOC_URL, include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        page = get_redoc_html(
            openapi_url=f"{root}{OPENAPI_URL}",
            title=f"{app.title} - API",
            redoc_js_url=f"{root}{ASSETS_URL}/{REDOC_SCRIPT}",
            redoc_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
            with_google_fonts=False,
        )
        # ReDoc runs its search in a web worker it creates from a blob: URL.
        return _html(bytes(page.body).decode(), workers=True)
