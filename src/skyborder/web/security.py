"""Safety of the server: where it listens, who may use it, how much it reads, what it allows.

- **Bind**: 127.0.0.1 by default. Any other address needs a token (``check_bind``).
- **Token**: sent as ``Authorization: Bearer TOKEN`` or as the cookie that ``/login?token=TOKEN``
  sets (HttpOnly, SameSite=Strict; its value is an HMAC of a fixed text keyed by the token, so
  the cookie never holds the token itself). Both are compared in constant time
  (``hmac.compare_digest``). Without a valid one: 401 for the API, a redirect to ``/login`` for
  pages.
- **Host check**: when bound to loopback the ``Host`` header must name loopback too, so that a
  web site cannot reach the server through DNS rebinding (a page on evil.example resolving to
  127.0.0.1).
- **Sizes**: path <= 1024 bytes, query string <= 2048 bytes (414), request body <= 4096 bytes
  (413), read whole before the app sees it.
- **No CORS**: no ``Access-Control-Allow-*`` header is ever sent; a write whose ``Origin`` is
  not the server itself is refused (403).
- **Headers** on every answer: a Content-Security-Policy allowing only this origin (no
  ``unsafe-eval``, no ``unsafe-inline``, no other origin), nosniff, no framing, no referrer.
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from typing import Any

from ..errors import InputError

__all__ = ["COOKIE", "SECURITY_HEADERS", "Guard", "check_bind", "is_loopback", "parse_bind", "session_value"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

COOKIE = "skyborder_session"
MIN_TOKEN_LENGTH = 16
MAX_PATH = 1024
MAX_QUERY = 2048
MAX_BODY = 4096
PUBLIC_PATHS = frozenset({"/login", "/static/login.css", "/favicon.ico"})
CSP = ("default-src 'self'; script-src 'self'; worker-src 'self'; connect-src 'self'; img-src 'self' data: blob:; "
       "style-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
       "form-action 'self'")
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
)
DEFAULT_PORT = 8787


def parse_bind(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (IPv6 as ``[::1]:PORT``) or ``PORT`` -> (host, port); 127.0.0.1 when no host.

    Examples
    --------
    >>> parse_bind("127.0.0.1:8787"), parse_bind("[::1]:9000"), parse_bind("8080")
    (('127.0.0.1', 8787), ('::1', 9000), ('127.0.0.1', 8080))
    """
    host, sep, port = text.rpartition(":")
    if not sep:
        host, port = "127.0.0.1", text
    host = host.strip("[]") or "127.0.0.1"
    if not port.isdigit() or not 0 <= int(port) < 65536:
        raise InputError(f"bind address must be HOST:PORT, got {text!r}")
    return host, int(port)


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_bind(host: str, token: str | None) -> None:
    """Refuse (``InputError``) to listen beyond loopback without a token, or with a short one."""
    if token is not None and len(token) < MIN_TOKEN_LENGTH:
        raise InputError(f"--token must be at least {MIN_TOKEN_LENGTH} characters "
                         "(e.g. python3 -c 'import secrets; print(secrets.token_urlsafe())')")
    if not is_loopback(host) and not token:
        raise InputError(f"binding {host} exposes the server beyond this machine: give --token "
                         "(or SKYBORDER_TOKEN) so that only holders of the token can use it")


def session_value(token: str) -> str:
    """The cookie value for a token: HMAC-SHA256 of a fixed text keyed by the token (hex)."""
    return hmac.new(token.encode(), b"skyborder web session", hashlib.sha256).hexdigest()


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value
    return None


async def _respond(send: Send, status: int, body: dict[str, Any] | None = None,
                   headers: tuple[tuple[bytes, bytes], ...] = ()) -> None:
    payload = json.dumps(body or {}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()),
                            (b"cache-control", b"no-store"), *headers, *SECURITY_HEADERS]})
    await send({"type": "http.response.body", "body": payload})


class Guard:
    """ASGI middleware enforcing the rules of the module docstring around ``app``.

    Parameters
    ----------
    app : ASGI application
    token : str or None
        The access token; None lets every request through (loopback only, see ``check_bind``).
    allowed_hosts : frozenset of str or None
        Accepted ``Host`` header values (``host`` or ``host:port``); None accepts any.
    """

    def __init__(self, app: ASGIApp, token: str | None = None, allowed_hosts: frozenset[str] | None = None):
        self.app = app
        self.token = token.encode() if token else None
        self.session = session_value(token).encode() if token else None
        self.allowed_hosts = allowed_hosts

    def authorised(self, scope: Scope) -> bool:
        """True when no token is set, or the request carries it (bearer) or the session cookie."""
        if self.token is None or self.session is None:
            return True
        auth = _header(scope, b"authorization") or b""
        if auth[:7].lower() == b"bearer " and hmac.compare_digest(auth[7:].strip(), self.token):
            return True
        cookie_header = _header(scope, b"cookie")
        if cookie_header:
            cookies = SimpleCookie()
            try:
                cookies.load(cookie_header.decode("latin-1"))
            except Exception:  # a malformed cookie header is just not a session
                return False
            morsel = cookies.get(COOKIE)
            if morsel is not None and hmac.compare_digest(morsel.value.encode(), self.session):
                return True
        return False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            if scope["type"] == "websocket":  # no WebSocket endpoint: refuse
                await send({"type": "websocket.close", "code": 1008})
                return
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        if len(scope.get("raw_path") or path.encode()) > MAX_PATH or len(scope.get("query_string", b"")) > MAX_QUERY:
            await _respond(send, 414, {"error": "request line too long"})
            return
        if self.allowed_hosts is not None:
            host = (_header(scope, b"host") or b"").decode("latin-1").lower()
            if host not in self.allowed_hosts:
                await _respond(send, 421, {"error": "unknown host name for this server"})
                return
        if path not in PUBLIC_PATHS and not self.authorised(scope):
            if path.startswith("/api/"):
                await _respond(send, 401, {"error": "token required"}, ((b"www-authenticate", b"Bearer"),))
            else:
                await send({"type": "http.response.start", "status": 303,
                            "headers": [(b"location", b"/login"), (b"content-length", b"0"), *SECURITY_HEADERS]})
                await send({"type": "http.response.body", "body": b""})
            return
        method = scope.get("method", "GET")
        if method == "OPTIONS":  # no CORS: preflights are refused
            await _respond(send, 405, {"error": "method not allowed"})
            return
        if method not in ("GET", "HEAD"):
            origin = _header(scope, b"origin")
            host_header = _header(scope, b"host")
            if origin is not None and host_header is not None and origin.split(b"://", 1)[-1] != host_header:
                await _respond(send, 403, {"error": "cross-origin write refused"})
                return
            body = await self._bounded_body(scope, receive)
            if body is None:
                await _respond(send, 413, {"error": f"request body over {MAX_BODY} bytes"})
                return
            receive = _replay(body)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                extra = [h for h in SECURITY_HEADERS if h[0] not in names]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)

    @staticmethod
    async def _bounded_body(scope: Scope, receive: Receive) -> bytes | None:
        """The whole request body, or None when it is (or says it is) over ``MAX_BODY``."""
        declared = _header(scope, b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY):
            return None
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return b""
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_BODY:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)


def _replay(body: bytes) -> Receive:
    """A ``receive`` that hands the app the already-read body, then waits for disconnect."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive
