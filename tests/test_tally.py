"""Tallies against counts made one record at a time in plain Python (an independent tally)."""
from __future__ import annotations

from collections import Counter, defaultdict

import numpy as np
import pandas as pd
import pytest

from skyborder.errors import InputError
from skyborder.report.tally import draw_tally_chart, parse_by, period_of, tally, tally_table


@pytest.fixture(scope="module")
def register_frames():
    rng = np.random.default_rng(5)
    n = 400
    times = pd.Timestamp("2013-12-20", tz="UTC") + pd.to_timedelta(rng.uniform(0, 3 * 365, n), unit="D")
    passages = pd.DataFrame({
        "anchor_time": times, "entry_time": times, "track_id": [f"T{i % 50}" for i in range(n)],
        "icao24": [None if i % 7 == 0 else f"{i % 45:06x}" for i in range(n)],
        "airspace": rng.choice(["EST", "LVA", "FIN"], n), "country": rng.choice(["RUS", "BLR", None], n),
        "military": rng.choice([True, False, None], n), "status": rng.choice(["closed", "gap", "near"], n, p=[.6, .2, .2]),
    })
    k = 150
    warnings = pd.DataFrame({"time": times[:k] - pd.Timedelta(minutes=3), "track_id": passages["track_id"][:k],
                             "airspace": passages["airspace"][:k], "country": passages["country"][:k],
                             "military": passages["military"][:k]})
    return passages, warnings


def fiscal(ts: pd.Timestamp, start: int) -> tuple[int, int]:
    """(fiscal year, quarter) of a time, by hand."""
    year = ts.year if ts.month >= start else ts.year - 1
    months_in = (ts.month - start) % 12
    return year, months_in // 3 + 1


def label(value) -> str:
    return "unknown" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


def mil(value) -> str:
    return "unknown" if value is None else ("military" if value else "civil")


@pytest.mark.parametrize("start", [1, 4, 10])
def test_counts_by_country_and_fiscal_year(register_frames, start):
    passages, warnings = register_frames
    counts = tally(passages, warnings, ["country"], "year", year_start=start)
    expected_p, expected_a, expected_w = Counter(), defaultdict(set), Counter()
    for r in passages.to_dict("records"):
        if r["status"] == "near":
            continue
        key = (label(r["country"]), fiscal(r["anchor_time"], start)[0])
        expected_p[key] += 1
        expected_a[key].add(r["icao24"] if isinstance(r["icao24"], str) else r["track_id"])
    for w in warnings.to_dict("records"):
        expected_w[(label(w["country"]), fiscal(w["time"], start)[0])] += 1
    prefix = "" if start == 1 else "FY"
    got = {(r["country"], int(r["period"].removeprefix(prefix))): r for r in counts.to_dict("records")}
    assert set(got) == set(expected_p) | set(expected_w)
    for key, row in got.items():
        assert row["passages"] == expected_p[key] and row["aircraft"] == len(expected_a[key])
        assert row["warnings"] == expected_w[key]
        before = expected_p.get((key[0], key[1] - 1), 0)
        if before:
            assert row["change_pct"] == pytest.approx(100 * (expected_p[key] - before) / before)
        else:
            assert np.isnan(row["change_pct"])
        total = sum(v for (c, y), v in expected_p.items() if y == key[1])
        if total:
            assert row["share_pct"] == pytest.approx(100 * expected_p[key] / total)


def test_counts_by_military_airspace_quarter_within_dates(register_frames):
    passages, _ = register_frames
    since, until = pd.Timestamp("2014-04-01", tz="UTC"), pd.Timestamp("2015-04-01", tz="UTC")
    counts = tally(passages, None, ["military", "airspace"], "quarter", since=since, until=until, year_start=4)
    expected = Counter()
    for r in passages.to_dict("records"):
        if r["status"] != "near" and since <= r["anchor_time"] < until:
            y, q = fiscal(r["anchor_time"], 4)
            expected[(mil(r["military"]), r["airspace"], f"FY{y}-Q{q}")] += 1
    got = {(r["military"], r["airspace"], r["period"]): r["passages"] for r in counts.to_dict("records")}
    assert got == dict(expected)
    assert set(counts["period"]) == {"FY2014-Q1", "FY2014-Q2", "FY2014-Q3", "FY2014-Q4"}


def test_weeks_and_months_are_consecutive():
    times = pd.Series(pd.to_datetime(["2015-12-28", "2016-01-03", "2016-01-04", "2016-02-29"], utc=True))
    labels, ordinal = period_of(times, "week")
    assert labels.tolist() == ["2015-W53", "2015-W53", "2016-W01", "2016-W09"]
    assert ordinal.diff().tolist()[1:] == [0, 1, 8]
    labels, ordinal = period_of(times, "month")
    assert labels.tolist() == ["2015-12", "2016-01", "2016-01", "2016-02"] and ordinal.diff().tolist()[1:] == [1, 0, 1]


def test_table_chart_and_errors(register_frames, tmp_path):
    passages, warnings = register_frames
    counts = tally(passages, warnings, ["country"], "year")
    text = tally_table(counts)
    assert "new" in text and "%" in text and "passages" in text
    png = draw_tally_chart(counts, tmp_path / "t.png")
    assert png.read_bytes()[:4] == b"\x89PNG"
    assert parse_by("country,year") == (["country"], "year")
    for bad in ("country,year,month", "colour", "year,year"):
        with pytest.raises(InputError):
            parse_by(bad)
    with pytest.raises(InputError):
        period_of(passages["entry_time"], "year", 13)
