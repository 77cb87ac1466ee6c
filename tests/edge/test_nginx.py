"""Nginx in front of two uvicorn workers, with the production config (deploy/nginx/nginx.conf.template).

Real processes on loopback: the workers use the suite's MongoDB and Redis (their own database and Redis db).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from oms_stack.nginx import Nginx  # scripts/ is on pytest's pythonpath
from oms_stack.workers import Worker, start_workers

from oms.cli.devstack import free_port
from oms.edge.webapp import CSP
from tests.support.settings import process_env
from tests.support.web import INDEX, nginx_or_skip, write_dist

ADMIN, ADMIN_PASSWORD = "edge-admin", "edge-admin-pass-1"


@dataclass
class Edge:
    """The running Nginx and its workers."""

    nginx: Nginx
    workers: list[Worker]

    @property
    def base(self) -> str:
        """Nginx's public URL."""
        return f"http://127.0.0.1:{self.nginx.port}"

    def client(self, source: str | None = None) -> httpx.Client:
        """An HTTP client to Nginx, from `source` (a loopback address) when given."""
        transport = httpx.HTTPTransport(local_address=source) if source else None
        return httpx.Client(base_url=self.base, transport=transport, timeout=10)


@pytest.fixture(scope="module")
def edge(stack: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Edge]:
    """Two workers and Nginx in front of them, for this module."""
    nginx_or_skip()
    root = tmp_path_factory.mktemp("edge")
    redis_db1 = stack["redis"].rsplit("/", 1)[0] + "/1"  # not the db the suite flushes between tests
    env = process_env(
        stack,
        "oms_edge_test",
        root / "data",
        redis_db1,
        OMS_LOG_LEVEL="INFO",
        OMS_ENV="development",
        OMS_JWT_SECRET="edge-secret-" + "x" * 40,
        OMS_ARGON2_TIME_COST="1",
        OMS_ARGON2_MEMORY_KIB="1024",
        OMS_ADMIN_USERNAME=ADMIN,
        OMS_ADMIN_PASSWORD=ADMIN_PASSWORD,
        OMS_REGISTRATIONS_PER_ADDRESS="2",
        PROMETHEUS_MULTIPROC_DIR=str(root / "prometheus"),
    )
    (root / "prometheus").mkdir()
    workers = start_workers(2, env, root / "logs")
    web = write_dist(root / "web")
    nginx = Nginx(root / "nginx", free_port(), free_port(), [w.address for w in workers], web_root=web)
    try:
        nginx.start()
        yield Edge(nginx, workers)
    finally:
        nginx.stop()
        for worker in workers:
            worker.stop()


def _find_line(
    paths: list[Path], match: Callable[[dict[str, Any]], bool], timeout: float = 5
) -> dict[str, Any]:
    """The first JSON log line in `paths` for which `match` holds (logs are written as requests end)."""
    deadline = time.monotonic() + timeout
    while True:
        for path in paths:
            for line in path.read_text().splitlines() if path.exists() else []:
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue
                if isinstance(entry, dict) and match(entry):
                    return entry
        if time.monotonic() > deadline:
            raise AssertionError(f"no matching log line in {paths}")
        time.sleep(0.05)


def _app_access(edge: Edge, rid: str) -> dict[str, Any]:
    return _find_line(
        [w.log for w in edge.workers],
        lambda e: e.get("logger") == "oms.access" and e.get("request_id") == rid,
    )


def _edge_access(edge: Edge, rid: str) -> dict[str, Any]:
    return _find_line([edge.nginx.access_log], lambda e: e.get("request_id") == rid)


def test_proxies_to_the_app_with_one_request_id(edge: Edge) -> None:
    with edge.client() as client:
        reply = client.get("/api/v1/healthz")
    assert reply.status_code == 200
    assert reply.json() == {"status": "ok"}
    assert reply.headers["server"] == "nginx"
    assert reply.headers["server-timing"].startswith("app;dur=")  # the app answered
    assert len(reply.headers.get_list("x-request-id")) == 1
    line = _edge_access(edge, reply.headers["x-request-id"])
    assert line["status"] == 200 and line["upstream_addr"] in {w.address for w in edge.workers}
    assert float(line["upstream_response_time"]) <= line["request_time"] + 0.001


def test_client_request_id_reaches_the_app_and_comes_back(edge: Edge) -> None:
    with edge.client() as client:
        reply = client.get("/api/v1/courses", headers={"X-Request-ID": "client-abc.123"})
    assert reply.status_code == 200
    assert reply.headers["x-request-id"] == "client-abc.123"
    assert _app_access(edge, "client-abc.123")["route"] == "/api/v1/courses"
    assert _edge_access(edge, "client-abc.123")["uri"] == "/api/v1/courses"


@pytest.mark.parametrize("sent", [None, "not a valid id!"])
def test_request_id_generated_at_the_edge_is_the_apps(edge: Edge, sent: str | None) -> None:
    with edge.client() as client:
        reply = client.get("/api/v1/courses", headers={"X-Request-ID": sent} if sent else {})
    rid = reply.headers["x-request-id"]
    assert len(rid) == 32 and int(rid, 16) >= 0  # Nginx's $request_id
    assert _app_access(edge, rid)["status"] == 200
    assert _edge_access(edge, rid)["status"] == 200


def test_login_burst_is_limited_with_429_problem(edge: Edge) -> None:
    def attempt(n: int) -> httpx.Response:
        with edge.client("127.0.0.2") as client:
            return client.post(
                "/api/v1/auth/login", json={"username": f"nobody{n}", "password": "wrong-pass"}
            )

    with ThreadPoolExecutor(8) as pool:
        replies = list(pool.map(attempt, range(24)))
    at_edge = [r for r in replies if "server-timing" not in r.headers]  # the app never saw these
    assert len(at_edge) >= 8, [r.status_code for r in replies]
    assert {r.status_code for r in at_edge} == {429}
    assert {r.status_code for r in replies if r not in at_edge} <= {401}
    limited = at_edge[0]
    assert limited.headers["content-type"] == "application/problem+json"
    assert limited.headers["retry-after"] == "1"
    assert limited.json()["status"] == 429
    assert limited.json()["request_id"] == limited.headers["x-request-id"]
    with edge.client("127.0.0.2") as client:  # the API's own zone is separate
        assert client.get("/api/v1/courses").status_code == 200


@pytest.mark.redis
def test_the_app_sees_the_client_address_not_the_proxys(edge: Edge) -> None:
    """The app limits registrations per client address (2 here): it must see each client's own address."""

    def register(source: str, name: str, spoof: str | None = None) -> httpx.Response:
        headers = {"X-Forwarded-For": spoof} if spoof else {}
        with edge.client(source) as client:
            body = {"username": name, "password": "edge-student-1"}
            return client.post("/api/v1/auth/register", json=body, headers=headers)

    assert [register("127.0.0.5", f"addr5u{i}").status_code for i in range(2)] == [201, 201]
    third = register("127.0.0.5", "addr5u3")
    assert third.status_code == 429 and "server-timing" in third.headers  # the app's limit, not Nginx's
    assert (
        register("127.0.0.5", "addr5u4", spoof="10.1.2.3").status_code == 429
    )  # a forged header is replaced
    assert register("127.0.0.6", "addr6u1").status_code == 201  # another client is not affected


def test_body_limits_small_by_default_large_for_the_import(edge: Edge) -> None:
    big = b'{"name": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    headers = {"Content-Type": "application/json"}
    with edge.client() as client:
        refused = client.post("/api/v1/courses", content=big, headers=headers)
        imported = client.post("/api/v1/admin/courses/import", content=big, headers=headers)
    assert refused.status_code == 413
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["request_id"] == refused.headers["x-request-id"]
    assert "server-timing" not in refused.headers
    assert imported.status_code != 413
    assert "server-timing" in imported.headers  # passed on to the app, which answers for itself


def test_overlong_addresses_and_headers_are_problems_too(edge: Edge) -> None:
    """A 10 KB search query or an oversized header is refused by Nginx itself, in the API's shape."""
    with edge.client() as client:
        long_query = client.get("/api/v1/courses", params={"q": "x" * 10_000})
        big_header = client.get("/api/v1/courses", headers={"X-Big": "y" * 20_000})
    for reply, status in ((long_query, 414), (big_header, 400)):
        assert reply.status_code == status, reply.text[:200]
        assert reply.headers["content-type"] == "application/problem+json"
        assert reply.json()["status"] == status


def test_the_import_may_reply_later_than_other_requests() -> None:
    """A 10,000-course import can outlast the 30 s every other request gets: Nginx waits for its reply."""
    template = (Path(__file__).parents[2] / "deploy/nginx/nginx.conf.template").read_text()
    block = template.split("location = /api/v1/admin/courses/import {", 1)[1].split("}", 1)[0]
    assert "proxy_read_timeout 600s;" in block
    assert "proxy_read_timeout 30s;" in template  # the default stays short


def test_static_docs_assets_come_from_nginx_with_cache_headers(edge: Edge) -> None:
    with edge.client() as client:
        plain = client.get("/static/docs/swagger-ui.css", headers={"Accept-Encoding": "identity"})
        packed = client.get("/static/docs/swagger-ui-bundle.js", headers={"Accept-Encoding": "gzip"})
        docs = client.get("/docs")
    assert plain.status_code == 200
    assert plain.headers["content-type"].startswith("text/css")
    assert plain.headers["cache-control"] == "max-age=604800"
    assert "expires" in plain.headers and "etag" in plain.headers
    assert "server-timing" not in plain.headers  # not the app
    assert plain.content == (Path(edge.nginx.root) / "www/static/docs/swagger-ui.css").read_bytes()
    assert packed.headers["content-encoding"] == "gzip"  # the pre-compressed copy
    assert "/static/docs/swagger-ui-bundle.js" in docs.text


def test_json_is_gzipped_but_course_etags_stay_strong_for_if_match(edge: Edge) -> None:
    with edge.client() as client:
        token = client.post("/api/v1/auth/login", json={"username": ADMIN, "password": ADMIN_PASSWORD})
        auth = {"Authorization": f"Bearer {token.json()['access_token']}"}
        spec = client.get("/api/v1/openapi.json", headers={"Accept-Encoding": "gzip"})
        body = {"name": "Edge course", "content": "long " * 400, "status": "published"}
        course = client.post("/api/v1/courses", json=body, headers=auth).json()
        read = client.get(f"/api/v1/courses/{course['id']}", headers={"Accept-Encoding": "gzip"})
        again = client.get(f"/api/v1/courses/{course['id']}", headers={"If-None-Match": read.headers["etag"]})
        patched = client.patch(
            f"/api/v1/courses/{course['id']}",
            json={"name": "Edge course 2"},
            headers={**auth, "If-Match": read.headers["etag"]},
        )
    assert spec.headers["content-encoding"] == "gzip" and spec.json()["openapi"]
    assert "content-encoding" not in read.headers and int(read.headers["content-length"]) > 1024
    assert not read.headers["etag"].startswith("W/")
    assert again.status_code == 304
    assert patched.status_code == 200, patched.text


def test_metrics_only_on_the_loopback_listener(edge: Edge) -> None:
    metrics = f"http://127.0.0.1:{edge.nginx.metrics_port}"
    with edge.client() as client:
        public = client.get("/metrics")
        local = client.get(f"{metrics}/metrics")
        status = client.get(f"{metrics}/nginx_status")
    with edge.client("127.0.0.3") as other:
        denied = other.get(f"{metrics}/metrics")
    assert public.status_code == 403
    assert public.headers["content-type"] == "application/problem+json"
    assert "server-timing" not in public.headers
    assert local.status_code == 200 and local.headers["content-type"].startswith("text/plain")
    assert "server-timing" in local.headers
    assert status.status_code == 200 and "Active connections" in status.text
    assert denied.status_code == 403  # only 127.0.0.1 and ::1 are allowed


def test_a_killed_worker_fails_no_get(edge: Edge) -> None:
    statuses: list[int] = []
    stop = threading.Event()

    def hammer(source: str) -> None:
        with edge.client(source) as client:
            while not stop.is_set():  # about 60 req/s per address: under Nginx's 100 r/s limit, so only
                statuses.append(client.get("/api/v1/courses").status_code)  # the kill could fail a request
                time.sleep(0.015)

    victim = edge.workers[0]
    with ThreadPoolExecutor(4) as pool:
        for i in range(4):
            pool.submit(hammer, f"127.0.0.{20 + i}")
        time.sleep(0.4)
        victim.kill()
        time.sleep(1.0)
        stop.set()
    try:
        assert len(statuses) > 20
        assert set(statuses) == {200}, [s for s in statuses if s != 200]
        retried = _find_line([edge.nginx.access_log], lambda e: "," in str(e.get("upstream_addr")))
        assert victim.address in retried["upstream_addr"]  # tried the dead worker, then the other
    finally:
        victim.start()
        victim.wait()


@pytest.mark.redis
def test_every_worker_shows_a_write_at_once_and_serves_held_pages(edge: Edge) -> None:
    """Both workers hold the course page in memory (near cache); after each edit, whichever worker answers
    shows it."""
    with edge.client("127.0.0.40") as admin:
        token = admin.post("/api/v1/auth/login", json={"username": ADMIN, "password": ADMIN_PASSWORD})
        auth = {"Authorization": f"Bearer {token.json()['access_token']}"}
        course = admin.post("/api/v1/courses", json={"name": "Held", "status": "published"}, headers=auth)
        path = f"/api/v1/courses/{course.json()['id']}"
        metrics = f"http://127.0.0.1:{edge.nginx.metrics_port}/metrics"
        for version in range(1, 13):
            with edge.client(f"127.0.0.{50 + version}") as reader:  # one address each: under the rate limit
                for _ in range(6):  # misses, Redis hits, then held pages on both workers
                    assert reader.get(path).json()["name"] == f"Held{version - 1 or ''}"
                edited = admin.patch(path, json={"name": f"Held{version}"}, headers=auth)
                assert edited.status_code == 200, edited.text
                names = [reader.get(path).json()["name"] for _ in range(6)]
            assert names == [f"Held{version}"] * 6, version
    with edge.client() as local:  # /metrics answers 127.0.0.1 only
        exposition = local.get(metrics).text
    near_hits = [
        line
        for line in exposition.splitlines()
        if line.startswith('oms_cache_events_total{event="near_hits"}')
    ]
    assert near_hits and float(near_hits[0].split()[-1]) > 12


# ---------------------------------------------------------------- the web app, served by Nginx itself

HTML = {"Accept": "text/html,*/*;q=0.8", "Accept-Encoding": "gzip"}


def test_web_app_pages_come_from_nginx_with_the_apps_csp(edge: Edge) -> None:
    with edge.client("127.0.0.60") as client:
        pages = [
            client.get(path, headers=HTML) for path in ("/", "/courses", "/courses/a-b/learn?s=1", "/me/")
        ]
        icon = client.get("/favicon.svg", headers={"Accept-Encoding": "identity"})
    for page in pages:
        assert page.status_code == 200 and page.text == INDEX
        assert "server-timing" not in page.headers  # not the app: Nginx read the file
        assert page.headers["content-type"].startswith("text/html")
        assert page.headers["cache-control"] == "no-cache"
        assert page.headers["content-security-policy"] == CSP  # the same policy as the API process's
        assert page.headers["referrer-policy"] == "same-origin"
        assert page.headers["x-frame-options"] == "DENY"
        assert page.headers["x-content-type-options"] == "nosniff"
        assert page.headers["x-request-id"]
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/svg+xml"
    assert icon.headers["cache-control"] == "no-cache" and "etag" in icon.headers


def test_hashed_assets_are_immutable_and_gzipped(edge: Edge) -> None:
    with edge.client("127.0.0.61") as client:
        script = client.get("/assets/app-3f2a.js", headers={"Accept-Encoding": "gzip"})
        plain = client.get("/assets/app-3f2a.js", headers={"Accept-Encoding": "identity"})
        missing = client.get("/assets/app-0000.js", headers=HTML)
        hidden = client.get("/.vite/manifest.json", headers={"Accept": "application/json"})
        outside = client.get("/%2e%2e/secret.txt", headers=HTML)
    assert script.status_code == 200 and script.text == plain.text
    assert script.headers["content-encoding"] == "gzip" and script.headers["vary"] == "Accept-Encoding"
    assert script.headers["content-type"].startswith("application/javascript")
    assert script.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert "content-encoding" not in plain.headers
    assert missing.status_code == 404 and missing.text != INDEX  # a missing script is never the page
    assert hidden.status_code == 404 and "{}" not in hidden.text
    assert "outside the dist" not in outside.text


def test_api_docs_and_health_are_still_proxied(edge: Edge) -> None:
    with edge.client("127.0.0.62") as client:
        replies = [
            client.get(path, headers=HTML)
            for path in ("/api/v1/courses", "/healthz", "/readyz", "/docs", "/redoc", "/api/v1/nope")
        ]
    for reply in replies:
        assert "server-timing" in reply.headers, reply.url  # the app answered
        assert "content-security-policy" not in reply.headers
    assert [r.status_code for r in replies] == [200, 200, 200, 200, 200, 404]
    assert replies[-1].headers["content-type"] == "application/problem+json"


def test_browser_session_through_the_proxy(edge: Edge) -> None:
    """The cookie session works behind Nginx: the Host it passes on (with the port) matches the page's
    Origin, and the scheme is Nginx's own (a client's X-Forwarded-Proto does not make the cookie Secure)."""
    site = {"Origin": edge.base, "X-Forwarded-Proto": "https"}
    with edge.client("127.0.0.63") as client:
        login = client.post(
            "/api/v1/auth/session", json={"username": ADMIN, "password": ADMIN_PASSWORD}, headers=site
        )
        assert login.status_code == 200, login.text
        cookie = login.headers["set-cookie"]
        assert "HttpOnly" in cookie and "Path=/api/v1/auth" in cookie and "Secure" not in cookie
        refreshed = client.post("/api/v1/auth/session/refresh", headers=site)
        assert refreshed.status_code == 200, refreshed.text
        foreign = client.post("/api/v1/auth/session/refresh", headers={"Origin": "http://evil.example"})
        assert foreign.status_code == 403
        assert client.delete("/api/v1/auth/session", headers=site).status_code == 204
        assert client.post("/api/v1/auth/session/refresh", headers=site).status_code == 401
