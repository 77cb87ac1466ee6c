"""The API process serves the built web app: files, SPA fallback, cache policy, CSP, nothing outside dist."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from oms.config import Settings, checkout_web_dist
from oms.edge.webapp import CSP, find_file
from tests.support.api import problem
from tests.support.web import INDEX, write_dist

HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


@pytest.fixture
async def dist(tmp_path: Path) -> Path:
    return write_dist(tmp_path)


@pytest.fixture
async def site(make_app: Any, dist: Path) -> AsyncIterator[httpx.AsyncClient]:
    app: FastAPI = await make_app(web_dist=dist)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
        yield c


def assert_page(reply: httpx.Response) -> None:
    """index.html, revalidated on each use, under the app's CSP and referrer policy."""
    assert reply.status_code == 200, reply.text
    assert reply.text == INDEX
    assert reply.headers["content-type"].startswith("text/html")
    assert reply.headers["cache-control"] == "no-cache"
    assert reply.headers["content-security-policy"] == CSP
    assert reply.headers["referrer-policy"] == "same-origin"
    assert reply.headers["x-content-type-options"] == "nosniff"
    assert reply.headers["x-frame-options"] == "DENY"
    assert reply.headers["x-request-id"]


async def test_root_serves_the_app(site: httpx.AsyncClient) -> None:
    assert_page(await site.get("/"))
    assert_page(await site.get("/", headers={"Accept": "*/*"}))
    assert_page(await site.get("/index.html"))


@pytest.mark.parametrize("path", ["/courses", "/courses/python-101/learn?section=2", "/me/", "/zh-CN/x.y"])
async def test_app_routes_fall_back_to_index(site: httpx.AsyncClient, path: str) -> None:
    assert_page(await site.get(path, headers=HTML))


async def test_csp_allows_no_inline_script_and_no_other_origin() -> None:
    directives = dict(d.strip().split(" ", 1) for d in CSP.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["default-src"] == "'self'" and directives["connect-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert "http" not in CSP and "*" not in CSP


async def test_hashed_assets_are_immutable(site: httpx.AsyncClient) -> None:
    script = await site.get("/assets/app-3f2a.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert script.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert script.headers["etag"] and script.headers["x-content-type-options"] == "nosniff"
    style = await site.get("/assets/app-9c1d.css")
    assert style.headers["content-type"].startswith("text/css")
    assert style.headers["cache-control"] == "public, max-age=31536000, immutable"
    head = await site.head("/assets/app-3f2a.js")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == script.headers["content-length"]


async def test_unhashed_files_are_revalidated_and_304_when_unchanged(site: httpx.AsyncClient) -> None:
    icon = await site.get("/favicon.svg")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")
    assert icon.headers["cache-control"] == "no-cache"
    again = await site.get("/favicon.svg", headers={"If-None-Match": icon.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    page = await site.get("/", headers=HTML)
    same = await site.get("/", headers={**HTML, "If-None-Match": page.headers["etag"]})
    assert same.status_code == 304
    assert same.headers["cache-control"] == "no-cache"


async def test_missing_assets_are_404_not_the_page(site: httpx.AsyncClient) -> None:
    for path in ("/assets/app-0000.js", "/assets/"):
        reply = await site.get(path, headers=HTML)
        problem(reply, 404)
    # a non-HTML request for a missing file is the API's 404, not the page
    problem(await site.get("/favicon.ico", headers={"Accept": "image/*"}), 404)


@pytest.mark.parametrize(
    "path",
    [
        "/%2e%2e/secret.txt",
        "/assets/%2e%2e/%2e%2e/secret.txt",
        "/..%2fsecret.txt",
        "/assets/..%5c..%5csecret.txt",
        "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/.vite/manifest.json",
        "/assets/%00app-3f2a.js",
    ],
)
async def test_nothing_outside_dist_is_served(site: httpx.AsyncClient, path: str) -> None:
    for headers in ({"Accept": "*/*"}, HTML):
        reply = await site.get(path, headers=headers)
        assert "outside the dist" not in reply.text and "root:" not in reply.text
        assert reply.text in (INDEX,) or reply.status_code == 404, (path, reply.status_code)
        assert reply.headers.get("cache-control") != "public, max-age=31536000, immutable"


async def test_symlinks_out_of_dist_are_not_followed(make_app: Any, tmp_path: Path) -> None:
    dist = write_dist(tmp_path)
    os.symlink(tmp_path / "secret.txt", dist / "assets" / "leak.js")
    os.symlink(tmp_path, dist / "up")
    app: FastAPI = await make_app(web_dist=dist)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        problem(await c.get("/assets/leak.js"), 404)
        problem(await c.get("/up/secret.txt"), 404)
    assert find_file(dist, "/assets/leak.js") is None
    assert find_file(dist, "/assets/app-3f2a.js") is not None


async def test_the_api_is_untouched(site: httpx.AsyncClient) -> None:
    courses = await site.get("/api/v1/courses", headers=HTML)
    assert courses.status_code == 200 and courses.headers["content-type"] == "application/json"
    assert "content-security-policy" not in courses.headers
    for path in ("/api/v1/nope", "/api/nope", "/api", "/metrics/x", "/docs/nope", "/healthz/x"):
        problem(await site.get(path, headers=HTML), 404)
    assert (await site.get("/healthz", headers=HTML)).json() == {"status": "ok"}
    assert (await site.get("/readyz", headers=HTML)).status_code == 200
    docs = await site.get("/docs", headers=HTML)
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    assert "content-security-policy" not in docs.headers  # the docs pages keep their own policy
    assert (await site.get("/static/docs/swagger-ui.css")).status_code == 200
    # only GET and HEAD reach the app: other methods are the API's
    problem(await site.post("/courses", headers=HTML), 404)
    problem(await site.delete("/", headers=HTML), 404)


async def test_without_a_build_the_root_explains_how_to_make_one(make_app: Any, tmp_path: Path) -> None:
    app: FastAPI = await make_app(web_dist=tmp_path / "not-built")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        root = await c.get("/", headers=HTML)
        assert root.status_code == 200 and "make web" in root.text
        assert root.headers["content-security-policy"] == CSP
        problem(await c.get("/courses", headers=HTML), 404)
        assert (await c.get("/api/v1/courses")).status_code == 200
    app = await make_app(web_dist=None)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        assert "make web" in (await c.get("/")).text


def test_dist_defaults_to_the_checkouts_web_dist(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    checkout = Path(__file__).resolve().parents[2]
    assert checkout_web_dist() == checkout / "web" / "dist"
    monkeypatch.delenv("OMS_WEB_DIST", raising=False)
    assert Settings(data_dir=tmp_path).web_dist == checkout / "web" / "dist"
    monkeypatch.setenv("OMS_WEB_DIST", str(tmp_path))
    assert Settings(data_dir=tmp_path).web_dist == tmp_path
