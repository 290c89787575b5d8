"""Seeded random streams: one per source of randomness, all spawned from the replication seed.

Why named streams: a scenario that changes one lever must not shift the random numbers that any
other part of the model sees, so that a baseline and a scenario run with the same seed meet the
same people and the same crises (common random numbers) and their paired differences are tight.
Each stream is a numpy ``Generator`` on a ``SeedSequence(seed, spawn_key=(crc32(name),))``: the
same (seed, name) always gives the same numbers, whatever else the model draws or how many
worker processes run replications.
"""

from __future__ import annotations

import math
import zlib

import numpy as np
from scipy.special import ndtr

_BUFFER = 4096


def stream(seed: int, name: str) -> np.random.Generator:
    """The generator for one named source of randomness in the replication with this seed."""
    key = zlib.crc32(name.encode("utf-8"))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(key,))))


class BufferedStream:
    """Scalar draws served from numpy blocks: the simulation loop asks for one number at a time,
    and one numpy call per number would dominate the run time."""

    __slots__ = ("_rng", "_uniforms", "_u_pos", "_normals", "_n_pos")

    def __init__(self, rng: np.random.Generator) -> None:
        self._rng = rng
        self._uniforms: list[float] = []
        self._u_pos = 0
        self._normals: list[float] = []
        self._n_pos = 0

    def uniform(self) -> float:
        if self._u_pos >= len(self._uniforms):
            self._uniforms = self._rng.random(_BUFFER).tolist()
            self._u_pos = 0
        value = self._uniforms[self._u_pos]
        self._u_pos += 1
        return value

    def normal(self) -> float:
        if self._n_pos >= len(self._normals):
            self._normals = self._rng.standard_normal(_BUFFER).tolist()
            self._n_pos = 0
        value = self._normals[self._n_pos]
        self._n_pos += 1
        return value

    def exponential(self, mean: float) -> float:
        return -mean * math.log1p(-self.uniform())

    def integer(self, high: int) -> int:
        """A uniform integer in [0, high)."""
        return min(int(self.uniform() * high), high - 1)


class Duration:
    """A duration distribution from a scenario :class:`~dorothy_sim.scenario.LogNormal`, sampled
    from a standard normal (or uniform for the exponential case) supplied by the caller, so the
    caller decides which stream, and so which common random number, drives it."""

    __slots__ = ("mean", "mu", "sigma", "exponential", "max", "fixed")

    def __init__(self, spec) -> None:  # spec: scenario.LogNormal
        self.mean = spec.mean
        self.mu = spec.mu
        self.sigma = spec.sigma
        self.exponential = spec.exponential
        self.max = spec.max if spec.max is not None else math.inf
        self.fixed = (spec.cv == 0.0) and not spec.exponential

    def from_normal(self, z: float) -> float:
        """The quantile of this duration at the standard-normal draw ``z``."""
        if self.fixed:
            return min(self.mean, self.max)
        if self.exponential:
            # Map z to a uniform through the normal CDF so the exponential also uses the draw.
            u = 0.5 * math.erfc(-z / math.sqrt(2.0))
            return min(-self.mean * math.log1p(-min(u, 1.0 - 1e-16)), self.max)
        return min(math.exp(self.mu + self.sigma * z), self.max)

    def from_normals(self, z: np.ndarray) -> np.ndarray:
        """:meth:`from_normal` for an array of draws at once (the same quantiles)."""
        if self.fixed:
            return np.full(z.shape, min(self.mean, self.max))
        if self.exponential:
            u = np.minimum(ndtr(z), 1.0 - 1e-16)
            return np.minimum(-self.mean * np.log1p(-u), self.max)
        return np.minimum(np.exp(self.mu + self.sigma * z), self.max)

    def length_biased(self, z: float) -> float:
        """A draw from the length-biased distribution (density proportional to x f(x)): the
        duration of the episode a random instant falls in. For a lognormal that is the lognormal
        with mu + sigma^2, exactly; fixed and exponential durations use their own draw, an
        approximation only for the exponential."""
        if self.fixed or self.exponential:
            return self.from_normal(z)
        return min(math.exp(self.mu + self.sigma ** 2 + self.sigma * z), self.max)
