"""The routes of the radar server (Starlette), documented in ``openapi.json`` beside this file.

``create_app(live, register, settings, token=..., allowed_hosts=...)`` returns the ASGI app
wrapped in :class:`~skyborder.web.security.Guard`. While it runs, a ticker takes the live
picture from ``live`` once every ``frame_interval_s`` seconds, encodes it once and pushes it to
every stream (``stream.Hub``); ``publish_event`` on the returned app's ``hub`` forwards watch events.

Reads: ``/``, ``/static/...``, ``/login``, ``/api/health``, ``/api/config``, ``/api/aircraft``,
``/api/stream`` (SSE), ``/api/passages``, ``/api/passages/{id}``, ``/api/warnings``,
``/api/airspaces``, ``/api/openapi.json``. The one write: ``POST /api/warnings/{id}/ack``.
"""
from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import re
import sys
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from importlib import resources
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from .. import __version__
from ..errors import InputError
from ..geodesy import geodesic_circle
from .airspaces import AirspaceLayer, parse_bbox
from .model import MAX_LIMIT, LiveSource, PageSettings, Query, RegisterReader
from .security import COOKIE, Guard, session_value
from .static import Asset, assets
from .stream import Hub, encode_aircraft

__all__ = ["RadarApp", "create_app"]

ID_PATTERN = re.compile(r"^[A-Za-z0-9._:~-]{1,128}$")
CODE_PATTERN = re.compile(r"^[A-Za-z0-9 _.:/()-]{1,64}$")
MAX_LIST_ITEMS = 50
JSON_HEADERS = {"cache-control": "no-store"}


class _BadRequest(Exception):
    pass


def _json(data: Any, status: int = 200) -> Response:
    body = json.dumps(data, separators=(",", ":"), ensure_ascii=False, allow_nan=False, default=str).encode()
    return Response(body, status, media_type="application/json", headers=JSON_HEADERS)


def _error(status: int, message: str) -> Response:
    return _json({"error": message}, status)


def _time_param(request: Request, name: str) -> datetime | None:
    text = request.query_params.get(name)
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise _BadRequest(f"{name} must be an ISO-8601 time, e.g. 2015-11-24T07:00:00Z") from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _list_param(request: Request, name: str) -> tuple[str, ...]:
    text = request.query_params.get(name, "")
    items = tuple(item.strip() for item in text.split(",") if item.strip())
    if len(items) > MAX_LIST_ITEMS or not all(CODE_PATTERN.match(item) for item in items):
        raise _BadRequest(f"{name} must be a comma list of at most {MAX_LIST_ITEMS} codes or names")
    return items


def _query(request: Request) -> Query:
    military_text = request.query_params.get("military", "")
    if military_text not in ("", "true", "false"):
        raise _BadRequest("military must be true or false")
    limit_text = request.query_params.get("limit", "500")
    if not limit_text.isdigit() or not 1 <= int(limit_text) <= MAX_LIMIT:
        raise _BadRequest(f"limit must be an integer from 1 to {MAX_LIMIT}")
    return Query(since=_time_param(request, "since"), until=_time_param(request, "until"),
                 airspaces=_list_param(request, "airspace"), countries=tuple(c.upper() for c in
                                                                             _list_param(request, "country")),
                 military=None if not military_text else military_text == "true", limit=int(limit_text))


def _path_id(request: Request, name: str) -> str:
    """A passage or warning id from the path; ``_BadRequest`` unless it is 1-128 safe characters."""
    value = request.path_params[name]
    if not ID_PATTERN.match(value):
        raise _BadRequest(f"malformed {name.replace('_', ' ')}")
    return value


def _asset_response(request: Request, asset: Asset) -> Response:
    headers = {"etag": asset.etag, "cache-control": "no-cache", "vary": "accept-encoding"}
    if request.headers.get("if-none-match") == asset.etag:
        return Response(status_code=304, headers=headers)
    if asset.gzipped is not None and "gzip" in request.headers.get("accept-encoding", ""):
        return Response(asset.gzipped, media_type=asset.content_type, headers={**headers, "content-encoding": "gzip"})
    return Response(asset.body, media_type=asset.content_type, headers=headers)


def _rings(settings: PageSettings) -> dict[str, Any]:
    """Range rings around the reference point as a GeoJSON FeatureCollection of geodesic circles."""
    features = []
    if settings.reference is not None:
        ref = settings.reference
        for k in range(1, settings.ring_count + 1):
            radius = k * settings.ring_step_m
            ring = geodesic_circle(ref.lon, ref.lat, radius, max_step_deg=2.0)
            features.append({"type": "Feature", "properties": {"radius_m": radius, "label": f"{radius / 1852:g} NM"},
                             "geometry": {"type": "LineString", "coordinates": ring.round(5).tolist()}})
    return {"type": "FeatureCollection", "features": features}


def create_app(live: LiveSource | None, register: RegisterReader | None, settings: PageSettings | None = None,
               *, token: str | None = None, allowed_hosts: frozenset[str] | None = None,
               frame_interval_s: float = 1.0, max_clients: int = 100) -> RadarApp:
    """The radar server as an ASGI app (see the module docstring).

    Parameters
    ----------
    live : LiveSource or None
        The live picture (None: no live aircraft, e.g. ``serve`` on a register alone).
    register : RegisterReader or None
        Passages and warnings (None: those endpoints answer 503).
    settings : PageSettings, optional
        Title, watched airspaces, zones, reference point of the range rings.
    token : str or None
        Access token (see ``security``).
    allowed_hosts : frozenset of str or None
        Accepted Host headers (DNS-rebinding defence when bound to loopback).
    frame_interval_s : float
        Seconds between aircraft frames (default 1).
    max_clients : int
        Live streams allowed at once.
    """
    settings = settings or PageSettings()
    hub = Hub(max_clients=max_clients)
    layer = AirspaceLayer(settings.watched, settings.zones)
    files = assets()
    openapi = (resources.files("skyborder.web") / "openapi.json").read_bytes()
    config = {"title": settings.title, "version": __version__, "watched": list(settings.watched),
              "reference": None if settings.reference is None else vars(settings.reference),
              "rings": _rings(settings), "frame_interval_s": frame_interval_s,
              "attribution": "Boundaries © OpenStreetMap contributors (ODbL 1.0), snapshot of November 2017",
              "live": live is not None, "register": register is not None}
    started = time.time()

    async def tick() -> None:
        failures = 0
        while True:
            now = time.time()
            if live is not None:
                try:
                    table, status = await run_in_threadpool(lambda: (live.aircraft(), live.status()))
                    hub.publish_frame(await run_in_threadpool(encode_aircraft, table, now, status))
                    failures = 0
                except Exception as error:  # the live source failed this once: say so, keep serving
                    failures += 1
                    if failures in (1, 10, 100) or failures % 1000 == 0:
                        print(f"skyborder: web: the live picture failed ({failures}x): {type(error).__name__}: "
                              f"{error}", file=sys.stderr)
            await asyncio.sleep(max(0.0, frame_interval_s - (time.time() - now)))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        hub.bind(asyncio.get_running_loop())
        ticker = asyncio.create_task(tick())
        try:
            yield
        finally:
            ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticker

    async def index(request: Request) -> Response:
        return _asset_response(request, files["/static/index.html"])

    async def static(request: Request) -> Response:
        asset = files.get(request.url.path)
        if asset is None:
            return _error(404, "no such file")
        return _asset_response(request, asset)

    async def login(request: Request) -> Response:
        given = request.query_params.get("token")
        if token is None:
            return RedirectResponse("/", 303)
        if given is not None:
            if hmac.compare_digest(given.encode(), token.encode()):
                response = RedirectResponse("/", 303)
                response.set_cookie(COOKIE, session_value(token), max_age=30 * 86400, httponly=True,
                                    samesite="strict", path="/")
                return response
            await asyncio.sleep(0.5)  # slow down guessing
            return Response(files["/static/login.html"].body, 401, media_type="text/html; charset=utf-8")
        return _asset_response(request, files["/static/login.html"])

    async def health(request: Request) -> Response:
        status = live.status() if live is not None else {"feed": "none"}
        return _json({"status": "ok", "version": __version__, "uptime_s": round(time.time() - started, 1),
                      "clients": hub.clients, "frames": hub.frame.seq, "events": hub.events_published,
                      "events_dropped": hub.events_dropped, **{f"feed_{k}" if k != "feed" else k: v
                                                                for k, v in status.items()}})

    async def page_config(request: Request) -> Response:
        return _json(config)

    async def aircraft(request: Request) -> Response:
        return Response(hub.frame.json, media_type="application/json", headers=JSON_HEADERS)

    async def stream(request: Request) -> Response:
        if hub.clients >= hub.max_clients:
            return _error(503, "too many live clients")
        return StreamingResponse(hub.stream(), media_type="text/event-stream",
                                 headers={"cache-control": "no-store", "x-accel-buffering": "no"})

    def need_register() -> RegisterReader:
        if register is None:
            raise LookupError
        return register

    async def passages(request: Request) -> Response:
        reader = need_register()
        return _json(await run_in_threadpool(reader.passages, _query(request)))

    async def passage(request: Request) -> Response:
        reader = need_register()
        found = await run_in_threadpool(reader.passage, _path_id(request, "passage_id"))
        return _error(404, "no such passage") if found is None else _json(found)

    async def warnings(request: Request) -> Response:
        reader = need_register()
        return _json(await run_in_threadpool(reader.warnings, _query(request)))

    async def acknowledge(request: Request) -> Response:
        reader = need_register()
        warning_id = _path_id(request, "warning_id")
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            return _error(415, "send application/json")
        try:
            body = json.loads(await request.body() or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError):
            return _error(400, "body is not JSON")
        if not isinstance(body, dict):
            return _error(400, "body must be a JSON object")
        by, note = body.get("by", "operator"), body.get("note", "")
        if not (isinstance(by, str) and isinstance(note, str) and 0 < len(by) <= 64 and len(note) <= 500):
            return _error(400, "by (1-64 characters) and note (up to 500) must be strings")
        by = "".join(ch for ch in by if ch.isprintable())
        note = "".join(ch for ch in note if ch.isprintable())
        done = await run_in_threadpool(reader.acknowledge, warning_id, by, note)
        if done is None:
            return _error(404, "no such warning")
        hub.publish_event({"event": "acknowledged", **done})
        return _json(done)

    async def airspaces(request: Request) -> Response:
        bbox = parse_bbox(request.query_params.get("bbox", "-180,-90,180,90"))
        zoom_text = request.query_params.get("zoom", "0")
        try:
            zoom = float(zoom_text)
        except ValueError:
            raise _BadRequest("zoom must be a number") from None
        if not 0 <= zoom <= 24:
            raise _BadRequest("zoom must be within 0-24")
        body = await run_in_threadpool(layer.geojson, bbox, zoom)
        return Response(body, media_type="application/geo+json", headers={"cache-control": "no-cache"})

    async def openapi_document(request: Request) -> Response:
        return Response(openapi, media_type="application/json")

    async def bad_request(request: Request, error: Exception) -> Response:
        return _error(400, str(error))

    async def no_register(request: Request, error: Exception) -> Response:
        return _error(503, "no register: start the server with --db")

    routes = [
        Route("/", index), Route("/login", login), Route("/static/{path:path}", static),
        Route("/api/health", health), Route("/api/config", page_config), Route("/api/aircraft", aircraft),
        Route("/api/stream", stream), Route("/api/passages", passages), Route("/api/passages/{passage_id}", passage),
        Route("/api/warnings", warnings), Route("/api/warnings/{warning_id}/ack", acknowledge, methods=["POST"]),
        Route("/api/airspaces", airspaces), Route("/api/openapi.json", openapi_document),
    ]
    app = Starlette(routes=routes, lifespan=lifespan,
                    exception_handlers={_BadRequest: bad_request, InputError: bad_request, LookupError: no_register})
    app.state.layer = layer
    return RadarApp(app, hub, token=token, allowed_hosts=allowed_hosts)


class RadarApp(Guard):
    """The radar server (``create_app``): the guarded ASGI app, and its ``hub``, whose ``publish_event``
    pushes an event (a watch's warning or passage) to every open stream, from any thread."""

    def __init__(self, app: Starlette, hub: Hub, *, token: str | None, allowed_hosts: frozenset[str] | None):
        super().__init__(app, token=token, allowed_hosts=allowed_hosts)
        self.hub = hub
