"""Numbers as text: every way the package and its studies show a number to a person.

Why one module: the board report, the console tables, the validation report and the studies'
READMEs each show numbers in their own style, fixed by the files and output people already read;
kept side by side here, a style is chosen, not re-invented, and a change to one is seen beside the
others. Each style answers "n/a" for a missing or non-finite value.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def _finite(value: Any) -> bool:
    return isinstance(value, int | float | np.number) and math.isfinite(value)


def shared_decimals(*values: Any) -> int:
    """Decimals for numbers shown together: none once the largest reaches 100, else one."""
    largest = max((abs(float(v)) for v in values if _finite(v)), default=0.0)
    return 0 if largest >= 100 else 1


# --------------------------------------------------------------------------- board report


def format_number(value: Any, unit: str = "", digits: int | None = None) -> str:
    """A number as a board report shows it: £ and thousands separators for money, one decimal for
    percentages and small numbers, none for large ones; "n/a" when missing."""
    if not _finite(value):
        return "n/a"
    value = float(value)
    if unit == "GBP":
        whole = round(value) + 0.0  # + 0.0 turns -0.0 into 0.0: no "-£0"
        return f"-£{abs(whole):,.0f}" if whole < 0 else f"£{whole:,.0f}"
    if unit == "%":
        return f"{round(value, 1) + 0.0:.1f}%"
    digits = shared_decimals(value) if digits is None else digits
    return f"{round(value, digits) + 0.0:,.{digits}f}"


def format_estimate(mean: Any, low: Any, high: Any, unit: str = "") -> str:
    """``"12.3 (95% CI -33.2 to 57.9)"``: a mean with its interval, as the headline table shows it.
    The three numbers share their decimals, so "62 (95% CI -9 to 134)" rather than "62.3 (... 134)"."""
    digits = shared_decimals(mean, low, high)
    if not (_finite(low) and _finite(high)):
        return f"{format_number(mean, unit, digits)} (95% CI n/a)"
    return (f"{format_number(mean, unit, digits)} (95% CI {format_number(low, unit, digits)} to "
            f"{format_number(high, unit, digits)})")


# --------------------------------------------------------------------------- console and validation


def format_console(value: float | None) -> str:
    """A KPI in the command line's tables: two decimals below 100, one below 100,000, none above."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if abs(value) >= 1e5:
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:,.1f}"
    return f"{value:.2f}"


def format_validation(value: float) -> str:
    """A target or model value in the validation report: one decimal below 1,000, none above."""
    if not np.isfinite(value):
        return "n/a"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.1f}"


# --------------------------------------------------------------------------- studies' READMEs


def format_study_number(value: float, kind: str = "number") -> str:
    """One number for a study's README: ``count`` (whole numbers), ``beds`` (one decimal), ``pct`` (a
    level in %), ``target`` (a % as given), ``pp`` (a change in percentage points), ``gbp`` (pounds:
    £k, £m) or ``number``."""
    if value is None or not np.isfinite(value):
        return "n/a"
    if float(f"{value:.{2 if kind in ('pct', 'pp', 'gbp') else 1}f}") == 0:
        value = 0.0  # no "-0.0"
    if kind == "count":
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.1f}"
    if kind == "beds":
        return f"{value:,.1f}"
    if kind == "pct":
        return f"{value:.2f}%"
    if kind == "target":
        return f"{value:g}%"
    if kind == "pp":
        return f"{value:.2f} pp"
    if kind == "gbp":
        sign, size = ("-" if value < 0 else ""), abs(value)
        if size >= 1e6:
            return f"{sign}£{size / 1e6:.2f}m"
        if size >= 1e3:
            return f"{sign}£{size / 1e3:.0f}k"
        return f"{sign}£{size:.0f}"
    return f"{value:,.3g}"


def format_study_estimate(mean: float, low: float, high: float, n: int, kind: str = "number") -> str:
    """``x (95% CI a to b)`` in a study's README, or ``x (no CI: n replication(s))`` when there are
    fewer than two replications (no lower bound)."""
    if not np.isfinite(low):
        return f"{format_study_number(mean, kind)} (no CI: {n} replication(s))"
    return (f"{format_study_number(mean, kind)} (95% CI {format_study_number(low, kind)} "
            f"to {format_study_number(high, kind)})")


# --------------------------------------------------------------------------- durations


def format_duration(seconds: float) -> str:
    """A wall or run time in a study's README: seconds below 2 minutes, minutes below 2 hours, hours."""
    if seconds < 120:
        return f"{seconds:.1f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.2f} h"


def format_seconds(seconds: float) -> str:
    """``90`` -> ``1 min 30 s``: how a time limit is echoed back to the user."""
    minutes, rest = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{hours} h" if hours else "", f"{minutes} min" if minutes else "", f"{rest} s" if rest else ""]
    return " ".join(p for p in parts if p) or f"{seconds:g} s"
