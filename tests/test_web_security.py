"""Safety of the radar server: one test per rule of ``skyborder.web.security``."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import warnings

import pytest

from skyborder.errors import InputError
from skyborder.web import security
from skyborder.web.app import create_app
from skyborder.web.security import COOKIE, CSP, check_bind, session_value
from skyborder.web.server import allowed_hosts
from skyborder.web.static import assets
from webdata import MemoryRegister

with warnings.catch_warnings():  # Starlette 1.x asks for httpx2; httpx works
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")
TOKEN = "correct-horse-battery-staple-42"
BASE = "http://127.0.0.1:8787"


@pytest.fixture(scope="module")
def register():
    return MemoryRegister()


@pytest.fixture
def open_client(register):
    app = create_app(None, register, allowed_hosts=allowed_hosts("127.0.0.1", 8787))
    with TestClient(app, base_url=BASE, follow_redirects=False) as client:
        yield client


@pytest.fixture
def token_client(register):
    app = create_app(None, register, token=TOKEN)
    with TestClient(app, base_url="http://192.0.2.10:8787", follow_redirects=False) as client:
        yield client


# ---------------------------------------------------------------- bind

def test_loopback_by_default_and_a_token_beyond_it():
    check_bind("127.0.0.1", None)
    check_bind("::1", None)
    check_bind("localhost", None)
    for host in ("0.0.0.0", "::", "192.0.2.10"):
        with pytest.raises(InputError, match="--token"):
            check_bind(host, None)
        check_bind(host, TOKEN)
    with pytest.raises(InputError, match="at least 16"):
        check_bind("0.0.0.0", "short")


def test_serve_refuses_to_expose_without_token():
    from skyborder.cli._args import build_parser
    assert build_parser().parse_args(["serve", "--simulate", "4"]).bind == "127.0.0.1:8787"
    env = {k: v for k, v in os.environ.items() if k != "SKYBORDER_TOKEN"}
    done = subprocess.run([sys.executable, "-m", "skyborder.cli", "serve", "--simulate", "4", "--bind", "0.0.0.0:0"],
                          capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 2
    assert "--token" in done.stderr


def test_watch_serve_refuses_to_expose_without_token_before_reading_anything(tmp_path):
    from skyborder.cli._args import build_parser
    assert build_parser().parse_args(["watch", "-", "--airspace", "TUR"]).serve is None  # no page unless asked
    env = {k: v for k, v in os.environ.items() if k != "SKYBORDER_TOKEN"}
    db = tmp_path / "never.sqlite"
    done = subprocess.run([sys.executable, "-m", "skyborder.cli", "watch", "sbs://127.0.0.1:9", "--airspace", "TUR",
                           "--db", str(db), "--serve", "0.0.0.0:0"], capture_output=True, text=True, timeout=120,
                          env=env)
    assert done.returncode == 2 and "--token" in done.stderr, done.stderr
    assert not db.exists()  # refused before the register was opened or the feed dialled


# ---------------------------------------------------------------- token

def test_without_token_nothing_but_login(token_client):
    for path in ("/api/health", "/api/aircraft", "/api/passages", "/api/stream", "/api/airspaces", "/api/openapi.json"):
        answer = token_client.get(path)
        assert answer.status_code == 401, path
        assert answer.headers["www-authenticate"] == "Bearer"
    assert token_client.post("/api/warnings/w1/ack", json={}).status_code == 401
    page = token_client.get("/")
    assert page.status_code == 303 and page.headers["location"] == "/login"
    assert token_client.get("/static/js/main.js").status_code == 303
    login = token_client.get("/login")
    assert login.status_code == 200 and "token" in login.text


def test_bearer_token(token_client):
    assert token_client.get("/api/health", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    assert token_client.get("/api/health", headers={"Authorization": f"bearer {TOKEN}"}).status_code == 200
    for wrong in (TOKEN[:-1], TOKEN + "x", "", TOKEN.upper()):
        assert token_client.get("/api/health", headers={"Authorization": f"Bearer {wrong}"}).status_code == 401
    assert token_client.get("/api/health", headers={"Authorization": f"Basic {TOKEN}"}).status_code == 401


def test_login_sets_a_cookie_that_is_not_the_token(token_client):
    wrong = token_client.get("/login", params={"token": "x" * 20})
    assert wrong.status_code == 401 and COOKIE not in wrong.headers.get("set-cookie", "")
    answer = token_client.get("/login", params={"token": TOKEN})
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    cookie = answer.headers["set-cookie"]
    assert f"{COOKIE}={session_value(TOKEN)}" in cookie and TOKEN not in cookie
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    assert token_client.get("/api/health").status_code == 200          # the client keeps the cookie
    assert token_client.get("/").status_code == 200
    token_client.cookies.set(COOKIE, session_value(TOKEN)[:-1] + "0")
    assert token_client.get("/api/health").status_code == 401


def test_token_compared_in_constant_time(token_client, monkeypatch):
    calls = []
    real = security.hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(security.hmac, "compare_digest", spy)
    token_client.get("/api/health", headers={"Authorization": f"Bearer {TOKEN}"})
    token_client.get("/api/health", headers={"Cookie": f"{COOKIE}={session_value(TOKEN)}"})
    assert (TOKEN.encode(), TOKEN.encode()) in calls
    assert (session_value(TOKEN).encode(), session_value(TOKEN).encode()) in calls


# ---------------------------------------------------------------- sizes

def test_bounded_query_path_and_body(open_client):
    assert open_client.get("/api/passages", params={"airspace": "A" * 3000}).status_code == 414
    assert open_client.get("/api/" + "a" * 1100).status_code == 414
    big = b'{"by": "' + b"x" * 5000 + b'"}'
    headers = {"content-type": "application/json"}
    assert open_client.post("/api/warnings/w1/ack", content=big, headers=headers).status_code == 413

    def chunks():   # no Content-Length: counted while read
        for _ in range(10):
            yield b"x" * 1000

    assert open_client.post("/api/warnings/w1/ack", content=chunks(), headers=headers).status_code == 413
    assert open_client.post("/api/warnings/w1/ack", content=b"{}", headers={**headers, "content-length": "abc"}
                            ).status_code in (400, 413)


# ---------------------------------------------------------------- static files

@pytest.mark.parametrize("path", [
    "/static/../pyproject.toml", "/static/%2e%2e/app.py", "/static/..%2fapp.py", "/static/js/../../app.py",
    "/static//etc/passwd", "/static/%2fetc%2fpasswd", "/static/js/main.js%00.png", "/static/vendor",
    "/static/../../../../../../etc/passwd", "/static/js/%5c..%5c..%5capp.py"])
def test_no_path_traversal(open_client, path):
    answer = open_client.get(path)
    assert answer.status_code == 404
    assert b"import" not in answer.content and b"root:" not in answer.content


def test_static_files_are_the_package_files(open_client):
    from importlib import resources
    folder = resources.files("skyborder.web") / "static"
    main = open_client.get("/static/js/main.js")
    assert main.status_code == 200 and main.headers["content-type"].startswith("text/javascript")
    assert main.content == (folder / "js" / "main.js").read_bytes()
    assert open_client.get("/static/js/main.js", headers={"if-none-match": main.headers["etag"]}).status_code == 304
    assert all(url.startswith("/static/") for url in assets())
    assert open_client.get("/").content == (folder / "index.html").read_bytes()


# ---------------------------------------------------------------- CORS, origins, hosts

def test_no_cors(open_client):
    evil = {"Origin": "http://evil.example"}
    answer = open_client.get("/api/health", headers=evil)
    assert not any(k.lower().startswith("access-control-") for k in answer.headers)
    preflight = open_client.options("/api/warnings/w1/ack", headers={**evil, "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 405
    assert not any(k.lower().startswith("access-control-") for k in preflight.headers)
    cross = open_client.post("/api/warnings/w1/ack", json={}, headers=evil)
    assert cross.status_code == 403


def test_dns_rebinding_refused_on_loopback(open_client):
    assert open_client.get("/api/health", headers={"Host": "evil.example"}).status_code == 421
    assert open_client.get("/api/health", headers={"Host": "localhost:8787"}).status_code == 200


# ---------------------------------------------------------------- headers

def test_security_headers_everywhere(open_client, token_client):
    answers = [open_client.get(p) for p in ("/", "/static/js/main.js", "/api/health", "/api/nope", "/static/nope")]
    answers += [token_client.get("/api/health"), token_client.get("/"), open_client.get("/api/" + "a" * 1100)]
    for answer in answers:
        h = answer.headers
        assert h["content-security-policy"] == CSP, answer.url
        assert h["x-content-type-options"] == "nosniff" and h["x-frame-options"] == "DENY"
        assert h["referrer-policy"] == "no-referrer"


def test_csp_allows_only_this_origin():
    assert "unsafe-eval" not in CSP and "unsafe-inline" not in CSP
    assert not re.search(r"https?:|\*|wss?:", CSP)
    directives = dict(d.strip().split(" ", 1) for d in CSP.split(";"))
    for name in ("default-src", "script-src", "connect-src", "worker-src", "style-src", "font-src"):
        assert directives[name] == "'self'", name
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"


def test_page_has_no_external_reference():
    """No reference to another origin in the page's own files (the vendored library only fetches
    what the style names; the browser test records every request the page makes)."""
    for url, asset in assets().items():
        if url.endswith((".woff2", ".txt", ".md")) or url.startswith("/static/vendor/"):
            continue
        text = asset.body.decode("utf-8", errors="replace")
        refs = re.findall(r"""(?:src|href)\s*=\s*["'](https?:)?//""", text)
        assert not refs, url
        if url.endswith((".html", ".css")):
            assert not re.search(r"https?://", text), url
