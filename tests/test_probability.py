"""Probability of violation: against closed forms and brute force on simple geometry, and calibrated.

Independent answers:
- one fix by a straight boundary: Phi(d / sigma);
- one fix by a small disc: the share of 10^6 Gaussian points in the disc (brute force);
- a straight flight (q -> 0) by a straight boundary: the posterior of a straight line is the
  least-squares fit's, computed here with ``numpy.linalg.lstsq``; it enters where the line does
  at either end of the window, a bivariate normal probability (scipy) and a brute-force draw;
- calibration: tracks drawn from the model's own motion, observed with noise: of those reported
  at p, a share p is truly inside.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from scipy.stats import multivariate_normal, norm

from skyborder.airspace.index import AirspaceIndex
from skyborder.airspace.model import Airspace
from skyborder.analysis.position_error import DEFAULT_SIGMA_M, fix_sigma, sigma_from_nacp
from skyborder.analysis.probability import ViolationSettings, violation_probability
from skyborder.analysis.smoothing import Q_GRID, PathPosterior, iwp_covariance, reml_log_likelihood
from skyborder.detection.engine import detect
from skyborder.geodesy import geodesic_circle

GEOD = pyproj.Geod(ellps="WGS84")
EAST = Airspace("EAST", shapely.box(0.0, -1.0, 1.0, 1.0))  # its west edge is the meridian 0: a geodesic
T0 = pd.Timestamp("2020-05-01T12:00:00Z")


def west_of_meridian(offset_east_m: np.ndarray, north_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """lon, lat of points ``north_m`` up the meridian 0 from the equator, then ``offset_east_m`` east."""
    lon, lat, _ = GEOD.fwd(np.zeros(len(north_m)), np.zeros(len(north_m)), np.zeros(len(north_m)), north_m)
    lon, lat, _ = GEOD.fwd(lon, lat, np.full(len(north_m), 90.0), offset_east_m)
    return lon, lat


def track(offsets: np.ndarray, every_s: float = 4.0, speed: float = 200.0, track_id: str = "T") -> pd.DataFrame:
    n = len(offsets)
    lon, lat = west_of_meridian(np.asarray(offsets, float), speed * every_s * np.arange(n))
    return pd.DataFrame({"time": T0 + pd.to_timedelta(every_s * np.arange(n), unit="s"), "track_id": track_id,
                         "lat": lat, "lon": lon})


def probability(tr: pd.DataFrame, sigma: float, airspace: Airspace = EAST, **settings) -> pd.DataFrame:
    result = detect(tr, [airspace], near_m=20 * sigma)
    assert len(result), "nothing detected"
    out = violation_probability(tr, result, [airspace], np.full(len(tr), sigma), ViolationSettings(**settings))
    return result.join(out)


def test_single_fix_by_a_straight_boundary_is_phi():
    for offset in (-120.0, -30.0, 45.0):
        row = probability(track(np.array([offset])), 100.0).iloc[0]
        assert row["method"] == "analytic"
        assert row["p_inside"] == pytest.approx(norm.cdf(offset / 100.0), abs=1e-3)
        assert row["depth_median_m"] == pytest.approx(max(0.0, offset), abs=0.5)


def test_single_fix_by_a_disc_matches_brute_force():
    disc = Airspace("DISC", shapely.Polygon(geodesic_circle(0.0, 0.0, 300.0)))
    lon, lat, _ = GEOD.fwd(0.0, 0.0, 60.0, 380.0)  # 80 m outside the disc
    tr = pd.DataFrame({"time": [T0], "track_id": "P", "lat": [lat], "lon": [lon]})
    row = probability(tr, 150.0, disc, samples=4000).iloc[0]
    assert row["method"] == "monte-carlo"
    rng = np.random.default_rng(1)
    pts = np.array([380.0, 0.0]) + rng.normal(0.0, 150.0, (1_000_000, 2))
    brute = float(np.mean(np.hypot(*pts.T) < 300.0))
    assert row["p_inside"] == pytest.approx(brute, abs=3 * row["p_stderr"] + 0.005)


@pytest.mark.parametrize("offsets", [np.linspace(-250.0, -150.0, 8), np.linspace(-200.0, 60.0, 8)])
def test_straight_flight_matches_the_least_squares_line(offsets):
    sigma, every = 100.0, 4.0
    tr = track(offsets, every_s=every)
    rows = probability(tr, sigma, q=1e-6, samples=4000, margin_s=10.0)
    row = rows.iloc[0]
    # the window the probability is about, in seconds from the first fix
    a = (row["window_start"] - T0).total_seconds()
    b = (row["window_end"] - T0).total_seconds()
    t = every * np.arange(len(offsets))
    H = np.column_stack([np.ones_like(t), t])
    beta = np.linalg.lstsq(H, offsets, rcond=None)[0]
    cov = sigma ** 2 * np.linalg.inv(H.T @ H)
    ends = np.array([[1.0, a], [1.0, b]])
    mean, var = ends @ beta, ends @ cov @ ends.T
    rho = var[0, 1] / math.sqrt(var[0, 0] * var[1, 1])
    analytic = 1.0 - multivariate_normal(mean=[0, 0], cov=[[1, rho], [rho, 1]]).cdf(
        [-mean[0] / math.sqrt(var[0, 0]), -mean[1] / math.sqrt(var[1, 1])])
    assert row["p_inside"] == pytest.approx(analytic, abs=3 * row["p_stderr"] + 0.01)
    # brute force: lines drawn from the least-squares posterior, their time east of the meridian
    rng = np.random.default_rng(7)
    draws = rng.multivariate_normal(beta, cov, 200_000)
    grid = np.linspace(a, b, 400)
    east = (draws[:, :1] + draws[:, 1:] * grid[None, :]) > 0
    brute_duration = np.quantile(east.mean(axis=1) * (b - a), [0.05, 0.5, 0.95])
    ours = row[["duration_low_s", "duration_median_s", "duration_high_s"]].to_numpy(float)
    assert np.allclose(ours, brute_duration, atol=0.05 * (b - a) + 0.5)


@pytest.mark.parametrize("shape", ["arc", "vee"])
def test_a_ten_metre_radar_incursion_is_not_certain(shape):
    t = np.arange(25) - 12.0
    # a gentle arc whose top is 10 m east of the border, or a sharp turn back at 10 m
    offsets = 10.0 - 3.0 * t ** 2 if shape == "arc" else 10.0 - 100.0 * np.abs(t)
    rows = probability(track(offsets), DEFAULT_SIGMA_M["radar"], samples=1000)
    passage = rows[rows["status"] == "closed"].iloc[0]
    assert passage["max_depth_m"] == pytest.approx(10.0, abs=1.0)
    assert passage["p_inside"] < 0.95
    if shape == "arc":  # fixes that sit on both sides of the border: neither side is excluded
        assert passage["p_inside"] > 0.2


def test_deep_passages_are_certain_and_far_misses_impossible():
    deep = probability(track(np.r_[np.linspace(-3000.0, 3000.0, 8), np.linspace(3000.0, -3000.0, 8)[1:]]),
                       150.0).iloc[0]
    assert deep["status"] == "closed" and deep["p_inside"] == 1.0
    assert deep["duration_low_s"] <= deep["duration_s"] <= deep["duration_high_s"]
    far = probability(track(np.full(12, -2500.0)), 150.0).iloc[0]
    assert far["status"] == "near" and far["p_inside"] == 0.0


def test_position_errors():
    assert sigma_from_nacp(np.array([8.0]))[0] == pytest.approx(92.6 / math.sqrt(-2 * math.log(0.05)))
    tr = track(np.zeros(3)).assign(nacp=[10, np.nan, 0])
    sigma = fix_sigma(tr, "auto", {"T": "sbs"})
    assert sigma[0] == pytest.approx(10.0 / 2.4477, rel=1e-4) and sigma[1] == sigma[2] == DEFAULT_SIGMA_M["sbs"]
    assert (fix_sigma(tr, "mlat") == 100.0).all() and (fix_sigma(tr, 42.0) == 42.0).all()
    assert (fix_sigma(tr.drop(columns="nacp"), "auto") == DEFAULT_SIGMA_M["radar"]).all()


def test_integrated_wiener_covariance_is_that_of_summed_steps():
    # independent: integrate simulated white-noise accelerations, compare the sample covariance
    rng = np.random.default_rng(3)
    dt, n, q = 0.05, 200, 2.0
    acc = rng.normal(0.0, math.sqrt(q / dt), (20_000, n))
    pos = np.cumsum(np.cumsum(acc, axis=1) * dt, axis=1) * dt
    s, t = 60, 180
    sample = np.mean(pos[:, s - 1] * pos[:, t - 1])
    assert sample == pytest.approx(iwp_covariance(np.array([s * dt]), np.array([t * dt]), q)[0, 0], rel=0.05)


@pytest.mark.slow
def test_calibration():
    """Of many noisy tracks drawn from the motion model, those reported at p are inside a share p."""
    rng = np.random.default_rng(11)
    sigma, every, n_fix, q_true = 150.0, 4.0, 30, 4.0
    dense_dt = 0.25
    reported, truth = [], []
    index = AirspaceIndex([EAST])
    for k in range(160):
        steps = int(n_fix * every / dense_dt)
        acc = rng.normal(0.0, math.sqrt(q_true / dense_dt), steps)
        lateral_v = rng.uniform(-8.0, 8.0) + np.cumsum(acc) * dense_dt
        lateral = rng.uniform(-900.0, 900.0) + np.cumsum(lateral_v) * dense_dt
        t_dense = np.arange(steps) * dense_dt
        at_fix = np.searchsorted(t_dense, every * np.arange(n_fix))
        observed = lateral[at_fix] + rng.normal(0.0, sigma, n_fix)
        north = 200.0 * every * np.arange(n_fix) + rng.normal(0.0, sigma, n_fix)
        lon, lat = west_of_meridian(observed, north)
        tr = pd.DataFrame({"time": T0 + pd.to_timedelta(every * np.arange(n_fix), unit="s"), "track_id": f"T{k}",
                           "lat": lat, "lon": lon})
        result = detect(tr, index, near_m=1500.0)
        if result.empty:
            continue
        out = violation_probability(tr, result, [EAST], np.full(n_fix, sigma), ViolationSettings(samples=300))
        for _, row in out.iterrows():
            a = (row["window_start"] - T0).total_seconds()
            b = (row["window_end"] - T0).total_seconds()
            within = (t_dense >= a) & (t_dense <= b)
            reported.append(row["p_inside"])
            truth.append(bool((lateral[within] > 0).any()))
    p, hit = np.array(reported), np.array(truth)
    assert len(p) > 120
    checked = 0
    for lo, hi in ((0.05, 0.35), (0.35, 0.65), (0.65, 0.95)):
        sel = (p >= lo) & (p < hi)
        if sel.sum() < 20:
            continue
        checked += 1
        mean_p = p[sel].mean()
        assert abs(hit[sel].mean() - mean_p) <= 3 * math.sqrt(mean_p * (1 - mean_p) / sel.sum()) + 0.05, (lo, hi)
    assert checked >= 2
    # the extremes: reported (nearly) certain means (nearly) always right
    assert hit[p > 0.99].mean() > 0.97 and hit[p < 0.01].mean() < 0.03


def test_drawn_paths_follow_the_dense_posterior():
    """The banded state-space draws against the dense Gaussian-process posterior of the same model."""
    rng = np.random.default_rng(0)
    t = np.arange(0.0, 40.0, 4.0)
    xy = np.column_stack([200 * t + rng.normal(0, 100, len(t)), 0.3 * t ** 2 + rng.normal(0, 100, len(t))])
    for q in (1e-3, 1.0, 100.0):
        posterior = PathPosterior(t, xy, np.full(len(t), 100.0), q)
        tq = np.linspace(-2.0, 38.0, 21)
        mean, cov = posterior.mean_and_covariance(tq)
        draws = posterior.sample(tq, 20_000, rng)
        se = np.sqrt(np.diag(cov) / 20_000)
        assert np.all(np.abs(draws.mean(axis=0) - mean) <= 4.5 * se[:, None])
        assert np.allclose(draws[:, :, 0].std(axis=0), np.sqrt(np.diag(cov)), rtol=0.03)


def dense_reml(t: np.ndarray, xy: np.ndarray, sigma: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """The restricted likelihood written directly (Harville): -1/2 [y'Py + log|C| + log|H'C^-1 H|] per axis."""
    H = np.column_stack([np.ones_like(t), t])
    out = []
    for q in grid:
        C = iwp_covariance(t, t, float(q)) + np.diag(sigma ** 2)
        Ci = np.linalg.inv(C)
        A = H.T @ Ci @ H
        P = Ci - Ci @ H @ np.linalg.solve(A, H.T @ Ci)
        out.append(-0.5 * (float(np.sum(xy * (P @ xy))) + 2 * np.linalg.slogdet(C)[1] + 2 * np.linalg.slogdet(A)[1]))
    return np.array(out)


def test_state_space_reml_is_the_restricted_likelihood():
    rng = np.random.default_rng(2)
    for gap in (2.0, 0.5):
        t = np.round(np.cumsum(np.r_[0.0, gap + rng.exponential(2.0, 59)]) / 0.02) * 0.02
        xy = np.column_stack([200 * t + 0.02 * t ** 2 + rng.normal(0, 50, len(t)), rng.normal(0, 50, len(t))])
        sigma = np.full(len(t), 50.0)
        ours, direct = reml_log_likelihood(t, xy, sigma, Q_GRID), dense_reml(t, xy, sigma, Q_GRID)
        assert np.ptp(ours - direct) < 0.05  # equal up to a constant
        assert np.argmax(ours) == np.argmax(direct)


def test_depth_intervals_bracket_the_engines_depth_on_a_decoded_recording(tmp_path):
    """SBS lines from skyborder's simulator read by the SBS reader (fixes milliseconds apart at times):
    the engine's exact depth of each passage lies in the interval, and deep passages are certain."""
    from skyborder.airspace import world
    from skyborder.cli import main
    from skyborder.tracks.readers.sniff import read_tracks

    out = tmp_path / "approach.sbs"
    assert main(["simulate", "--scenario", "border-approach", "--format", "sbs", "--out", str(out),
                 "--duration", "600", "--start", "2015-11-24T07:15:00Z"]) == 0
    tracks = read_tracks(str(out))
    tracks = tracks[tracks["track_id"] == "15224d"]
    airspaces = world.select("TUR,SYR")
    result = detect(tracks, airspaces)
    doubt = violation_probability(tracks, result, airspaces, fix_sigma(tracks, "sbs"), ViolationSettings(samples=300))
    rows = result.join(doubt)
    passages = rows[rows["status"] != "near"]
    assert len(passages) == 3 and (passages["p_inside"] == 1.0).all()
    assert (passages["depth_low_m"] <= passages["max_depth_m"] + 2.5).all()
    assert (passages["max_depth_m"] <= passages["depth_high_m"] + 2.5).all()
