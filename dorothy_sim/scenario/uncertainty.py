"""The scenario's ``[uncertainty]`` table: a probability distribution, with its evidence, for each
effect size or unit cost that is not known exactly.

Keys are dotted paths of scenario inputs (``"falls_prevention.falls_rate_ratio"``); values are one
of the distributions below, each with a ``source`` saying where it comes from. A probabilistic
sensitivity analysis (:mod:`dorothy_sim.psa`) draws parameter sets from them; a single run uses the
point values in the sections and ignores this table.

Rules, each refused naming the field (exit 2 on the command line):

- the key must name a number of a section (not a count or capacity: those are decisions, not
  uncertain inputs);
- a distribution's own parameters must make sense (a beta's mean inside (0, 1), a range whose low
  end is below its high end, ...);
- the distribution's 0.05% and 99.95% quantiles must both be values the input allows (a cost range
  reaching below zero, a probability above 1, ...). Draws are clipped to those quantiles, so every
  draw is a valid scenario.

Why a module of its own: the schema (:mod:`.schema`) holds the model's sections; this table reads
them all.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, BeforeValidator, Field, PlainSerializer, ValidationError, model_validator
from scipy import stats

from dorothy_sim.scenario.schema import FieldRule, Frozen, FrozenDict, _Section

__all__ = ["FIELDS", "PARAMETERS", "TAIL", "Distribution", "check"]

TAIL = 0.0005
"""Draws are clipped to the distribution's ``TAIL`` and ``1 - TAIL`` quantiles, which must both be
values the input allows."""

Finite = Annotated[float, Field(allow_inf_nan=False)]
PositiveFinite = Annotated[float, Field(gt=0.0, allow_inf_nan=False)]
Z95 = 1.959963984540054

PARAMETERS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "beta": (("mean", "sd"), ()),
    "lognormal": (("median",), ("low", "high", "sigma")),
    "normal": (("mean", "sd"), ()),
    "gamma": (("mean", "sd"), ()),
    "uniform": (("low", "high"), ()),
    "triangular": (("low", "mode", "high"), ()),
}
"""Each kind of distribution: its required parameters, and its optional ones."""


class Distribution(_Section):
    """One uncertain input's distribution and its evidence.

    - ``beta``: a proportion or a relative reduction, ``mean`` in (0, 1) and ``sd``;
    - ``lognormal``: a ratio or a positive quantity, ``median`` and the 95% interval ``low``-``high``
      (a published rate ratio and its confidence interval: the log-scale sd is the interval's log
      width / (2 x 1.96)), or ``sigma`` (the log-scale sd) instead of the interval;
    - ``normal``: ``mean`` and ``sd``;
    - ``gamma``: a cost or another positive quantity, ``mean`` and ``sd``;
    - ``uniform``: a guess with bounds only, ``low`` to ``high``;
    - ``triangular``: a guess with bounds and a most likely value, ``low``, ``mode``, ``high``.
    """

    dist: Literal["beta", "lognormal", "normal", "gamma", "uniform", "triangular"]
    source: Annotated[str, Field(min_length=3)]
    """The evidence: a tag as in the TOML (``[pub ...]``, ``[seed NNN]``, ``[est] range ...``)."""
    mean: Finite | None = None
    sd: PositiveFinite | None = None
    median: PositiveFinite | None = None
    sigma: PositiveFinite | None = None
    low: Finite | None = None
    mode: Finite | None = None
    high: Finite | None = None

    @model_validator(mode="after")
    def _parameters_fit_the_kind(self) -> Distribution:
        required, optional = PARAMETERS[self.dist]
        for name in required:
            if getattr(self, name) is None:
                raise FieldRule((name,), f"a {self.dist} distribution needs {', '.join(required)}")
        given = {name for name in ("mean", "sd", "median", "sigma", "low", "mode", "high")
                 if getattr(self, name) is not None}
        extra = sorted(given - set(required) - set(optional))
        if extra:
            raise FieldRule((extra[0],), (
                f"a {self.dist} distribution takes {', '.join(required + optional)}, not {', '.join(extra)}"))
        getattr(self, f"_check_{self.dist}")()
        return self

    def _check_beta(self) -> None:
        mean, sd = self.mean, self.sd
        assert mean is not None and sd is not None
        if not 0.0 < mean < 1.0:
            raise FieldRule(("mean",), f"a beta's mean must be between 0 and 1 (exclusive), not {mean:g}")
        limit = math.sqrt(mean * (1.0 - mean))
        if sd >= limit:
            raise FieldRule(("sd",), (
                f"a beta with mean {mean:g} has a standard deviation below {limit:.4g} "
                f"(sqrt(mean x (1 - mean))); {sd:g} is not possible"))

    def _check_lognormal(self) -> None:
        interval = (self.low, self.high)
        if self.sigma is None and None in interval:
            missing = "low" if self.low is None and self.high is not None else (
                "high" if self.high is None and self.low is not None else "sigma")
            raise FieldRule((missing,), "give the 95% interval (low and high) or sigma")
        if self.sigma is not None and interval != (None, None):
            raise FieldRule(("sigma",), "give either the 95% interval (low and high) or sigma, not both")
        if self.low is not None and self.high is not None and not 0 < self.low < self.median < self.high:
            raise FieldRule(("low",), (
                f"the interval {self.low:g}-{self.high:g} must hold the median {self.median:g} "
                "(0 < low < median < high)"))

    def _check_normal(self) -> None:
        pass

    def _check_gamma(self) -> None:
        if self.mean is not None and self.mean <= 0:
            raise FieldRule(("mean",), f"a gamma's mean must be above 0, not {self.mean:g}")

    def _check_ordered(self) -> None:
        """``low`` below ``high`` (named: a negative high, else low, is the likelier slip)."""
        low, high = self.low, self.high
        assert low is not None and high is not None
        if not low < high:
            raise FieldRule(("high" if high < 0 else "low",), f"low ({low:g}) must be below high ({high:g})")

    def _check_uniform(self) -> None:
        self._check_ordered()

    def _check_triangular(self) -> None:
        self._check_ordered()
        low, mode, high = self.low, self.mode, self.high
        assert low is not None and mode is not None and high is not None
        if not low <= mode <= high:
            raise FieldRule(("mode",), f"the mode ({mode:g}) must be from low ({low:g}) to high ({high:g})")

    def frozen(self) -> Any:
        """The scipy.stats distribution."""
        if self.dist == "beta":
            common = self.mean * (1.0 - self.mean) / self.sd ** 2 - 1.0
            return stats.beta(self.mean * common, (1.0 - self.mean) * common)
        if self.dist == "lognormal":
            sigma = self.sigma if self.sigma is not None else (
                math.log(self.high) - math.log(self.low)) / (2.0 * Z95)
            return stats.lognorm(s=sigma, scale=self.median)
        if self.dist == "normal":
            return stats.norm(self.mean, self.sd)
        if self.dist == "gamma":
            shape = (self.mean / self.sd) ** 2
            return stats.gamma(shape, scale=self.mean / shape)
        if self.dist == "uniform":
            return stats.uniform(self.low, self.high - self.low)
        width = self.high - self.low
        return stats.triang((self.mode - self.low) / width, loc=self.low, scale=width)

    def support(self) -> tuple[float, float]:
        """The range every draw falls in: the ``TAIL`` and ``1 - TAIL`` quantiles (the ends, for a
        bounded guess)."""
        if self.dist in ("uniform", "triangular"):
            return float(self.low), float(self.high)
        dist = self.frozen()
        return float(dist.ppf(TAIL)), float(dist.ppf(1.0 - TAIL))

    def blame(self, bound: float) -> str:
        """The parameter that sets an end of the range: ``low`` or ``high`` where given, else the
        centre (``mean`` or ``median``)."""
        low, _ = self.support()
        end = self.low if bound == low else self.high
        if end is not None and self.dist != "lognormal":
            return "low" if bound == low else "high"
        return "median" if self.dist == "lognormal" else "mean"

    def ppf(self, u: Any) -> Any:
        """The quantiles at ``u`` (values in [0, 1]), clipped to :meth:`support`."""
        low, high = self.support()
        return np.clip(self.frozen().ppf(u), low, high)

    def expected(self) -> float:
        """The distribution's mean."""
        return float(self.frozen().mean())


def _flat(value: Any) -> Any:
    """``{"costs": {"acute_bed_day": {...}}}`` and ``{"costs.acute_bed_day": {...}}`` alike ->
    ``{"costs.acute_bed_day": {...}}``: a table of tables is a level of the path, any other table a
    distribution (so one missing its ``dist`` is reported as that)."""
    if not isinstance(value, dict):
        return value
    flat: dict[str, Any] = {}

    def walk(node: dict[str, Any], prefix: str) -> None:
        for key, child in node.items():
            path = f"{prefix}{key}"
            if isinstance(child, dict) and child and all(isinstance(v, dict) for v in child.values()):
                walk(child, f"{path}.")
            else:
                if path in flat:
                    raise FieldRule((path,), "is given twice (as a dotted key and as a table)")
                flat[path] = child

    walk(value, "")
    return flat


def _nested(value: dict[str, Any]) -> dict[str, Any]:
    """The flat table as nested tables (how a scenario is dumped, so every leaf has a dotted path)."""
    nested: dict[str, Any] = {}
    for path, dist in value.items():
        node = nested
        *parents, last = path.split(".")
        for key in parents:
            node = node.setdefault(key, {})
        node[last] = (dist.model_dump(mode="python", exclude_none=True) if isinstance(dist, BaseModel)
                      else dist)
    return nested


Uncertainty = Annotated[Frozen(dict[str, Distribution]), BeforeValidator(_flat), PlainSerializer(_nested)]

FIELDS: dict[str, Any] = {
    "uncertainty": (Uncertainty, Field(default_factory=FrozenDict)),
}
"""The scenario's field for uncertain inputs (the scenario schema adds it): keyed by dotted path."""


def check(scenario: Any) -> Any:
    """Each uncertain input names a number of a section, and its distribution's range is allowed
    there (a model validator of the scenario)."""
    for path, dist in scenario.uncertainty.items():
        where = f"uncertainty.{path}"
        section, field = _section_and_field(scenario, path, where)
        for bound in dist.support():
            try:
                type(section).model_validate({**section.model_dump(mode="python"), field: bound})
            except ValidationError as exc:
                reason = exc.errors()[0]["msg"]
                raise FieldRule((f"{where}.{dist.blame(bound)}",), (
                    f"the {dist.dist} distribution reaches {bound:.6g} (an end of its range, or its "
                    f"{TAIL:.2%} or {1 - TAIL:.2%} quantile), which {path} does not allow: "
                    f"{reason}")) from None
    return scenario


def _section_and_field(scenario: Any, path: str, where: str) -> tuple[BaseModel, str]:
    """The section holding ``path`` and the field's name in it; an unknown path, a path to a
    table, a count or a text is refused."""
    *parents, field = path.split(".")
    node: Any = scenario
    for key in parents:
        node = node.get(key) if isinstance(node, dict) else getattr(node, key, None)
        if node is None:
            break
    value = getattr(node, field, None) if isinstance(node, BaseModel) else None
    if not isinstance(node, BaseModel) or field not in type(node).model_fields:
        raise FieldRule((where,), (
            f"names unknown input {path!r}: give the dotted path of a number in the scenario "
            "(`dorothy show` prints them), e.g. \"falls_prevention.falls_rate_ratio\""))
    if isinstance(value, bool) or not isinstance(value, float):
        raise FieldRule((where,), (
            f"{path} is {value!r}, not a real number: only effect sizes, probabilities, durations and "
            "unit costs can be uncertain (counts and capacities are decisions)"))
    return node, field
