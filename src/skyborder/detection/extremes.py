"""Branch-and-bound over paths: the largest or least separation from an airspace, with a proof.

A path is a stretch of a track: WGS84 geodesic segments between fixes, positions ``u`` in metres
along it. The quantity ``f(u)`` is the geodesic distance ``D`` to the airspace's lateral boundary
(depth) or the separation ``sqrt(D^2 + v^2)`` from it (closest approach; ``v`` the vertical
distance to its floor or ceiling, linear in ``u`` on each segment). ``D`` is 1-Lipschitz in ``u``
(a point moved by ``du`` along the path moves by at most ``du``), so ``f`` is ``K``-Lipschitz with
``K = sqrt(1 + slope^2)`` (1 without vertical limits). On a stretch of length ``L`` whose ends
have ``f <= f0, f1``:

    max f <= (f0 + f1 + K L) / 2        and, with ``f >= f0, f1`` at the ends,
    min f >= (f0 + f1 - K L) / 2.

The search keeps stretches in a priority queue by that bound, evaluates ``f`` at the middle of
the most promising one (certified brackets from :mod:`.boundary`, refined when a bracket is
wider than a quarter of the stretch or of the tolerance), and drops stretches whose bound cannot
beat the best value found by more than ``tol`` (or, for near misses, cannot come within
``cutoff``). When the queue is exhausted, the best point's value is within ``tol`` (plus its own
bracket, a few centimetres) of the true extreme: the answer is exact by construction, whatever
the shape of the boundary or the length of the segments.

Maximisation and minimisation share the code: the search maximises ``g = sign * f``.
"""
from __future__ import annotations

import math

import numba as nb
import numpy as np

from .boundary import BEND, BULGE, STACK_SIZE, exact_bracket, geodesic_bracket, segment_distance
from .ellipsoid import R_MIN, direct, ecef, geodesic_upper, inverse

MIN_STRETCH_M = 1e-3  # stretches are not split below this length
FINE_WIDTH_M = 0.01  # chord search width of a refined point
MAX_EVALUATIONS = 2_000_000  # per item; beyond it the search stops and reports its bracket
EXACT, FINE, COARSE = 2, 1, 0
SEMI_CONVEXITY = 2.0  # safety factor on the curvature bound of the distance to a piece
CONVEX_MAX_FIXES = 8  # the convexity bound is tried on stretches with at most this many inner fixes


@nb.njit(cache=True, inline="always")
def _vertical(alt, seg_len, last, fix, s, floor, ceiling):  # pragma: no cover - compiled
    """Vertical distance (m) from the altitude at (fix, s) to [floor, ceiling]: ``alt[0]`` is the
    altitude the floor is compared with, ``alt[1]`` the one the ceiling is (their references may
    differ, see ``detection.vertical``); a side whose altitude is unknown counts 0."""
    a_floor, a_ceiling = alt[0, fix], alt[1, fix]
    if fix < last[fix] and seg_len[fix] > 0.0 and s > 0.0:
        frac = min(s / seg_len[fix], 1.0)
        a_floor = a_floor + frac * (alt[0, fix + 1] - a_floor)
        a_ceiling = a_ceiling + frac * (alt[1, fix + 1] - a_ceiling)
    below = 0.0 if math.isnan(a_floor) else floor - a_floor
    above = 0.0 if math.isnan(a_ceiling) else a_ceiling - ceiling
    return max(below, above, 0.0)


# point fields (columns of the per-item float and int tables)
U, DLO, DHI, V, S, X, Y, Z, LON, LAT = range(10)
RUN, PIECE, PREC, FIX = range(4)


@nb.njit(cache=True)
def _grow(a, n):  # pragma: no cover - compiled
    """``a`` (1-D or 2-D) with room for at least ``n`` rows."""
    if n <= a.shape[0]:
        return a
    shape = (max(2 * a.shape[0], n),) + a.shape[1:]
    out = np.empty(shape, a.dtype)
    out[:a.shape[0]] = a
    return out


@nb.njit(cache=True)
def _heap_push(key, entry, split, size, k, a, b, u):  # pragma: no cover - compiled
    i = size
    key[i], entry[i, 0], entry[i, 1], split[i] = k, a, b, u
    while i > 0:
        parent = (i - 1) // 2
        if key[parent] >= key[i]:
            break
        _swap(key, entry, split, parent, i)
        i = parent
    return size + 1


@nb.njit(cache=True, inline="always")
def _swap(key, entry, split, i, j):
    key[i], key[j] = key[j], key[i]
    entry[i, 0], entry[j, 0] = entry[j, 0], entry[i, 0]
    entry[i, 1], entry[j, 1] = entry[j, 1], entry[i, 1]
    split[i], split[j] = split[j], split[i]


@nb.njit(cache=True)
def _heap_pop(key, entry, split, size):  # pragma: no cover - compiled
    k, a, b, u = key[0], entry[0, 0], entry[0, 1], split[0]
    size -= 1
    key[0], entry[0, 0], entry[0, 1], split[0] = key[size], entry[size, 0], entry[size, 1], split[size]
    i = 0
    while True:
        left, right, top = 2 * i + 1, 2 * i + 2, i
        if left < size and key[left] > key[top]:
            top = left
        if right < size and key[right] > key[top]:
            top = right
        if top == i:
            break
        _swap(key, entry, split, top, i)
        i = top
    return k, a, b, u, size


@nb.njit(cache=True, inline="always")
def _g_lo(pf, i, sign):
    if sign > 0:
        return math.sqrt(pf[i, DLO] * pf[i, DLO] + pf[i, V] * pf[i, V])
    return -math.sqrt(pf[i, DHI] * pf[i, DHI] + pf[i, V] * pf[i, V])


@nb.njit(cache=True, inline="always")
def _g_hi(pf, i, sign):
    if sign > 0:
        return math.sqrt(pf[i, DHI] * pf[i, DHI] + pf[i, V] * pf[i, V])
    return -math.sqrt(pf[i, DLO] * pf[i, DLO] + pf[i, V] * pf[i, V])


@nb.njit(cache=True, inline="always")
def _upper_at(vert, e, x, y, z):
    """Upper bound (m) of the geodesic distance from Earth-centred (x, y, z) to piece e."""
    return geodesic_upper(segment_distance(x, y, z, vert[e, 0], vert[e, 1], vert[e, 2], vert[e + 1, 0],
                                           vert[e + 1, 1], vert[e + 1, 2]) + vert[e, BULGE])


@nb.njit(cache=True, inline="always")
def _line_min_max(h1a, h1b, h2a, h2b):  # pragma: no cover - compiled
    """Largest value over [0, 1] of the lesser of two linear functions given at 0 and 1, and where."""
    best, where = min(h1a, h2a), 0.0
    if min(h1b, h2b) > best:
        best, where = min(h1b, h2b), 1.0
    slope = (h1b - h1a) - (h2b - h2a)
    if slope != 0.0:
        x = (h2a - h1a) / slope
        if 0.0 < x < 1.0 and h1a + (h1b - h1a) * x > best:
            best, where = h1a + (h1b - h1a) * x, x
    return best, where


@nb.njit(cache=True)
def _convex_bound(t, pf, pi, a, b, lon, lat, k_first, k_last, f0, seg_u, off):  # pragma: no cover - compiled
    """Upper bound of the distance to the boundary on the path between points a and b (with the
    fixes ``f0 + k_first .. f0 + k_last`` strictly between), and where to split.

    The boundary is no farther than the nearest piece of either end; along one geodesic segment
    the distance to a piece is convex up to ``SEMI_CONVEXITY * (k_g + d / R_MIN^2)`` (the piece's
    geodesic curvature and the Earth's), so it stays below the chord of its values at the
    segment's ends plus that times ``L^2 / 8``. The bound is the largest, over the segments,
    of the lesser of the two pieces' chords. Returns (bound, split u).
    """
    e1, e2 = pi[a, PIECE], pi[b, PIECE]
    if e1 < 0 or e2 < 0:
        return math.inf, 0.0
    vert = t.vert
    bend = max(vert[e1, BEND], vert[e2, BEND])
    xa, ya, za = pf[a, X], pf[a, Y], pf[a, Z]
    h1, h2 = _upper_at(vert, e1, xa, ya, za), _upper_at(vert, e2, xa, ya, za)
    u_prev = pf[a, U]
    worst, split = -math.inf, 0.5 * (pf[a, U] + pf[b, U])
    for k in range(k_first, k_last + 2):
        if k <= k_last:
            x, y, z = ecef(lon[f0 + k], lat[f0 + k])
            u = seg_u[off + k]
        else:
            x, y, z = pf[b, X], pf[b, Y], pf[b, Z]
            u = pf[b, U]
        g1, g2 = _upper_at(vert, e1, x, y, z), _upper_at(vert, e2, x, y, z)
        length = u - u_prev
        value, where = _line_min_max(h1, g1, h2, g2)
        top = max(max(h1, g1), max(h2, g2)) + length
        value += SEMI_CONVEXITY * (bend + top / (R_MIN * R_MIN)) * length * length / 8.0
        if value > worst:
            worst = value
            if k_last < k_first:  # one segment: split where the bound peaks (away from the ends)
                if 0.0625 < where < 0.9375:
                    split = u_prev + where * length
            elif k == k_first:  # split at an inner fix next to the worst segment
                split = u
            elif k > k_last:
                split = u_prev
            else:
                split = u_prev if where < 0.5 else u
        h1, h2, u_prev = g1, g2, u
    return worst, split


@nb.njit(cache=True)
def _stretch(t, pf, pi, a, b, lipschitz, sign, convex, seg_u, off, f0, lon, lat):  # pragma: no cover - compiled
    """Bound of g on the stretch between points a and b, and where to split it (u)."""
    length = pf[b, U] - pf[a, U]
    key = 0.5 * (_g_hi(pf, a, sign) + _g_hi(pf, b, sign) + lipschitz * length)
    split = 0.5 * (pf[a, U] + pf[b, U])
    k_a = pi[a, FIX] - f0
    k_b = pi[b, FIX] - f0 - (1 if pf[b, S] <= 0.0 else 0)
    if k_b > k_a:  # fixes strictly inside: split at the one nearest the middle
        lo, hi = k_a + 1, k_b
        while lo < hi:
            mid = (lo + hi) // 2
            if seg_u[off + mid] < split:
                lo = mid + 1
            else:
                hi = mid
        k = lo
        if k > k_a + 1 and abs(seg_u[off + k - 1] - split) < abs(seg_u[off + k] - split):
            k -= 1
        split = seg_u[off + k]
    if convex and sign > 0 and k_b - k_a <= CONVEX_MAX_FIXES:
        bound, where = _convex_bound(t, pf, pi, a, b, lon, lat, k_a + 1, k_b, f0, seg_u, off)
        if bound < key:
            key, split = bound, where
    return key, split


@nb.njit(cache=True)
def _search_item(t, lon, lat, alt, seg_len, last, r_f0, r_s0, r_f1, r_s1, r_lo, r_hi, sign, floor, ceiling,
                 cutoff, tol):  # pragma: no cover - compiled
    """Branch and bound over runs ``r_lo .. r_hi - 1`` of one item.

    Returns (best g, certified upper bound of g, best fix, metres along its segment, vertical
    distance there, evaluations).
    """
    n_runs = r_hi - r_lo
    limited = math.isfinite(floor) or math.isfinite(ceiling)
    # local positions: run r's segment k (fix r_f0 + k) starts at u = seg_u[off[r] + k]
    off = np.empty(n_runs + 1, np.int64)
    off[0] = 0
    for r in range(n_runs):
        off[r + 1] = off[r] + r_f1[r_lo + r] - r_f0[r_lo + r] + 1
    seg_u = np.empty(off[n_runs])
    seg_az = np.full(off[n_runs], np.nan)
    run_len = np.empty(n_runs)
    run_k = np.ones(n_runs)  # Lipschitz constant of f on the run
    for r in range(n_runs):
        f0, s0, f1, s1 = r_f0[r_lo + r], r_s0[r_lo + r], r_f1[r_lo + r], r_s1[r_lo + r]
        u = 0.0
        for k in range(f1 - f0 + 1):
            fix = f0 + k
            seg_u[off[r] + k] = u
            if fix < f1:
                u += seg_len[fix] - (s0 if k == 0 else 0.0)
            if limited and (fix < f1 or s1 > 0.0) and fix < last[fix] and seg_len[fix] > 0.0:
                for row in range(2):
                    slope = abs(alt[row, fix + 1] - alt[row, fix]) / seg_len[fix]
                    if math.isfinite(slope):
                        run_k[r] = max(run_k[r], math.sqrt(1.0 + slope * slope))
        run_len[r] = u + s1 - (s0 if f1 == f0 else 0.0)
    stack = np.empty(STACK_SIZE, np.int64)
    bounds = np.empty(STACK_SIZE)
    pf = np.empty((64, 10))
    pi = np.empty((64, 4), np.int64)
    n_pts = 0
    h_key = np.empty(64)
    h_entry = np.empty((64, 2), np.int64)
    h_split = np.empty(64)
    h_size = 0
    best_g, best = -math.inf, -1
    residual = -math.inf
    evaluations = 0
    # the ends of every run
    for r in range(n_runs):
        for end in range(2 if run_len[r] > 0.0 else 1):
            pf, pi = _grow(pf, n_pts + 1), _grow(pi, n_pts + 1)
            pi[n_pts, RUN] = r
            pf[n_pts, U] = 0.0 if end == 0 else run_len[r]
            _place(pf, pi, n_pts, off, seg_u, seg_az, r_f0[r_lo + r], r_s0[r_lo + r], r_f1[r_lo + r], lon, lat,
                   alt, seg_len, last, floor, ceiling)
            pf[n_pts, DLO], pf[n_pts, DHI], pi[n_pts, PIECE], pi[n_pts, PREC] = 0.0, math.inf, -1, COARSE
            evaluations += 1
            _refine(t, pf, pi, n_pts, sign, tol, 0.0, stack, bounds)
            g_lo = _g_lo(pf, n_pts, sign)
            if g_lo > best_g:
                best_g, best = g_lo, n_pts
            n_pts += 1
    i = 0
    for r in range(n_runs):
        if run_len[r] > 0.0:
            key, split = _stretch(t, pf, pi, i, i + 1, run_k[r], sign, not limited, seg_u, off[r], r_f0[r_lo + r], lon,
                                  lat)
            if key < cutoff:
                residual = max(residual, key)
            elif key > best_g + tol:
                h_key, h_entry, h_split = _grow(h_key, h_size + 1), _grow(h_entry, h_size + 1), \
                    _grow(h_split, h_size + 1)
                h_size = _heap_push(h_key, h_entry, h_split, h_size, key, i, i + 1, split)
            i += 2
        else:
            i += 1
    while h_size > 0:
        key, a, b, split, h_size = _heap_pop(h_key, h_entry, h_split, h_size)
        if key <= best_g + tol or key < cutoff:
            residual = max(residual, key)
            break
        if evaluations >= MAX_EVALUATIONS:
            residual = max(residual, key)
            break
        length = pf[b, U] - pf[a, U]
        r = pi[a, RUN]
        f0 = r_f0[r_lo + r]
        # ends whose brackets are wide for this stretch: refine them first
        refined = False
        for e in (a, b):
            if pi[e, PREC] < EXACT and _g_hi(pf, e, sign) - _g_lo(pf, e, sign) > max(0.25 * length, 0.25 * tol):
                _refine(t, pf, pi, e, sign, tol, 0.25 * length, stack, bounds)
                evaluations += 1
                refined = True
                if _g_lo(pf, e, sign) > best_g:
                    best_g, best = _g_lo(pf, e, sign), e
        if refined:
            key, split = _stretch(t, pf, pi, a, b, run_k[r], sign, not limited, seg_u, off[r], f0, lon, lat)
            if key > best_g + tol and key >= cutoff:
                h_size = _heap_push(h_key, h_entry, h_split, h_size, key, a, b, split)
            continue
        if length <= MIN_STRETCH_M:
            residual = max(residual, key)
            continue
        # split
        pf, pi = _grow(pf, n_pts + 1), _grow(pi, n_pts + 1)
        m = n_pts
        n_pts += 1
        pi[m, RUN] = r
        pf[m, U] = split
        _place(pf, pi, m, off, seg_u, seg_az, f0, r_s0[r_lo + r], r_f1[r_lo + r], lon, lat, alt, seg_len, last,
               floor, ceiling)
        near = a if pf[a, DHI] + (split - pf[a, U]) <= pf[b, DHI] + (pf[b, U] - split) else b
        d_hi = pf[near, DHI] + abs(split - pf[near, U])  # 1-Lipschitz
        pf[m, DLO], pf[m, DHI], pi[m, PIECE] = geodesic_bracket(
            t, pf[m, X], pf[m, Y], pf[m, Z], d_hi, max(0.0625 * length, 0.25 * tol), pi[near, PIECE], stack, bounds)
        if pi[m, PIECE] < 0:
            pi[m, PIECE] = pi[near, PIECE]
        pi[m, PREC] = COARSE
        evaluations += 1
        if _g_lo(pf, m, sign) > best_g:
            _refine(t, pf, pi, m, sign, tol, 0.0, stack, bounds)
            evaluations += 1
            if _g_lo(pf, m, sign) > best_g:
                best_g, best = _g_lo(pf, m, sign), m
        for c0, c1 in ((a, m), (m, b)):
            ck, cs = _stretch(t, pf, pi, c0, c1, run_k[r], sign, not limited, seg_u, off[r], f0, lon, lat)
            if ck < cutoff:
                residual = max(residual, ck)
            elif ck > best_g + tol:
                h_key, h_entry, h_split = _grow(h_key, h_size + 1), _grow(h_entry, h_size + 1), \
                    _grow(h_split, h_size + 1)
                h_size = _heap_push(h_key, h_entry, h_split, h_size, ck, c0, c1, cs)
    bound = max(best_g + tol, residual)
    if best < 0:
        return -math.inf, bound, -1, 0.0, 0.0, evaluations
    return best_g, bound, pi[best, FIX], pf[best, S], pf[best, V], evaluations


@nb.njit(cache=True)
def _place(pf, pi, i, off, seg_u, seg_az, f0, s0, f1, lon, lat, alt, seg_len, last, floor,
           ceiling):  # pragma: no cover - compiled
    """Segment, position, Earth-centred coordinates and vertical distance of point i (from its u)."""
    r = pi[i, RUN]
    u = pf[i, U]
    lo, hi = 0, f1 - f0
    while lo < hi:  # the last segment starting at or before u
        mid = (lo + hi + 1) // 2
        if seg_u[off[r] + mid] <= u:
            lo = mid
        else:
            hi = mid - 1
    k = lo
    fix = f0 + k
    s = u - seg_u[off[r] + k] + (s0 if k == 0 else 0.0)
    s = min(max(s, 0.0), seg_len[fix]) if fix < last[fix] else 0.0
    pi[i, FIX], pf[i, S] = fix, s
    if s <= 0.0:
        x, y = lon[fix], lat[fix]
    elif s >= seg_len[fix]:
        x, y = lon[fix + 1], lat[fix + 1]
    else:
        az = seg_az[off[r] + k]
        if math.isnan(az):
            _, az = inverse(lon[fix], lat[fix], lon[fix + 1], lat[fix + 1])
            seg_az[off[r] + k] = az
        x, y = direct(lon[fix], lat[fix], az, s)
        x = (x + 180.0) % 360.0 - 180.0
    pf[i, LON], pf[i, LAT] = x, y
    pf[i, X], pf[i, Y], pf[i, Z] = ecef(x, y)
    pf[i, V] = _vertical(alt, seg_len, last, fix, s, floor, ceiling)


@nb.njit(cache=True)
def _refine(t, pf, pi, i, sign, tol, enough, stack, bounds):  # pragma: no cover - compiled
    """Narrow point i's bracket: a fine chord search, then (if still wider than a quarter of the
    tolerance and of ``enough``) the geodesic measure of the candidate pieces."""
    goal = max(0.25 * tol, enough)
    if pi[i, PREC] < FINE:
        lo, hi, p = geodesic_bracket(t, pf[i, X], pf[i, Y], pf[i, Z], pf[i, DHI], FINE_WIDTH_M, pi[i, PIECE],
                                     stack, bounds)
        pf[i, DLO], pf[i, DHI] = max(pf[i, DLO], lo), min(pf[i, DHI], hi)
        if p >= 0:
            pi[i, PIECE] = p
        pi[i, PREC] = FINE
    if pi[i, PREC] < EXACT and _g_hi(pf, i, sign) - _g_lo(pf, i, sign) > goal:
        lo, hi, p = exact_bracket(t, pf[i, LON], pf[i, LAT], pf[i, X], pf[i, Y], pf[i, Z], pf[i, DHI] + 1e-6,
                                  stack)
        pf[i, DLO], pf[i, DHI] = max(pf[i, DLO], lo), min(pf[i, DHI], hi)
        if p >= 0:
            pi[i, PIECE] = p
        pi[i, PREC] = EXACT


@nb.njit(cache=True)
def _search_all(t, lon, lat, alt, seg_len, last, r_f0, r_s0, r_f1, r_s1, item_start, sign, floor, ceiling, cutoff,
                tol, out_g, out_bound, out_fix, out_s, out_v, out_evals):  # pragma: no cover - compiled
    """:func:`_search_item` for every item (runs ``item_start[i] .. item_start[i + 1] - 1``)."""
    for i in range(len(item_start) - 1):
        g, bound, fix, s, v, ev = _search_item(t, lon, lat, alt, seg_len, last, r_f0, r_s0, r_f1, r_s1,
                                               item_start[i], item_start[i + 1], sign, floor, ceiling, cutoff, tol)
        out_g[i], out_bound[i], out_fix[i], out_s[i], out_v[i], out_evals[i] = g, bound, fix, s, v, ev


def search(t, lon, lat, alt, seg_len, last, r_f0, r_s0, r_f1, r_s1, item_start, sign, floor, ceiling, cutoff, tol,
           out_g, out_bound, out_fix, out_s, out_v, out_evals) -> None:
    """Branch and bound for every item; results written to the ``out_*`` arrays (see
    :func:`_search_item`)."""
    _search_all(t, lon, lat, alt, seg_len, last, r_f0, r_s0, r_f1, r_s1, item_start, sign, floor, ceiling, cutoff, tol,
                out_g, out_bound, out_fix, out_s, out_v, out_evals)
