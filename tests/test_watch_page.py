"""End to end with every real part: the simulator pushes a border approach into a real
dump1090-mutability in real time, ``skyborder watch sbs://... --serve`` reads its SBS output and
serves the radar page, and headless Chromium shows it: the aircraft where the scenario puts it,
each warning stage as the watch raises it, the passage in the list and its replay drawn, and
not one request to anything but the server.
"""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from importlib import resources

import numpy as np
import pytest

from browser import browser, free_port, open_page  # noqa: F401 - fixture
from dump1090 import dump1090  # noqa: F401 - fixture
from skyborder.geodesy import GEOD
from skyborder.register import open_register
from skyborder.sim import traffic

pytestmark = pytest.mark.slow
# westbound at 35.845 N, 480 kt: enters the Hatay salient about 50 s after its first position, leaves ~17 s later
APPROACH = traffic.Aircraft("15224e", "BORDR2", ((35.845, 36.32), (35.845, 35.95)), 19_000, 480, "7001")
DURATION_S = 75.0
T1, T2 = 40.0, 15.0
# the airborne CPR grid (17 bits) quantises a position to ~5 m; the page gets 5 decimals (~1 m)
POSITION_TOLERANCE_M = 10.0


def _policy(tmp_path) -> str:
    """The ``atc`` preset with a look-ahead short enough to show every stage within the scenario."""
    text = (resources.files("skyborder.warn") / "presets" / "atc.toml").read_text()
    text = text.replace("look_ahead_s = 120.0", f"look_ahead_s = {T1}").replace("imminent_s = 30.0",
                                                                                  f"imminent_s = {T2}")
    assert f"look_ahead_s = {T1}" in text and f"imminent_s = {T2}" in text
    path = tmp_path / "e2e.toml"
    path.write_text(text.replace('name = "atc"', 'name = "e2e"'))
    return str(path)


def _get(url: str) -> dict | list:
    with urllib.request.urlopen(url, timeout=5) as answer:
        return json.loads(answer.read())


def _wait(page, condition: str, timeout_ms: int = 60_000) -> None:
    """Wait until a JS expression is true (as a function: the page's CSP forbids eval of strings)."""
    page.wait_for_function(f"() => ({condition})", timeout=timeout_ms)


def _scenario_offset(lat: float, lon: float) -> tuple[float, float]:
    """(scenario time s, distance m) of the point of the route nearest to (lat, lon), at 10 ms steps."""
    times = np.arange(0.0, DURATION_S, 0.01)
    route_lat, route_lon, _, _ = traffic.positions(APPROACH, times)
    _, _, distance = GEOD.inv(np.full(len(times), lon), np.full(len(times), lat), route_lon, route_lat)
    best = int(np.argmin(distance))
    return float(times[best]), float(distance[best])


def test_watch_serve_shows_a_real_decoder_feed(dump1090, browser, tmp_path):  # noqa: F811
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    db, events = tmp_path / "watch.sqlite", tmp_path / "events.jsonl"
    watch = subprocess.Popen([sys.executable, "-m", "skyborder.cli", "watch", f"sbs://127.0.0.1:{dump1090.ports['sbs']}",
                              "--airspace", "TUR", "--policy", _policy(tmp_path), "--db", str(db), "--events",
                              str(events), "--serve", f"127.0.0.1:{port}", "--silence", "600", "--status-every", "0",
                              "--reference", "35.85,36.16,BORDER"],
                             stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert watch.poll() is None, watch.stderr.read() if watch.stderr else ""
            try:
                health = _get(url + "/api/health")
                if health.get("feed") == "up":
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "the watch did not serve with its feed up within 60 s"
            time.sleep(0.2)
        page, log = open_page(browser, url + "/")
        _wait(page, "window.skyborder && skyborder.base.loaded && skyborder.stats.frames >= 1")
        time.sleep(0.5)  # dump1090 registers its SBS client
        pushed_at = time.time()
        items = traffic.emissions(traffic.Scenario("e2e", (APPROACH,), DURATION_S))
        pusher = threading.Thread(target=traffic.push, args=(items, "beast", "127.0.0.1", dump1090.ports["bi"]),
                                  kwargs={"speed": 1.0}, daemon=True)
        pusher.start()

        # the aircraft appears where the scenario puts it: on its route, at the scenario time its age implies
        _wait(page, "skyborder.store.count === 1 && skyborder.store.slotOf.has('15224e')")
        seen = page.evaluate("""() => { const s = skyborder.store, k = s.slotOf.get('15224e'), r = s.row(k);
            return {lat: s.lat[k], lon: s.lon[k], frame: s.time, age: r.age_s, callsign: r.callsign,
                    country: r.country, alt: r.alt_m, track: r.track_deg, speed: r.speed_mps}; }""")
        at, off_route = _scenario_offset(seen["lat"], seen["lon"])
        assert off_route <= POSITION_TOLERANCE_M, seen
        # the wall time of that position (SBS times are dump1090's receive times); the age is as of the
        # watch's last round, up to a frame interval (1 s) before the frame was sent
        heard_at = seen["frame"] - (seen["age"] or 0.0)
        assert -0.5 <= (heard_at - pushed_at) - at <= 2.5, (heard_at - pushed_at, at)
        assert seen["alt"] == pytest.approx(APPROACH.alt_ft * 0.3048, abs=8.0)        # 25 ft altitude steps
        assert seen["track"] == pytest.approx(270.0, abs=1.5)                           # westbound
        assert seen["speed"] == pytest.approx(APPROACH.speed_kt * 1852 / 3600, abs=2.0)

        # each stage shows as the watch raises it: the card, and the aircraft's stage in the live frames
        for stage in ("predicted", "imminent", "inside"):
            card = page.locator(f"#active-warnings .card.{stage}")
            card.wait_for(timeout=90_000)
            text = card.inner_text()
            assert stage.upper() in text and "TUR" in text, text
            if stage == "inside":
                page.screenshot(path=str(tmp_path / "watch-page-inside.png"))
            _wait(page, f"(() => {{ const s = skyborder.store, k = s.slotOf.get('15224e'); "
                        f"return k !== undefined && s.stage[k] === '{stage}'; }})()", 30_000)
        assert "BORDR2" in page.locator("#active-warnings").inner_text()
        raised = [json.loads(line) for line in events.read_text().splitlines()]
        assert {e["stage"] for e in raised if e["event"] == "warning"} >= {"predicted", "imminent", "inside"}

        # the passage: in the list once it closed, and its replay draws the stored path
        page.locator("#tabs button[data-tab=passages]").click()
        closed = page.locator("#passage-list tbody tr", has_text="closed")
        closed.first.wait_for(timeout=90_000)
        row = closed.first.inner_text()
        assert APPROACH.callsign in row and "TUR" in row, row   # named by the callsign the watch heard
        closed.first.click()
        page.locator("#replay:not([hidden])").wait_for(timeout=30_000)
        _wait(page, "skyborder.map.queryRenderedFeatures({layers: ['passage-path']}).length > 0")
        kinds = page.evaluate("skyborder.map.querySourceFeatures('passage').map(f => f.properties.kind)")
        assert {"track", "inside", "entry", "exit", "deepest"} <= set(kinds)
        # the drawn tiles simplify a straight line to its ends: the replay's own data holds every fix inside
        drawn = page.evaluate("""() => { const p = skyborder.replay.passage;
            return {n: p.path.lon.length, first: [p.path.lon[0], p.path.lat[0]], last: [p.path.lon.at(-1),
                    p.path.lat.at(-1)], entry: [p.entry_lon, p.entry_lat], exit: [p.exit_lon, p.exit_lat]}; }""")
        assert drawn["n"] >= 10, drawn     # ~2 positions a second over ~15 s inside
        assert drawn["first"] == pytest.approx(drawn["entry"], abs=1e-9)
        assert drawn["last"] == pytest.approx(drawn["exit"], abs=1e-9)
        shot = tmp_path / "watch-page-replay.png"
        page.screenshot(path=str(shot))
        print(f"\nscreenshots: {shot} and {tmp_path / 'watch-page-inside.png'}")

        assert log.foreign == [], log.foreign
        assert log.errors == [], log.errors
        assert page.evaluate("window.__violations") == []
        page.context.close()
        pusher.join(120)
    finally:
        watch.send_signal(signal.SIGTERM)
        try:
            code = watch.wait(60)
        finally:
            watch.kill()
    assert code == 0, watch.stderr.read() if watch.stderr else ""
    with open_register(str(db)) as register:    # what the page showed is what the register holds
        passages = register.passages(airspace="TUR", track_id=APPROACH.icao24)
        assert passages["status"].tolist() == ["closed"]
        assert 12.0 < passages["duration_s"].iloc[0] < 22.0
