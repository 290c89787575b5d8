"""The statistics of a probabilistic sensitivity analysis, on plain arrays (no model in here).

- :func:`unit_samples`: the design in the unit cube, Sobol (Saltelli's scheme, SALib) or a Latin
  hypercube (scipy.stats.qmc); each row is one parameter set, each column one uncertain input.
- :func:`split_noise`: the variance of the per-set means against the noise left in them after
  common random numbers, so parameter uncertainty is told apart from simulation noise.
- :func:`sensitivity`: Sobol first-order and total indices (SALib, for the Sobol design) or
  partial rank correlation coefficients (PRCC, for any design).
- :func:`ceac`, :func:`evpi`, :func:`evppi`: the decision: the probability that the option is
  worth it at a willingness to pay, the expected value of perfect information, and of perfect
  information about one input (a regression metamodel: the net benefit's expectation given that
  input, fitted by a cubic polynomial in its rank).

Why apart from :mod:`dorothy_sim.psa`: these are the parts with known answers
(``tests/test_psa.py`` checks them on synthetic functions in milliseconds).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from scipy.stats import qmc

__all__ = ["ceac", "evpi", "evppi", "prcc", "sensitivity", "sobol_indices", "split_noise", "unit_samples"]

SAMPLERS = ("sobol", "lhs")


def _problem(names: Sequence[str]) -> dict[str, Any]:
    return {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}


def unit_samples(sampler: str, names: Sequence[str], n: int, seed: int) -> np.ndarray:
    """The design in [0, 1]^d: ``lhs`` gives ``n`` rows; ``sobol`` gives Saltelli's ``n x (d + 2)``
    rows (first-order and total indices, no second order), in SALib's order."""
    if sampler == "lhs":
        return qmc.LatinHypercube(d=len(names), seed=seed).random(n)
    if sampler == "sobol":
        from SALib.sample import sobol as sobol_sample  # imported here: SALib is slow to import

        return sobol_sample.sample(_problem(names), n, calc_second_order=False, scramble=True, seed=seed)
    raise ValueError(f"unknown sampler {sampler!r}; use one of {', '.join(SAMPLERS)}")


def split_noise(per_replication: np.ndarray) -> dict[str, float]:
    """Parameter uncertainty against simulation noise, for ``per_replication``: one row per parameter
    set, one column per replication, every set run with the same seeds (common random numbers).

    A two-way additive fit, value = set effect + replication effect + residual: the replication
    effect is shared by every set (it moves them all alike: uncertainty in the level, not in which
    set is better); the residual is the noise that does separate sets, and it adds its variance / R
    to the variance of the set means. The parameter variance is what remains."""
    values = np.asarray(per_replication, dtype=float)
    sets, reps = values.shape
    means = values.mean(axis=1)
    between = float(means.var(ddof=1)) if sets > 1 else float("nan")
    if reps < 2 or sets < 2:
        return {"var_of_set_means": between, "replication_var": float("nan"), "residual_var": float("nan"),
                "noise_var_of_a_mean": float("nan"), "parameter_var": float("nan"),
                "noise_share_pct": float("nan")}
    residual = values - means[:, None] - values.mean(axis=0)[None, :] + values.mean()
    residual_var = float((residual ** 2).sum() / ((sets - 1) * (reps - 1)))
    noise = residual_var / reps
    share = noise / between if between > 0 else float("nan")
    return {"var_of_set_means": between, "replication_var": float(values.mean(axis=0).var(ddof=1)),
            "residual_var": residual_var, "noise_var_of_a_mean": noise,
            "parameter_var": max(between - noise, 0.0),
            "noise_share_pct": 100.0 * min(share, 1.0) if np.isfinite(share) else float("nan")}


def sobol_indices(names: Sequence[str], y: np.ndarray, seed: int = 0) -> pd.DataFrame:
    """First-order (S1) and total (ST) Sobol indices of ``y`` from a :func:`unit_samples` ``sobol``
    design, with SALib's bootstrap 95% half-widths."""
    from SALib.analyze import sobol as sobol_analyze

    result = sobol_analyze.analyze(_problem(names), np.asarray(y, dtype=float), calc_second_order=False,
                                   seed=seed)
    return pd.DataFrame({"input": list(names), "S1": result["S1"], "S1_conf": result["S1_conf"],
                         "ST": result["ST"], "ST_conf": result["ST_conf"]})


def prcc(x: np.ndarray, y: np.ndarray, names: Sequence[str]) -> pd.DataFrame:
    """Partial rank correlation of ``y`` with each column of ``x``, the others held (linear in
    ranks), with its two-sided p-value."""
    ranks = np.column_stack([stats.rankdata(column) for column in np.asarray(x, dtype=float).T])
    ry = stats.rankdata(np.asarray(y, dtype=float))
    n, d = ranks.shape
    rows = []
    for j in range(d):
        others = np.column_stack([np.ones(n), np.delete(ranks, j, axis=1)])
        res_x = ranks[:, j] - others @ np.linalg.lstsq(others, ranks[:, j], rcond=None)[0]
        res_y = ry - others @ np.linalg.lstsq(others, ry, rcond=None)[0]
        if res_x.std() == 0 or res_y.std() == 0:
            rows.append((names[j], float("nan"), float("nan")))
            continue
        r = float(np.corrcoef(res_x, res_y)[0, 1])
        dof = n - 2 - (d - 1)
        t = r * np.sqrt(max(dof, 1) / max(1.0 - r * r, 1e-12))
        rows.append((names[j], r, float(2.0 * stats.t.sf(abs(t), max(dof, 1)))))
    return pd.DataFrame(rows, columns=["input", "PRCC", "p_value"])


def sensitivity(sampler: str, names: Sequence[str], x: np.ndarray, y: np.ndarray) -> pd.DataFrame:
    """The ranking of the inputs for ``y`` (one value per parameter set, in design order): Sobol
    indices for the Sobol design, PRCC otherwise; ``rank`` 1 is the input that matters most."""
    if sampler == "sobol":
        table = sobol_indices(names, y)
        table["measure"] = table["ST"]
    else:
        table = prcc(x, y, names)
        table["measure"] = table["PRCC"].abs()
    table["rank"] = table["measure"].rank(ascending=False, method="first", na_option="bottom").astype(int)
    return table.sort_values("rank").reset_index(drop=True)


def ceac(effect: np.ndarray, saving: np.ndarray, wtp: Sequence[float]) -> pd.DataFrame:
    """The cost-effectiveness acceptability curve: at each willingness to pay per unit of effect, the
    share of parameter sets whose incremental net benefit (wtp x effect + net saving) is positive,
    and the expected net benefit."""
    effect, saving = np.asarray(effect, dtype=float), np.asarray(saving, dtype=float)
    rows = []
    for value in wtp:
        inb = value * effect + saving
        rows.append({"wtp": float(value), "p_cost_effective": float((inb > 0).mean()),
                     "expected_inb": float(inb.mean()), "evpi": evpi(inb)})
    return pd.DataFrame(rows)


def evpi(inb: np.ndarray) -> float:
    """Expected value of perfect information for a choice between the option (net benefit ``inb``
    over the comparator, per parameter set) and the comparator: E[max(inb, 0)] - max(E[inb], 0)."""
    inb = np.asarray(inb, dtype=float)
    return float(np.maximum(inb, 0.0).mean() - max(float(inb.mean()), 0.0))


def evppi(x: np.ndarray, inb: np.ndarray, degree: int = 3) -> float:
    """Expected value of partial perfect information about one input ``x``: the net benefit's
    expectation given ``x`` is fitted by a polynomial of ``degree`` in x's rank (a regression
    metamodel, GAM-free), then E[max(g, 0)] - max(E[g], 0); never above the EVPI."""
    x, inb = np.asarray(x, dtype=float), np.asarray(inb, dtype=float)
    if np.ptp(x) == 0 or inb.size < degree + 2:
        return 0.0
    rank = (stats.rankdata(x) - 0.5) / x.size
    fitted = np.polynomial.Polynomial.fit(rank, inb, deg=min(degree, inb.size - 2))(rank)
    value = float(np.maximum(fitted, 0.0).mean() - max(float(fitted.mean()), 0.0))
    return float(min(max(value, 0.0), evpi(inb)))
