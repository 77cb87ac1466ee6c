"""The web app's security in a real browser (Debian's headless Chromium), from both servers that serve it.

A small app (index.html + one hashed script) is served by a uvicorn worker itself (`make run`) and by Nginx
in front of it (`make stack`). In Chromium its script logs in through the cookie session, refreshes, reads
its profile, logs out, and probes the Content-Security-Policy; the page it leaves behind is checked: the
cookie calls passed the Origin check, the refresh token never reached the page's script, and nothing inline,
injected or from another origin ran.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from oms.cli.devstack import free_port
from tests.support.paths import SCRIPTS
from tests.support.web import nginx_or_skip, write_dist

if str(SCRIPTS) not in sys.path:
    sys.path.insert(0, str(SCRIPTS))

from oms_stack.nginx import Nginx  # scripts/ is not a package on the path
from oms_stack.workers import start_workers

CHROMIUM = Path("/usr/bin/chromium")
USER, PASSWORD = "browser-admin", "browser-admin-pass-1"

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>app</title>
<script type="module" src="/assets/probe-5e1f.js"></script></head>
<body><ul id="out"></ul>
<script>document.title = "INLINE RAN";</script>
<img src="/nope.png" onerror="document.body.setAttribute('data-pwned', 'yes')">
<a id="js" href="javascript:document.body.setAttribute('data-pwned', 'link')">x</a>
</body></html>"""

PROBE = """
const out = document.getElementById("out");
const log = (key, value) => {
  const item = document.createElement("li");
  item.textContent = `${key}=${value}`;
  out.appendChild(item);
};
const json = { "Content-Type": "application/json" };
async function main() {
  const [user, password] = location.hash.slice(1).split(":");
  let reply = await fetch("/api/v1/auth/session", {
    method: "POST", headers: json, body: JSON.stringify({ username: user, password }),
  });
  log("login", reply.status);
  const first = await reply.json();
  log("body-keys", Object.keys(first).sort().join(","));
  log("cookie-readable", document.cookie.includes("oms_refresh"));
  reply = await fetch("/api/v1/auth/session/refresh", { method: "POST" });
  log("refresh", reply.status);
  const access = (await reply.json()).access_token;
  reply = await fetch("/api/v1/users/me", { headers: { Authorization: `Bearer ${access}` } });
  log("me", `${reply.status}:${(await reply.json()).username}`);
  reply = await fetch("/api/v1/auth/session", { method: "DELETE", headers: { Authorization: `Bearer ${access}` } });
  log("logout", reply.status);
  reply = await fetch("/api/v1/auth/session/refresh", { method: "POST" });
  log("after-logout", reply.status);
  try { eval("1"); log("eval", "ran"); } catch (e) { log("eval", "blocked"); }
  try {
    await fetch(`http://localhost:${location.port}/healthz`);
    log("other-origin", "reached");
  } catch (e) { log("other-origin", "blocked"); }
  document.getElementById("js").click();
  await new Promise((done) => setTimeout(done, 100));
  log("done", "yes");
}
main().catch((e) => log("error", String(e)));
"""


@pytest.fixture(scope="module")
def servers(stack: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The probe app from a uvicorn worker (`make run`) and from Nginx in front of it (`make stack`)."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    nginx_or_skip()
    root = tmp_path_factory.mktemp("browser")
    dist = write_dist(root / "web")
    (dist / "index.html").write_text(PAGE)
    (dist / "assets" / "probe-5e1f.js").write_text(PROBE)
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMS_")}
    env.update(
        OMS_MONGODB_URL=f"{stack['mongo']}/oms_browser_test",
        OMS_REDIS_URL=stack["redis"].rsplit("/", 1)[0] + "/2",
        OMS_JWT_SECRET="browser-secret-" + "x" * 40,
        OMS_DATA_DIR=str(root / "data"),
        OMS_ARGON2_TIME_COST="1",
        OMS_ARGON2_MEMORY_KIB="1024",
        OMS_ADMIN_USERNAME=USER,
        OMS_ADMIN_PASSWORD=PASSWORD,
        OMS_WEB_DIST=str(dist),
        PROMETHEUS_MULTIPROC_DIR=str(root / "prometheus"),
    )
    (root / "prometheus").mkdir()
    workers = start_workers(1, env, root / "logs")
    nginx = Nginx(root / "nginx", free_port(), free_port(), [workers[0].address], web_root=dist)
    try:
        nginx.start()
        yield {
            "api": f"http://{workers[0].address}",
            "nginx": f"http://127.0.0.1:{nginx.port}",
            "root": str(root),
        }
    finally:
        nginx.stop()
        workers[0].stop()


def run_page(url: str, profile: Path) -> str:
    """The DOM Chromium leaves once the page's script has run (headless, no network beyond loopback)."""
    done = subprocess.run(  # noqa: S603  # a fixed program and our own URL
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={profile}",
            "--virtual-time-budget=15000",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.mark.parametrize("server", ["api", "nginx"])
def test_cookie_session_and_csp_in_chromium(servers: dict[str, str], server: str, tmp_path: Path) -> None:
    dom = run_page(f"{servers[server]}/courses/some-course#{USER}:{PASSWORD}", tmp_path / "profile")
    results = dict(re.findall(r"<li>([a-z-]+)=([^<]*)</li>", dom))
    assert results.get("done") == "yes", dom
    assert "error" not in results, results
    assert results["login"] == "200"  # Chromium's Origin passed the CSRF check
    assert results["body-keys"] == "access_token,expires_in,token_type"
    assert results["cookie-readable"] == "false"  # HttpOnly: the page's script never sees the refresh token
    assert results["refresh"] == "200"  # the browser sent the cookie back
    assert results["me"] == f"200:{USER}"
    assert results["logout"] == "204"
    assert results["after-logout"] == "401"  # the cookie is gone and its login ended
    assert results["eval"] == "blocked"
    assert results["other-origin"] == "blocked"  # connect-src 'self'
    # nothing inline ran: not the script, not the onerror handler, not the javascript: link
    assert "<title>app</title>" in dom
    body = re.search(r"<body[^>]*>", dom)
    assert body is not None and "data-pwned" not in body.group(0)
