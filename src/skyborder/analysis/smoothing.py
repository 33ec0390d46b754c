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
small ``q`` (strong smoothing), a turning one a large ``q``. The likelihood and
:meth:`PathPosterior.mean_and_covariance` use the dense covariance of the window's fixes (a few
hundred at most); drawing paths at many times uses the same model's state-space form, whose
precision is banded (:meth:`PathPosterior.sample`), so its cost is linear in the number of times.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg import cho_factor, cho_solve, cho_solve_banded, cholesky_banded
from scipy.linalg.lapack import dtbtrs

__all__ = ["Q_DEFAULT", "Q_GRID", "PathPosterior", "iwp_covariance"]

Q_GRID = np.logspace(-3.0, 4.0, 29)  # m^2/s^3, four values per decade
Q_DEFAULT = 10.0  # m^2/s^3, used when a window has too few fixes to estimate q
JITTER = 1e-9  # relative diagonal loading of covariances before Cholesky


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
        times, obs_index = np.unique(np.r_[self.t, tq], return_inverse=True)
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
        m = len(times)
        band = np.zeros((4, 2 * m))  # lower band storage: band[i, j] = Lambda[j + i, j]
        dt = np.diff(times)
        if m > 1:
            q3, q2, q1 = self.q * dt ** 3 / 3.0, self.q * dt ** 2 / 2.0, self.q * dt
            det = q3 * q1 - q2 * q2
            a, b, c = q1 / det, -q2 / det, q3 / det  # Q^-1 = [[a, b], [b, c]]
            # (s1 - F s0)^T Q^-1 (s1 - F s0), F = [[1, dt], [0, 1]]: blocks of s0 s0, s1 s1, s1 s0
            p0, v0, p1 = 2 * np.arange(m - 1), 2 * np.arange(m - 1) + 1, 2 * np.arange(1, m)
            ftqf = (a, a * dt + b, a * dt * dt + 2 * b * dt + c)  # (pp, vp, vv) of F^T Q^-1 F
            np.add.at(band[0], p0, ftqf[0])
            np.add.at(band[1], p0, ftqf[1])
            np.add.at(band[0], v0, ftqf[2])
            np.add.at(band[0], p1, a)
            np.add.at(band[1], p1, b)
            np.add.at(band[0], p1 + 1, c)
            # -Q^-1 F: rows (p1, v1) x columns (p0, v0)
            np.add.at(band[2], p0, -a)              # (p1, p0)
            np.add.at(band[1], v0, -(a * dt + b))   # (p1, v0)
            np.add.at(band[3], p0, -b)              # (v1, p0)
            np.add.at(band[2], v0, -(b * dt + c))   # (v1, v0)
        weight = 1.0 / self.sigma ** 2
        np.add.at(band[0], 2 * at_fix, weight)
        rhs = np.zeros((2 * m, 2))
        np.add.at(rhs, 2 * at_fix, self.xy * weight[:, None])
        if not self.linear:  # a single fix: no velocity to learn; a weak prior keeps the system definite
            band[0, 1::2] += 1e-12
        factor = cholesky_banded(band, lower=True, check_finite=False)
        return factor, cho_solve_banded((factor, True), rhs, check_finite=False)


def reml_log_likelihood(t: np.ndarray, xy: np.ndarray, sigma: np.ndarray, grid: np.ndarray = Q_GRID) -> np.ndarray:
    """Restricted log-likelihood of both axes' fixes for each ``q`` of ``grid`` (up to a constant)."""
    H = _basis(t)
    out = np.empty(len(grid))
    for k, q in enumerate(grid):
        C = iwp_covariance(t, t, float(q)) + np.diag(sigma ** 2)
        C[np.diag_indices_from(C)] += JITTER * np.mean(np.diag(C))
        factor = cho_factor(C, lower=True)
        CiH = cho_solve(factor, H)
        A = H.T @ CiH
        Ciy = cho_solve(factor, xy)
        proj = Ciy - CiH @ np.linalg.solve(A, H.T @ Ciy)
        quad = float(np.sum(xy * proj))
        logdet_c = 2.0 * float(np.sum(np.log(np.diag(factor[0]))))
        logdet_a = float(np.linalg.slogdet(A)[1])
        out[k] = -0.5 * (quad + 2.0 * logdet_c + 2.0 * logdet_a)
    return out
