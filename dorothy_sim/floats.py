"""Float arithmetic that gives the same bits on every supported Python.

Why: Python 3.12 made the built-in ``sum()`` of floats compensated (Neumaier), so ``sum()`` of the
same numbers can end in a different last bit on Python 3.11 and on 3.12+. The model's tables are
pinned to the bit (tests/test_pinned.py) and a seed must reproduce them on any supported Python:
measured, the default cost total differed in its last bit between 3.11.7 and 3.13.0. Sums that feed
the simulation or its tables therefore add left to right, as ``sum()`` did up to 3.11.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable
from functools import reduce
from itertools import accumulate


def sum_left_to_right(values: Iterable[float]) -> float:
    """``values`` added one after another from 0 (what ``sum()`` computed up to Python 3.11)."""
    return reduce(operator.add, values, 0)


def running_sums(values: Iterable[float]) -> list[float]:
    """The running sums of ``values``, each added left to right: the same bits on every Python."""
    return list(accumulate(values, operator.add))
