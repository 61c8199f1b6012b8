"""GraphiQL served from the service's own files: no CDN, so it works on a network without
internet and under a Content-Security-Policy that allows only this origin.

The page (GET /graphql with `Accept: text/html`) is the same static shell for everyone: it holds
no data and no secret, and does nothing until a bearer token is pasted into it (a browser's GET
carries no Authorization header, so the page cannot be what is protected). The script keeps the
token in the tab's sessionStorage and sends it as `Authorization: Bearer …` with every request;
what a token may read is decided as for any other client, and introspection (which GraphiQL
needs for its schema) is for administrators outside development (api/extensions.py).

The files are GraphiQL's UMD bundle and React 18's, copied unchanged from npm packages pinned
with their SHA-256 in static/graphiql/vendor/MANIFEST.json (`make graphiql-assets`), plus the
page's own script and stylesheet. Each is served at a path holding its digest, so it may be
cached for a year: a new file is a new address.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from html import escape
from importlib import resources
from importlib.resources.abc import Traversable

from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

STATIC_PREFIX = "/graphql/static"
OWN_FILES = ("graphiql-page.js", "graphiql-page.css")
MEDIA_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}

# 'self' only, for scripts, styles and fetches; GraphiQL's stylesheet carries its fonts and a few
# icons as data: URLs. No 'unsafe-eval' and no inline script: the page has none and GraphiQL 3
# needs none. No 'unsafe-inline' style either: the one <style> element GraphiQL adds (its
# dialogs' scroll lock, from react-remove-scroll) carries a nonce fresh for each page, which the
# page's script hands to it as `__webpack_nonce__`. The browser test fails on any violation.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'nonce-{nonce}'; "
    "connect-src 'self'; img-src 'self' data:; font-src 'self' data:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
PAGE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cache-Control": "no-store",
}
ASSET_HEADERS = {
    "Cache-Control": "public, max-age=31536000, immutable",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Resource-Policy": "same-origin",
}


@dataclass(frozen=True)
class Asset:
    name: str
    body: bytes
    digest: str  # the first 16 hex digits of its SHA-256: enough to tell versions apart

    @property
    def path(self) -> str:
        return f"{STATIC_PREFIX}/{self.digest}/{self.name}"


def _read(folder: Traversable, name: str) -> Asset:
    body = folder.joinpath(name).read_bytes()
    return Asset(name, body, hashlib.sha256(body).hexdigest()[:16])


def _load_assets() -> dict[str, Asset]:
    folder = resources.files("api").joinpath("static/graphiql")
    vendor = folder.joinpath("vendor")
    manifest = json.loads(vendor.joinpath("MANIFEST.json").read_text("utf-8"))
    names = [
        file["to"]
        for package in manifest["packages"]
        for file in package["files"]
        if file["to"].endswith((".js", ".css"))
    ]
    assets = {name: _read(vendor, name) for name in names}
    assets.update({name: _read(folder, name) for name in OWN_FILES})
    return assets


PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>GraphiQL · QA and Learning</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{graphiql.min.css}">
<link rel="stylesheet" href="{graphiql-page.css}">
</head>
<body>
<main id="sign-in" class="qaf-sign-in">
<h1>GraphiQL</h1>
<noscript><p>GraphiQL needs JavaScript.</p></noscript>
<form id="sign-in-form" novalidate>
<label for="token">Your access token</label>
<p class="qaf-hint" id="token-hint">Paste a bearer token for this service (with or without
the word <code>Bearer</code>). It is kept in this tab only, and forgotten when the tab closes
or you sign out.</p>
<input id="token" name="token" type="password" autocomplete="off" spellcheck="false"
 aria-describedby="token-hint token-error" required>
<p class="qaf-error" id="token-error" role="alert" hidden></p>
<button type="submit">Sign in</button>
</form>
</main>
<div id="signed-in" class="qaf-bar" hidden>
<span>Signed in as <strong id="who"></strong></span>
<button type="button" id="sign-out">Sign out</button>
</div>
<div id="graphiql" class="qaf-graphiql" hidden></div>
<script src="{react.production.min.js}"></script>
<script src="{react-dom.production.min.js}"></script>
<script src="{graphiql.min.js}"></script>
<script src="{graphiql-page.js}" nonce="{nonce}"></script>
</body>
</html>
"""


class GraphiQLFiles:
    """The page and its files, read once per process."""

    def __init__(self) -> None:
        self.assets = _load_assets()
        page = PAGE
        for name, asset in self.assets.items():
            page = page.replace("{" + name + "}", escape(asset.path))
        self.page_html = page

    def page(self) -> Response:
        nonce = secrets.token_urlsafe(18)
        return HTMLResponse(
            self.page_html.replace("{nonce}", nonce),
            headers={
                **PAGE_HEADERS,
                "Content-Security-Policy": CONTENT_SECURITY_POLICY.replace("{nonce}", nonce),
            },
        )

    async def asset(self, request: Request) -> Response:
        found = self.assets.get(request.path_params["name"])
        if found is None or found.digest != request.path_params["digest"]:
            return PlainTextResponse("not found", status_code=404)
        media_type = MEDIA_TYPES[found.name[found.name.rindex(".") :]]
        return Response(found.body, media_type=media_type, headers=ASSET_HEADERS)

    def routes(self) -> list[Route]:
        return [Route(f"{STATIC_PREFIX}/{{digest}}/{{name}}", self.asset, methods=["GET"])]
