"""Where the aircraft really was, given noisy fixes: a Gaussian-process posterior over its path.

Model (each horizontal axis of a local plane separately, the same for both):

- the true position is a *nearly-constant-velocity* motion: an integrated Wiener process (white
  acceleration noise of spectral density ``q``, m^2/s^3) plus a straight constant-velocity line
  whose start and velocity are unknown (a flat prior on them). Its covariance, for times
  ``0 <= s <= t`` from the window's start, is ``q s^2 (3 t - s) / 6``;
- each fix reports the true position plus an independent Gaussian error of standard deviation
  ``sigma_i`` (m) per axis (``analysis.position_error``).

The posterior is then Gaussian (Rasmussen & Williams, *Gaussian Processes for Machine Learning*,
2006, §2.7, with a vague prior on the linear part), and ``q`` is chosen per window by maximising
the restricted (REML) likelihood over a logarithmic grid ``Q_GRID`` - a straight flight gets a
small ``q`` (strong smoothing), a turning one a large ``q``. The likelihood and the drawing of
paths use the model's state-space form (position and velocity at each time), whose precision is
banded, so their cost is linear in the number of fixes and times; drawn states lie on a 20 ms grid
so that fixes milliseconds apart keep the system well scaled. :meth:`PathPosterior.mean_and_covariance`
gives the same posterior from the dense covariance of the fixes (for a few times).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg import cho_factor, cho_solve, cho_solve_banded, cholesky_banded
from scipy.linalg.lapack import dtbtrs

__all__ = ["Q_DEFAULT", "Q_GRID", "PathPosterior", "iwp_covariance"]

Q_GRID = np.logspace(-2.0, 4.0, 25)  # m^2/s^3, four values per decade
Q_DEFAULT = 10.0  # m^2/s^3, used when a window has too few fixes to estimate q
JITTER = 1e-9  # relative diagonal loading of covariances before Cholesky
MIN_STATE_GAP_S = 0.02  # drawn states lie on a grid of this step (s): fixes 1 ms apart share one


def iwp_covariance(s: np.ndarray, t: np.ndarray, q: float) -> np.ndarray:
    """Covariance (m^2) of an integrated Wiener process at times ``s`` and ``t`` (s, >= 0).

    Examples
    --------
    >>> float(iwp_covariance(np.array([2.0]), np.array([2.0]), 3.0)[0, 0])  # q t^3 / 3
    8.0
    """
    lo = np.minimum(s[:, None], t[None, :])
    hi = np.maximum(s[:, None], t[None, :])
    return q * lo * lo * (3.0 * hi - lo) / 6.0


def _basis(t: np.ndarray, linear: bool = True) -> np.ndarray:
    """The unknown straight motion: position and velocity (position only for a single fix)."""
    return np.column_stack([np.ones_like(t), t]) if linear else np.ones((len(t), 1))


@dataclass
class PathPosterior:
    """Fixes at times ``t`` (s from the window start), plane positions ``xy`` (n, 2) m, error
    ``sigma`` (n,) m per axis, and the motion's ``q`` (m^2/s^3)."""

    t: np.ndarray
    xy: np.ndarray
    sigma: np.ndarray
    q: float

    @property
    def linear(self) -> bool:
        """Whether the fixes span time, so a velocity can be fitted."""
        return bool(np.ptp(self.t) > 0)

    @classmethod
    def fit(cls, t: np.ndarray, xy: np.ndarray, sigma: np.ndarray, q: float | None = None) -> PathPosterior:
        """The posterior with ``q`` given, or chosen by REML over ``Q_GRID`` (``Q_DEFAULT`` when
        there are fewer than four fixes)."""
        if q is None:
            q = Q_DEFAULT if len(t) < 4 else float(Q_GRID[int(np.argmax(reml_log_likelihood(t, xy, sigma)))])
        return cls(t, xy, sigma, q)

    def _solve(self):
        C = iwp_covariance(self.t, self.t, self.q) + np.diag(self.sigma ** 2)
        C[np.diag_indices_from(C)] += JITTER * np.mean(np.diag(C))
        factor = cho_factor(C, lower=True)
        H = _basis(self.t, self.linear)
        CiH = cho_solve(factor, H)
        A = H.T @ CiH
        beta = np.linalg.solve(A, CiH.T @ self.xy)  # (2, 2): the linear part of each axis
        return factor, H, CiH, A, beta

    def mean_and_covariance(self, tq: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Posterior mean (m, 2) of the positions at query times ``tq`` (s) and their covariance
        (m, m) per axis (m^2, the same for both axes)."""
        factor, H, _, A, beta = self._solve()
        Ks = iwp_covariance(self.t, tq, self.q)
        Hs = _basis(tq, self.linear)
        resid = cho_solve(factor, self.xy - H @ beta)
        mean = Ks.T @ resid + Hs @ beta
        CiKs = cho_solve(factor, Ks)
        R = Hs.T - H.T @ CiKs
        cov = iwp_covariance(tq, tq, self.q) - Ks.T @ CiKs + R.T @ np.linalg.solve(A, R)
        return mean, 0.5 * (cov + cov.T)

    def sample(self, tq: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
        """``count`` paths drawn from the posterior at times ``tq`` (s, increasing): an array
        (count, m, 2) of plane positions (m).

        Drawn in the model's state-space form (position and velocity at the fixes' and the query
        times; the prior's precision is block-tridiagonal), so the cost grows linearly with the
        number of times: a banded Cholesky factor of the posterior precision, one banded solve for
        the mean and one banded triangular solve for the draws of both axes.
        """
        times, obs_index = _state_times(np.r_[self.t, tq])
        factor, mean = self._state_posterior(times, obs_index[:len(self.t)])
        query = 2 * obs_index[len(self.t):]  # position entries of the query times
        # x = L^-T z has covariance (L L^T)^-1, the posterior covariance: one banded triangular
        # solve for both axes' draws at once
        z = rng.standard_normal((factor.shape[1], 2 * count))
        noise, info = dtbtrs(factor, z, uplo="L", trans="T", overwrite_b=1)
        if info != 0:
            raise np.linalg.LinAlgError(f"banded triangular solve failed (info {info})")
        draws = np.empty((count, len(tq), 2))
        for axis in range(2):
            draws[:, :, axis] = noise[query, axis * count:(axis + 1) * count].T + mean[query, axis][None, :]
        return draws

    def _state_posterior(self, times: np.ndarray, at_fix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Banded Cholesky factor (lower band storage, 4 rows) of the posterior precision of the
        states (position, velocity) at ``times``, and the posterior mean (2 M, 2) of both axes."""
        band, rhs = _posterior_band(times, at_fix, self.xy, self.sigma, self.q, self.linear)
        factor = _banded_cholesky(band)
        return factor, cho_solve_banded((factor, True), rhs, check_finite=False)


def _prior_band(times: np.ndarray, q: float) -> np.ndarray:
    """The prior precision of the states (position, velocity) at ``times`` in lower band storage
    (``band[i, j] = Lambda[j + i, j]``): the sum over steps of ``(s1 - F s0)^T Q^-1 (s1 - F s0)``
    with ``F = [[1, dt], [0, 1]]`` and ``Q = q [[dt^3/3, dt^2/2], [dt^2/2, dt]]``; nothing on the
    first state (its prior is flat)."""
    m = len(times)
    band = np.zeros((4, 2 * m))
    if m < 2:
        return band
    dt = np.diff(times)
    q3, q2, q1 = q * dt ** 3 / 3.0, q * dt ** 2 / 2.0, q * dt
    det = q3 * q1 - q2 * q2
    a, b, c = q1 / det, -q2 / det, q3 / det  # Q^-1 = [[a, b], [b, c]]
    p0, v0, p1 = 2 * np.arange(m - 1), 2 * np.arange(m - 1) + 1, 2 * np.arange(1, m)
    np.add.at(band[0], p0, a)                                # F^T Q^-1 F: (p0, p0)
    np.add.at(band[1], p0, a * dt + b)                       # (v0, p0)
    np.add.at(band[0], v0, a * dt * dt + 2 * b * dt + c)     # (v0, v0)
    np.add.at(band[0], p1, a)                                # Q^-1: (p1, p1)
    np.add.at(band[1], p1, b)                                # (v1, p1)
    np.add.at(band[0], p1 + 1, c)                            # (v1, v1)
    np.add.at(band[2], p0, -a)                               # -Q^-1 F: (p1, p0)
    np.add.at(band[1], v0, -(a * dt + b))                    # (p1, v0)
    np.add.at(band[3], p0, -b)                               # (v1, p0)
    np.add.at(band[2], v0, -(b * dt + c))                    # (v1, v0)
    return band


def _posterior_band(times: np.ndarray, at_fix: np.ndarray, xy: np.ndarray, sigma: np.ndarray, q: float,
                    linear: bool) -> tuple[np.ndarray, np.ndarray]:
    """The posterior precision (band) and the right-hand side ``H^T R^-1 y`` (2 M, 2) of fixes
    ``xy`` with errors ``sigma`` observed at states ``at_fix``."""
    band = _prior_band(times, q)
    weight = 1.0 / sigma ** 2
    np.add.at(band[0], 2 * at_fix, weight)
    rhs = np.zeros((2 * len(times), 2))
    np.add.at(rhs, 2 * at_fix, xy * weight[:, None])
    if not linear:  # a single fix: no velocity to learn; a weak prior keeps the system definite
        band[0, 1::2] += 1e-12
    return band, rhs


def _banded_cholesky(band: np.ndarray) -> np.ndarray:
    try:
        return cholesky_banded(band, lower=True, check_finite=False)
    except np.linalg.LinAlgError:  # rounding on a badly scaled system: load the diagonal a little
        loaded = band.copy()
        loaded[0] += JITTER * np.max(band[0])
        return cholesky_banded(loaded, lower=True, check_finite=False)


def _state_times(t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct state times of a draw and the state of each given time: times are put on a grid
    of ``MIN_STATE_GAP_S`` (moved by at most half of it, 10 ms), which keeps the prior's precision
    (~1 / (q dt^3)) well scaled when fixes come milliseconds apart."""
    snapped = np.round(t / MIN_STATE_GAP_S) * MIN_STATE_GAP_S
    times, index = np.unique(snapped, return_inverse=True)
    return times, index


def reml_log_likelihood(t: np.ndarray, xy: np.ndarray, sigma: np.ndarray, grid: np.ndarray = Q_GRID) -> np.ndarray:
    """Restricted (diffuse) log-likelihood of both axes' fixes for each ``q`` of ``grid``, up to a
    constant, computed in the state-space form in time linear in the number of fixes.

    With states at the fix times, prior precision ``P(q)`` (whose null space, straight constant-
    velocity motion, carries the flat prior), ``L = P + H^T R^-1 H`` and ``b = H^T R^-1 y``:
    ``-1/2 [ log|L| - log|P|+ + y^T R^-1 y - b^T L^-1 b ]`` per axis, where the pseudo-determinant
    ``log|P|+ = -sum_k log|Q_k| + const = -2 (M - 1) log q + const``.
    """
    times, at_fix = _state_times(t)
    linear = len(times) > 1
    out = np.empty(len(grid))
    yy = float(np.sum(xy * xy / (sigma ** 2)[:, None]))
    for k, q in enumerate(grid):
        band, rhs = _posterior_band(times, at_fix, xy, sigma, float(q), linear)
        factor = _banded_cholesky(band)
        mean = cho_solve_banded((factor, True), rhs, check_finite=False)
        logdet = 2.0 * float(np.sum(np.log(factor[0])))
        out[k] = -0.5 * (2.0 * logdet + 4.0 * (len(times) - 1) * np.log(q) + yy - float(np.sum(rhs * mean)))
    return out
