"""End to end with real parts: the simulator pushes a border approach into a real
dump1090-mutability in real time; one watch reads its SBS output into SQLite, another its Beast
output into a real PostgreSQL server. Each warning stage appears at the fix the geometry implies,
and the passage lands in both registers."""
from __future__ import annotations

import threading
import time

import pandas as pd
import pytest

from dump1090 import dump1090  # noqa: F401  (fixture)
from postgres import postgres_server, postgres_url  # noqa: F401  (fixtures)
from skyborder.airspace import world
from skyborder.airspace.index import AirspaceIndex
from skyborder.register import open_register
from skyborder.sim import traffic
from skyborder.tracks.feeds import open_feed
from skyborder.warn.policy import load_policy
from skyborder.watch import Watch, WatchOptions

UPDATE_S = traffic.POSITION_PERIOD_S
# westbound at 35.845 N, 480 kt: enters the Hatay salient about 50 s after its first position
APPROACH = traffic.Aircraft("15224e", "BORDR2", ((35.845, 36.32), (35.845, 35.95)), 19_000, 480, "7001")
T1, T2 = 40.0, 15.0


@pytest.mark.slow
def test_stages_and_passage_through_a_real_decoder(dump1090, postgres_url, tmp_path):  # noqa: F811
    index = AirspaceIndex([world.country("TUR")])
    policy = load_policy("atc").with_values(prediction_look_ahead_s=T1, prediction_imminent_s=T2)
    stop = threading.Event()
    options = WatchOptions(silence_s=1e9, status_every_s=0, housekeeping_s=0.2)
    sqlite_db = tmp_path / "sbs.sqlite"
    watches, registers, threads = [], [], []
    for url, target in ((f"sbs://127.0.0.1:{dump1090.ports['sbs']}", str(sqlite_db)),
                        (f"beast://127.0.0.1:{dump1090.ports['bo']}", postgres_url)):
        register = open_register(target)
        feed = open_feed(url, stop=stop, batch_seconds=0.05)
        watch = Watch(feed, index, policy, register, source=url, options=options)
        watches.append(watch)
        registers.append(register)
        threads.append(threading.Thread(target=watch.run, daemon=True))
        threads[-1].start()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not all(w.feed.stats.connections for w in watches):
        time.sleep(0.05)
    time.sleep(0.5)  # dump1090 registers its output clients
    items = traffic.emissions(traffic.Scenario("approach", (APPROACH,), 75.0))
    traffic.push(items, "beast", "127.0.0.1", dump1090.ports["bi"], speed=1.0)
    time.sleep(2.0)
    stop.set()
    for thread in threads:
        thread.join(120)
    try:
        for name, register in zip(("sbs", "beast"), registers):
            passages = register.passages(airspace="TUR", track_id=APPROACH.icao24)
            assert passages["status"].tolist() == ["closed"], name
            entry = passages["entry_time"].iloc[0]
            assert 12.0 < passages["duration_s"].iloc[0] < 22.0, name
            warnings = register.warnings(track_id=APPROACH.icao24)
            first = warnings.groupby("stage")["time"].min()
            # stage thresholds in the data's own time: the first fix past each, confirmed 2-of-3 (one
            # more update); predicted stages also carry the prediction's error: ~1 % of the look-ahead
            # with Beast's 12 MHz counter, up to ~2.5 % with SBS, whose times are dump1090's receive
            # times and jitter with the machine's load (1.5 % seen with the whole suite on 2 cores, and
            # a confirming fix received 5 ms late: SBS stages get 0.25 s more either way)
            confirm = pd.Timedelta(seconds=2 * UPDATE_S + 0.1)
            for stage, ahead in (("predicted", T1), ("imminent", T2), ("inside", 0.0)):
                threshold = entry - pd.Timedelta(seconds=ahead)
                error = pd.Timedelta(seconds=0.025 * ahead + 0.25 if name == "sbs" else 0.012 * ahead)
                assert threshold - error - pd.Timedelta(seconds=0.1) <= first[stage] <= threshold + confirm + error, (
                    name, stage, threshold, warnings[["time", "stage", "time_to_entry_s", "speed_mps"]].head(4))
            stored = register.passage(int(passages["id"].iloc[0]))
            assert len(stored.path) >= 20 and len(stored.track) > len(stored.path)
    finally:
        for register in registers:
            register.close()
