"""The radar server's API (Starlette TestClient and a real uvicorn server on 127.0.0.1)."""
from __future__ import annotations

import json
import math
import socket
import time
import warnings

import httpx
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely

from skyborder.airspace import world
from skyborder.sim import traffic
from skyborder.web.airspaces import AirspaceLayer, parse_bbox, tolerance_deg
from skyborder.web.app import create_app
from skyborder.web.model import AIRCRAFT_COLUMNS, PageSettings, ReferencePoint
from skyborder.web.server import BackgroundServer, allowed_hosts, make_server
from skyborder.web.simulated import SimulatedLive
from skyborder.web.stream import encode_aircraft
from webdata import MemoryRegister

with warnings.catch_warnings():  # Starlette 1.x asks for httpx2; httpx works
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

HATAY = "35.5,35.5,36.8,36.6"
pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")


@pytest.fixture(scope="module")
def register():
    return MemoryRegister()


@pytest.fixture
def client(register):
    live = SimulatedLive(traffic.border_approach(), offset_s=120.0)
    settings = PageSettings(watched=("TUR",), reference=ReferencePoint(35.41, 35.95, "Hmeymim"), ring_step_m=18520.0,
                            ring_count=3)
    app = create_app(live, register, settings, frame_interval_s=0.05)
    with TestClient(app, base_url="http://127.0.0.1:8787") as test_client:
        test_client.live = live
        test_client.hub = app.hub
        yield test_client


def wait_for_frame(client, count=1, timeout=10.0):
    deadline = time.monotonic() + timeout
    while client.hub.frame.seq < count:
        assert time.monotonic() < deadline, "no aircraft frame"
        time.sleep(0.02)


def test_health_and_config(client):
    health = client.get("/api/health").json()
    assert health["status"] == "ok" and health["feed"] == "up"
    config = client.get("/api/config").json()
    assert config["watched"] == ["TUR"] and config["reference"]["name"] == "Hmeymim"
    assert "OpenStreetMap" in config["attribution"] and "ODbL" in config["attribution"]


def test_range_rings_are_geodesic_circles(client):
    """Every ring vertex lies at the ring's radius from the reference point (pyproj, to 1 m)."""
    rings = client.get("/api/config").json()["rings"]["features"]
    assert [f["properties"]["radius_m"] for f in rings] == [18520.0, 37040.0, 55560.0]
    geod = pyproj.Geod(ellps="WGS84")
    for ring in rings:
        lon, lat = np.array(ring["geometry"]["coordinates"]).T
        _, _, dist = geod.inv(np.full(len(lon), 35.95), np.full(len(lat), 35.41), lon, lat)
        assert np.abs(dist - ring["properties"]["radius_m"]).max() < 1.0   # 5 decimals ~ 1 m


def test_aircraft_frame_matches_the_simulation(client):
    wait_for_frame(client, 2)
    frame = client.get("/api/aircraft").json()
    assert set(frame["columns"]) == set(AIRCRAFT_COLUMNS)
    assert frame["count"] == len(frame["columns"]["icao24"]) == 4
    # the positions are the scenario's (independently: sim.traffic.positions per aircraft)
    t = client.live.scenario_time()
    for ac in client.live.scenario.aircraft:
        i = frame["columns"]["icao24"].index(ac.icao24)
        lat, lon, _, flying = traffic.positions(ac, np.array([t]))
        assert flying[0]
        # frames are at most 0.05 s old plus the request: < 500 kt * 1 s of movement
        assert abs(frame["columns"]["lat"][i] - lat[0]) < 0.003 and abs(frame["columns"]["lon"][i] - lon[0]) < 0.003


def test_simulated_positions_equal_the_scenario_routes():
    """The vectorised multi-leg positions equal sim.traffic.positions, aircraft by aircraft."""
    clock = [1000.0]
    live = SimulatedLive(traffic.busy(40, seed=3), clock=lambda: clock[0])
    for step in (0.0, 35.0, 200.0, 410.0):
        clock[0] = 1000.0 + step
        table = live.aircraft().set_index("icao24")
        t = live.scenario_time()
        for ac in live.scenario.aircraft:
            lat, lon, track, flying = traffic.positions(ac, np.array([t]))
            assert (ac.icao24 in table.index) == bool(flying[0])
            if flying[0]:
                row = table.loc[ac.icao24]
                assert row["lat"] == pytest.approx(lat[0], abs=1e-9) and row["lon"] == pytest.approx(lon[0], abs=1e-9)
                assert math.cos(math.radians(row["track_deg"] - track[0])) > 1 - 1e-9
    live = SimulatedLive(traffic.border_approach(), offset_s=250.0, clock=lambda: 5.0)
    table = live.aircraft().set_index("icao24")
    for ac in live.scenario.aircraft:   # routes of two and three legs
        lat, lon, _, flying = traffic.positions(ac, np.array([250.0]))
        if flying[0]:
            assert table.loc[ac.icao24, "lat"] == pytest.approx(lat[0], abs=1e-9)


def test_encode_aircraft_sends_null_for_missing_numbers():
    table = pd.DataFrame({"icao24": ["abc123"], "lat": [np.nan], "lon": [np.inf], "callsign": [None]})
    frame = json.loads(encode_aircraft(table, 0.0, {}))
    assert frame["columns"]["lat"] == [None] and frame["columns"]["lon"] == [None]
    assert frame["columns"]["callsign"] == [""]


def test_passages_and_filters(client, register):
    rows = client.get("/api/passages").json()
    assert len(rows) == 6 and all("id" in r for r in rows)
    turkey = client.get("/api/passages", params={"airspace": "TUR", "since": "2015-11-24T07:02:00Z",
                                                  "limit": 10}).json()
    assert [r["airspace"] for r in turkey] == ["TUR"] and turkey[0]["status"] == "closed"
    query = register.queries[-1]
    assert query.airspaces == ("TUR",) and query.since == pd.Timestamp("2015-11-24T07:02:00Z") and query.limit == 10
    for bad in ({"limit": "0"}, {"limit": "x"}, {"since": "yesterday"}, {"military": "maybe"},
                {"airspace": "a" * 65}, {"country": ",".join(["X"] * 51)}):
        answer = client.get("/api/passages", params=bad)
        assert answer.status_code == 400, bad
        assert "error" in answer.json()


def test_one_passage_with_its_path(client):
    closed = next(r for r in client.get("/api/passages").json() if r["status"] == "closed")
    detail = client.get(f"/api/passages/{closed['id']}").json()
    path = detail["path"]
    assert len(path["lon"]) == len(path["lat"]) == len(path["time"]) >= 3
    assert (path["lon"][0], path["lat"][0]) == (closed["entry_lon"], closed["entry_lat"])
    assert (path["lon"][-1], path["lat"][-1]) == (closed["exit_lon"], closed["exit_lat"])
    assert len(detail["track"]["lon"]) > len(path["lon"])
    assert client.get("/api/passages/nope").status_code == 404
    assert client.get("/api/passages/bad%20id").status_code == 400


def test_acknowledge_is_the_only_write(client, register):
    warning = register.add_warning(track_id="15224d", airspace="TUR", stage="imminent", message="turn south")
    url = f"/api/warnings/{warning['id']}/ack"
    assert client.post(url, content=b'{"by": "duty"}').status_code == 415        # not declared JSON
    assert client.post(url, json={"by": 5}).status_code == 400
    assert client.post(url, json=[1]).status_code == 400
    done = client.post(url, json={"by": "duty\x07officer", "note": "called on guard"})
    assert done.status_code == 200 and done.json()["by"] == "dutyofficer"         # control characters dropped
    assert register.acks[-1]["warning_id"] == warning["id"]
    assert client.post("/api/warnings/w999/ack", json={}).status_code == 404
    assert client.get("/api/warnings").json()[0]["acknowledged"]["by"] == "dutyofficer"
    for path in ("/api/passages", "/api/aircraft", "/api/airspaces", "/api/warnings"):
        assert client.post(path, json={}).status_code == 405
    assert client.delete(url).status_code == 405


def test_no_register_answers_503():
    app = create_app(None, None)
    with TestClient(app, base_url="http://127.0.0.1:8787") as c:
        assert c.get("/api/passages").status_code == 503
        assert c.get("/api/warnings").status_code == 503
        assert c.get("/api/aircraft").json()["count"] == 0


def test_openapi_documents_every_api_route(client):
    document = client.get("/api/openapi.json").json()
    assert document["openapi"].startswith("3.")
    routes = client.app.app.routes
    served = {r.path for r in routes if r.path.startswith("/api/")}
    assert served == set(document["paths"])
    for route in routes:
        if route.path in document["paths"]:
            documented = {m.upper() for m in document["paths"][route.path]}
            assert documented == (set(route.methods) - {"HEAD"}), route.path


# ---------------------------------------------------------------- airspaces

def test_airspaces_in_a_box_carry_watched_and_kinds(client):
    data = client.get("/api/airspaces", params={"bbox": HATAY, "zoom": 7}).json()
    kinds = {(f["properties"]["kind"], f["properties"]["code"]) for f in data["features"]}
    assert {("area", "TUR"), ("area", "SYR"), ("border", "TUR"), ("border", "SYR")} <= kinds
    watched = {f["properties"]["code"] for f in data["features"] if f["properties"]["watched"]}
    assert watched == {"TUR"}
    for bad in ("1,2,3", "a,b,c,d", "10,0,5,1", "nan,0,1,1"):
        assert client.get("/api/airspaces", params={"bbox": bad}).status_code == 400
    assert client.get("/api/airspaces", params={"zoom": "99"}).status_code == 400


@pytest.mark.parametrize("zoom", [3, 6, 9])
def test_simplified_borders_stay_within_half_a_pixel(zoom):
    """The drawn border differs from the full data by at most the zoom's tolerance plus rounding
    (Hausdorff distance in degrees, shapely on the original geometry)."""
    layer = AirspaceLayer()
    box = parse_bbox(HATAY)
    data = json.loads(layer.geojson(box, zoom))
    border = next(f for f in data["features"] if f["properties"] == {"kind": "border", "code": "TUR",
                                                                        "name": world.country("TUR").label,
                                                                        "watched": False})
    drawn = shapely.geometry.shape(border["geometry"])
    full = shapely.clip_by_rect(world.country("TUR").geometry.boundary, *drawn.bounds)
    tolerance = tolerance_deg(zoom)
    assert shapely.hausdorff_distance(drawn, full, densify=0.05) <= tolerance * 1.1 + 1e-4
    # and it is really simplified: fewer vertices than the data
    assert shapely.get_num_coordinates(drawn) < shapely.get_num_coordinates(full)


def test_border_lines_have_no_edges_along_the_box():
    """Cutting the polygon to the box adds edges on the box; the border lines must not have them."""
    step = 360.0 / 2 ** 12   # answers are cut to boxes snapped to this grid at zoom 12
    west, south, east, north = 408 * step, 406 * step, 413 * step, 411 * step
    data = json.loads(AirspaceLayer().geojson((west, south, east, north), 12))
    assert any(f["properties"]["kind"] == "border" for f in data["features"])
    for feature in data["features"]:
        if feature["properties"]["kind"] != "border":
            continue
        for line in shapely.get_parts(shapely.geometry.shape(feature["geometry"])):
            xy = shapely.get_coordinates(line)
            for column, sides in ((0, (west, east)), (1, (south, north))):
                for side in sides:   # no segment runs along a box side
                    on_side = np.abs(xy[:, column] - side) < 1e-9
                    assert not np.any(on_side[:-1] & on_side[1:])


def test_antimeridian_cut_is_not_a_border():
    data = json.loads(AirspaceLayer().geojson((175.0, 60.0, 180.0, 72.0), 5))
    russia = [f for f in data["features"] if f["properties"]["code"] == "RUS" and f["properties"]["kind"] == "border"]
    assert russia
    for line in shapely.get_parts(shapely.geometry.shape(russia[0]["geometry"])):
        xy = shapely.get_coordinates(line)
        at_cut = np.abs(xy[:, 0]) >= 180.0 - 1e-6
        assert not np.any(at_cut[:-1] & at_cut[1:])


def test_disputed_crimea_is_marked():
    data = json.loads(AirspaceLayer().geojson((32.0, 44.0, 36.8, 46.3), 6))
    disputed = [f for f in data["features"] if f["properties"]["kind"] == "disputed"]
    assert [f["properties"]["code"] for f in disputed] == ["RUS/UKR"]
    crimea = shapely.geometry.shape(disputed[0]["geometry"])
    assert crimea.contains(shapely.Point(34.1, 44.95))   # Simferopol


# ---------------------------------------------------------------- the live stream on a real server

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_sse_stream_on_a_real_server(register):
    port = _free_port()
    live = SimulatedLive(traffic.border_approach(), offset_s=100.0)
    app = create_app(live, register, frame_interval_s=0.1, max_clients=2)
    server = BackgroundServer(make_server(app, "127.0.0.1", port, None))
    server.start()
    try:
        url = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=url, timeout=10) as http, http.stream("GET", "/api/stream") as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            events: list[tuple[str, dict]] = []
            kind = None
            published = False
            for line in stream.iter_lines():
                if line.startswith("event: "):
                    kind = line[7:]
                elif line.startswith("data: "):
                    events.append((kind, json.loads(line[6:])))
                    if not published and kind == "aircraft":
                        app.hub.publish_event({"event": "warning", "track_id": "15224d", "stage": "inside"})
                        published = True
                    if any(k == "warning" for k, _ in events) and sum(k == "aircraft" for k, _ in events) >= 3:
                        with httpx.Client(base_url=url, timeout=10) as other:   # while this stream is open
                            assert other.get("/api/health").json()["clients"] == 1
                        break
            frames = [d for k, d in events if k == "aircraft"]
            assert all(f["count"] == 4 for f in frames)
            assert [d for k, d in events if k == "warning"] == [{"event": "warning", "track_id": "15224d", "stage": "inside"}]
    finally:
        server.stop()


def test_allowed_hosts_only_on_loopback():
    assert allowed_hosts("::1", 80) == frozenset({"127.0.0.1:80", "localhost:80", "[::1]:80"})
    assert allowed_hosts("192.0.2.1", 80) is None


def test_serve_needs_something_to_show(capsys):
    from skyborder.cli import main
    assert main(["serve"]) == 2
    assert "--db" in capsys.readouterr().err
    assert main(["serve", "--simulate", "4", "--reference", "91,0"]) == 2
    assert main(["serve", "--simulate", "4", "--ring-step", "0"]) == 2


def test_a_failing_live_source_does_not_stop_the_server(capsys):
    class Broken:
        calls = 0

        def aircraft(self):
            Broken.calls += 1
            if Broken.calls == 1:
                raise RuntimeError("snapshot failed")
            return pd.DataFrame({"icao24": ["abc123"], "lat": [36.0], "lon": [36.0]})

        def status(self):
            return {"feed": "up"}

    app = create_app(Broken(), None, frame_interval_s=0.02)
    with TestClient(app, base_url="http://127.0.0.1:8787") as c:
        deadline = time.monotonic() + 10
        while app.hub.frame.seq < 1:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        assert c.get("/api/aircraft").json()["count"] == 1
    assert "snapshot failed" in capsys.readouterr().err
