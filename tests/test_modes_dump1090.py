"""End to end through a real decoder: skyborder's frames into dump1090-mutability (Beast and raw
inputs), its SBS, Beast, raw and aircraft.json outputs back through skyborder's readers."""
import json
import socket
import time

import numpy as np
import pandas as pd

from dump1090 import dump1090  # noqa: F401  (fixture)
from skyborder.errors import BadInput
from skyborder.geodesy import GEOD
from skyborder.sim import traffic as simulate
from skyborder.tracks.readers.modes import AvrParser, BeastParser, read_avr
from skyborder.tracks.readers.sbs import SbsParser

CPR_HALF_CELL_M = 3.8        # at 35-37 N (test_modes_encode.cpr_half_cell_m)
SBS_ROUNDING_M = 0.8         # SBS gives 5 decimals: half a unit is 0.56 m north, 0.45 m east
JSON_ROUNDING_M = 0.1        # aircraft.json gives 6 decimals

RAW_FLEET = (
    simulate.Aircraft("4ba001", "RAWIN1", ((36.40, 35.60), (36.30, 36.00)), 31_000, 440, "3301"),
    simulate.Aircraft("4ba002", "RAWIN2", ((36.00, 36.60), (36.20, 36.20)), 8_000, 250, "0457"),
)


def drain(sock: socket.socket, quiet: float = 0.3) -> bytes:
    data = bytearray()
    while True:
        try:
            chunk = sock.recv(1 << 16)
        except TimeoutError:
            return bytes(data)
        if not chunk:
            return bytes(data)
        data.extend(chunk)


def nearest_truth_m(fixes: pd.DataFrame, truth: pd.DataFrame) -> np.ndarray:
    """For each fix, the distance to the closest true position of the same aircraft (true
    positions are 0.5 s = 60-120 m apart, so 'within a few metres' names one of them)."""
    out = np.empty(len(fixes))
    for k, (icao, lat, lon) in enumerate(fixes[["icao24", "lat", "lon"]].itertuples(index=False)):
        mine = truth[truth["icao24"] == icao]
        out[k] = GEOD.inv(np.full(len(mine), lon), np.full(len(mine), lat), mine["lon"].to_numpy(),
                          mine["lat"].to_numpy())[2].min() if len(mine) else np.inf
    return out


def test_dump1090_decodes_what_skyborder_encodes(dump1090, tmp_path):  # noqa: F811
    beast_items = simulate.emissions(simulate.border_approach(8.0))
    raw_items = simulate.emissions(simulate.Scenario("raw", RAW_FLEET, 8.0))
    truth = pd.concat([simulate.truth(beast_items), simulate.truth(raw_items)], ignore_index=True)
    fleet = simulate.border_approach().aircraft + RAW_FLEET
    flying = {ac.icao24 for ac in fleet if ac.icao24 in set(truth["icao24"])}
    assert len(flying) == 5  # SKY101 starts after 20 s

    outputs = {name: dump1090.connect(name) for name in ("sbs", "bo", "ro")}
    time.sleep(0.2)  # let dump1090 register the output clients
    simulate.push(beast_items, "beast", "127.0.0.1", dump1090.ports["bi"], speed=0)
    simulate.push(raw_items, "avr", "127.0.0.1", dump1090.ports["ri"], speed=0)

    aircraft_json = dump1090.json_dir / "aircraft.json"
    deadline = time.monotonic() + 8
    seen: dict = {}
    while time.monotonic() < deadline:
        time.sleep(0.3)
        if aircraft_json.exists():
            try:
                seen = {a["hex"]: a for a in json.loads(aircraft_json.read_text())["aircraft"] if "lat" in a}
            except json.JSONDecodeError:  # caught mid-write
                continue
            if flying <= set(seen) and all(seen[h]["messages"] > 10 for h in flying):
                break
    received = {name: drain(sock) for name, sock in outputs.items()}
    for sock in outputs.values():
        sock.close()

    # aircraft.json: each aircraft at its last transmitted position, with its identity
    assert flying <= set(seen)
    last = truth.groupby("icao24").tail(1).set_index("icao24")
    for ac in fleet:
        if ac.icao24 not in flying:
            continue
        state = seen[ac.icao24]
        off = GEOD.inv(state["lon"], state["lat"], last.loc[ac.icao24, "lon"], last.loc[ac.icao24, "lat"])[2]
        assert off < CPR_HALF_CELL_M + JSON_ROUNDING_M
        assert state["altitude"] == ac.alt_ft
        assert state["flight"].strip() == ac.callsign and state["squawk"] == ac.squawk
        assert abs(state["speed"] - ac.speed_kt) <= 1.5

    # Beast out: every frame forwarded; those that came in as Beast keep the counters we sent, so
    # their times are exact; dump1090 drops the '@' counters of raw input (it sends 0)
    beast = BeastParser("dump1090-beast", start_time=0.0)
    fixes = pd.DataFrame(beast.feed(received["bo"]) + beast.flush())
    assert beast.bad.total == 0 and len(fixes) == len(truth)
    stamped = fixes[fixes["icao24"].isin({ac.icao24 for ac in simulate.border_approach().aircraft})]
    beast_truth = simulate.truth(beast_items)
    m = stamped.assign(time_s=stamped["time"].round(6)).merge(
        beast_truth.assign(time_s=beast_truth["time_s"].round(6)), on=["icao24", "time_s"],
        suffixes=("", "_true"), validate="one_to_one")
    assert len(m) == len(stamped) == len(beast_truth)
    off = GEOD.inv(m["lon"].to_numpy(), m["lat"].to_numpy(), m["lon_true"].to_numpy(), m["lat_true"].to_numpy())[2]
    assert off.max() < CPR_HALF_CELL_M
    assert nearest_truth_m(fixes, truth).max() < CPR_HALF_CELL_M

    # raw (AVR) out: the same frames, no timestamps: matched by position
    raw = AvrParser("dump1090-raw", start_time=0.0)
    raw_fixes = pd.DataFrame(raw.feed(received["ro"]) + raw.flush())
    assert raw.bad.total == 0 and len(raw_fixes) == len(truth)
    assert nearest_truth_m(raw_fixes, truth).max() < CPR_HALF_CELL_M
    # the same raw output saved to a file and read back: every position kept, times invented in order
    capture = tmp_path / "port30002.avr"
    capture.write_bytes(received["ro"])
    from_file = read_avr(str(capture), bad=(bad := BadInput()), start_time=0.0)
    assert bad.total == 0 and len(from_file) == len(truth) and from_file["interpolated"].all()
    assert nearest_truth_m(from_file, truth).max() < CPR_HALF_CELL_M

    # SBS: dump1090's own CPR decoding (one MSG,3 per position frame once it has a pair)
    sbs = SbsParser("dump1090-sbs")
    sbs_fixes = pd.DataFrame(sbs.feed(received["sbs"]) + sbs.flush())
    # dump1090 also sends a MSG,3 without lat/lon for an aircraft's first position frame (no pair
    # yet): at most one per aircraft, which the SBS reader skips as a position-less line
    assert set(sbs.bad.counts) <= {"bad position"} and sbs.bad.total <= len(flying)
    per_aircraft = sbs_fixes.groupby("icao24").size()
    expected = truth.groupby("icao24").size()
    assert set(per_aircraft.index) == flying
    assert (per_aircraft >= expected[per_aircraft.index] - 2).all()
    assert nearest_truth_m(sbs_fixes, truth).max() < CPR_HALF_CELL_M + SBS_ROUNDING_M
