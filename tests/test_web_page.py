"""The radar page in a real browser (headless Chromium): aircraft where the simulation puts them,
warnings by stage with acknowledgement, the passage list and its replay, light mode, the token
login, and not one request to another origin.
"""
from __future__ import annotations

import io
import time

import numpy as np
import pytest
from matplotlib import image as mpimg

from browser import browser, free_port, open_page  # noqa: F401 - fixture
from skyborder.sim import traffic
from skyborder.web.app import create_app
from skyborder.web.model import PageSettings, ReferencePoint
from skyborder.web.server import BackgroundServer, allowed_hosts, make_server
from skyborder.web.simulated import SimulatedLive
from webdata import MemoryRegister

pytestmark = pytest.mark.slow
TOKEN = "a-long-enough-test-token-1234"


class Site:
    def __init__(self, token: str | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # a stopped clock: the picture is the scenario at 150 s whenever it is taken (no race with the frame time)
        self.live = SimulatedLive(traffic.border_approach(), offset_s=150.0, clock=lambda: 1000.0)
        self.register = MemoryRegister()
        settings = PageSettings(watched=("TUR",), reference=ReferencePoint(35.9, 36.1, "REF"), ring_step_m=18520.0,
                                ring_count=4)
        self.app = create_app(self.live, self.register, settings, token=token, frame_interval_s=0.5,
                              allowed_hosts=allowed_hosts("127.0.0.1", self.port))
        self.server = BackgroundServer(make_server(self.app, "127.0.0.1", self.port, token))

    def publish(self, event: dict) -> None:
        self.app.hub.publish_event(event)


@pytest.fixture(scope="module")
def site():
    s = Site()
    s.server.start()
    yield s
    s.server.stop()


def _png(data: bytes) -> np.ndarray:
    return mpimg.imread(io.BytesIO(data), format="png")[:, :, :3]


def _wait(page, condition: str, timeout_ms: int = 60_000) -> None:
    """Wait until a JS expression is true (as a function: the page's CSP forbids eval of strings)."""
    page.wait_for_function(f"() => ({condition})", timeout=timeout_ms)


def test_aircraft_appear_where_the_scenario_puts_them(browser, site, tmp_path):  # noqa: F811
    page, log = open_page(browser, site.url + "/")
    _wait(page, "window.skyborder && skyborder.stats.frames >= 2 && skyborder.store.count === 4 "
                "&& skyborder.base.loaded")
    page.evaluate("skyborder.live.close()")   # freeze the picture
    time.sleep(0.3)
    state = page.evaluate("""() => { const s = skyborder.store, out = [];
        s.forEach((slot) => { const p = skyborder.map.project([s.lon[slot], s.lat[slot]]);
          out.push({icao: s.icao[slot], lat: s.lat[slot], lon: s.lon[slot], x: p.x, y: p.y}); });
        return {time: s.time, aircraft: out}; }""")
    # positions: the scenario's (sim.traffic.positions) at its time, to the 5 decimals sent
    t = site.live.scenario_time()
    assert t == pytest.approx(150.0)
    fleet = {a.icao24: a for a in site.live.scenario.aircraft}
    assert sorted(a["icao"] for a in state["aircraft"]) == sorted(fleet)
    for a in state["aircraft"]:
        lat, lon, _, flying = traffic.positions(fleet[a["icao"]], np.array([t]))
        assert flying[0]
        assert abs(a["lat"] - lat[0]) <= 5.1e-6 and abs(a["lon"] - lon[0]) <= 5.1e-6
    # drawn there: a screenshot with the aircraft layer minus one without differs around each aircraft
    page.evaluate("skyborder.layer.options.labels = false; skyborder.layer.options.vectors = false; "
                  "skyborder.layer.options.trails = false; skyborder.map.triggerRepaint()")
    time.sleep(0.5)
    shown = _png(page.locator("#map").screenshot())
    page.evaluate("skyborder.map.setLayoutProperty('aircraft', 'visibility', 'none')")
    time.sleep(0.5)
    hidden = _png(page.locator("#map").screenshot())
    diff = np.abs(shown - hidden).sum(axis=2) > 0.3
    assert diff.any()
    for a in state["aircraft"]:
        x, y = round(a["x"]), round(a["y"])
        if 10 <= x < diff.shape[1] - 10 and 10 <= y < diff.shape[0] - 10:
            assert diff[y - 6:y + 7, x - 6:x + 7].any(), a["icao"]
    ys, xs = np.nonzero(diff)   # and nowhere else: every changed pixel is within a symbol of an aircraft
    points = np.array([[a["x"], a["y"]] for a in state["aircraft"]])
    nearest = np.sqrt(((np.column_stack([xs, ys])[:, None, :] - points[None]) ** 2).sum(axis=2)).min(axis=1)
    assert nearest.max() < 20
    assert log.foreign == [] and log.errors == []
    assert page.evaluate("window.__violations") == []
    page.context.close()


def test_warnings_passages_replay_and_light_mode(browser, site, tmp_path):  # noqa: F811
    page, log = open_page(browser, site.url + "/")
    _wait(page, "window.skyborder && skyborder.stats.frames >= 1 && skyborder.base.loaded")
    # a warning at stage imminent: the aircraft is ringed, the card flashes with the message
    warning = site.register.add_warning(track_id="15224d", airspace="TUR", stage="imminent", callsign="BORDR1",
                                        message="You are approaching Turkish airspace. Change your heading south",
                                        time_to_entry_s=24.0, distance_m=3100.0)
    site.live.warn("15224d", "imminent", "TUR")
    site.publish({"event": "warning", **warning})
    card = page.locator("#active-warnings .card.imminent")
    card.wait_for(timeout=45_000)
    assert "approaching Turkish airspace" in card.inner_text()
    assert "IMMINENT" in card.inner_text() and "BORDR1" in card.inner_text()
    assert page.locator("#warning-count").inner_text() == "1"
    _wait(page, "(() => { const s = skyborder.store, k = s.slotOf.get('15224d'); return k !== undefined && s.stage[k] === 'imminent'; })()")
    # stage moves on to inside
    site.live.warn("15224d", "inside", "TUR")
    site.publish({"event": "warning", **warning, "stage": "inside"})
    page.locator("#active-warnings .card.inside").wait_for(timeout=45_000)
    page.screenshot(path=str(tmp_path / "radar-warning.png"))
    # acknowledge: the only write
    page.locator("#active-warnings .card.inside button.ack").click()
    page.locator("#active-warnings .card.acknowledged").wait_for(timeout=45_000)
    assert site.register.acks and site.register.acks[-1]["warning_id"] == warning["id"]
    # the warning log lists it
    page.locator("#warning-log tbody tr").first.wait_for(timeout=45_000)
    assert "TUR" in page.locator("#warning-log tbody").inner_text()
    # cleared: the card goes
    site.live.warn("15224d", "", "")
    site.publish({"event": "warning_cleared", "track_id": "15224d", "airspace": "TUR", "stage": "inside"})
    _wait(page, "document.querySelectorAll('#active-warnings .card').length === 0")

    # passages: the list, filtered, and the replay of the closed one
    page.locator("#tabs button[data-tab=passages]").click()
    rows = page.locator("#passage-list tbody tr")
    rows.first.wait_for(timeout=45_000)
    assert rows.count() == 6
    page.fill("#passage-filters input[name=airspace]", "TUR")
    page.fill("#passage-filters input[name=since]", "2015-11-24T07:02:00")
    page.click("#passage-filters button[type=submit]")
    _wait(page, "document.querySelectorAll('#passage-list tbody tr').length === 1")
    rows.first.click()
    page.locator("#replay:not([hidden])").wait_for(timeout=45_000)
    _wait(page, "skyborder.map.queryRenderedFeatures({layers: ['passage-path']}).length > 0")
    kinds = page.evaluate("skyborder.map.querySourceFeatures('passage').map(f => f.properties.kind)")
    assert {"track", "inside", "entry", "exit", "deepest"} <= set(kinds)
    start = float(page.locator("#replay").get_attribute("data-t"))
    page.fill("#replay-speed", "500")
    page.click("#replay-play")
    _wait(page, f"Number(document.getElementById('replay').dataset.t) > {start + 30}")
    _wait(page, "skyborder.map.queryRenderedFeatures({layers: ['replay-point']}).length === 1")
    replay_shot = tmp_path / "radar-replay.png"
    page.screenshot(path=str(replay_shot))
    print(f"\nscreenshot: {replay_shot}")

    # light mode for printing
    page.click("#theme")
    assert page.evaluate("document.documentElement.dataset.theme") == "light"
    assert page.evaluate("skyborder.map.getPaintProperty('background', 'background-color')") == "#ffffff"
    page.screenshot(path=str(tmp_path / "radar-light.png"))
    page.click("#theme")

    # the aircraft table lists every aircraft, and a click selects one
    page.locator("#tabs button[data-tab=aircraft]").click()
    page.locator("#aircraft-table tbody tr[data-icao]").first.wait_for(timeout=45_000)
    assert page.locator("#aircraft-table tbody tr[data-icao]").count() == 4
    page.locator("#aircraft-table tbody tr[data-icao='4b8e21']").click()
    _wait(page, "!document.getElementById('selected').hidden")
    assert "PATROL1" in page.locator("#selected").inner_text()

    assert log.foreign == [], log.foreign
    assert log.errors == [], log.errors
    assert page.evaluate("window.__violations") == []
    page.context.close()


def test_token_login_in_the_browser(browser):  # noqa: F811
    site = Site(token=TOKEN)
    site.server.start()
    try:
        page, log = open_page(browser, site.url + "/")
        assert page.url.endswith("/login")
        page.fill("input[name=token]", TOKEN)
        page.click("button[type=submit]")
        page.wait_for_url(site.url + "/", timeout=45_000)
        _wait(page, "window.skyborder && skyborder.stats.frames >= 1")   # the stream works with the cookie
        assert log.foreign == [] and log.errors == []
        page.context.close()
    finally:
        site.server.stop()
