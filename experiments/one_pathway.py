"""One pathway on its own, from today's state: reablement's queue over 181 days.

The scenario (experiments/specs/one_pathway.toml) runs the small area's reablement service alone
(the cohort and the hospital switched off), starting on 1 April 2025 with every one of its 14 places
taken (each for the rest of a stay: a length-biased residual) and 12 people waiting, fed by
referrals from outside the cohort: 0.9 a day, fewer at weekends, 1.3 a day through July from a
date-indexed table (experiments/specs/one_pathway_rates.csv). No warm-up: the start is the state.

Each replication records, every day at midnight, the places in use and the people waiting; the
summary gives the mean queue, its 95% t interval over replications, and the 10th-90th percentile
band of the replications, on days 0, 30, 60, 90, 120, 150 and 181 (README.md, written beside the
tables).

Run (from the repository root; seconds):

    .venv/bin/python experiments/one_pathway.py [--reps 40] [--out experiments/results/one_pathway]

Writes daily.csv (replication, day, in_use, waiting), summary.csv (every day), queue.png and
README.md (the summary table, generated).
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from readme import command_line, markdown_table, package_version, rel, seeds_text

from dorothy_sim import load_scenario
from dorothy_sim.analysis import t_interval
from dorothy_sim.formatting import format_duration
from dorothy_sim.model.model import DorothyModel

HERE = Path(__file__).resolve().parent
SCENARIO = HERE / "specs" / "one_pathway.toml"
STATION = "reablement"
SHOWN_DAYS = (0, 30, 60, 90, 120, 150, 181)


READING = """\
Day 0 is the stated state (14 of 14 places taken, 12 waiting), the same in every replication. With
referrals at about 0.88 of the places' throughput (14 places / 13.76 days, the mean of a 14-day
lognormal episode, cv 0.7, cut at 42 days: 1.02 a day) the queue drains slowly through the spring
and early summer, rises through the July surge (1.3 a day, above the throughput) and drains again
after it. The band between replications is wide: a queue at this load wanders by tens of people.
Illustrative figures ([est]), not a forecast for any real service."""


def one_replication(scenario, seed: int) -> list[tuple[int, int, int]]:
    """(day, places in use, people waiting) at each midnight of the run, and at its end."""
    model = DorothyModel(scenario, seed)
    station = model.services[0].reablement
    rows: list[tuple[int, int, int]] = []

    def midnights():
        env, day = model.env, 0
        yield env.timeout(0.0)  # (after the start state is in place at clock 0)
        while True:
            rows.append((day, station.count, station.queue_length))
            day += 1
            yield env.timeout(day - env.now)

    model.env.start(midnights())
    model.run()
    rows.append((round(model.horizon), station.count, station.queue_length))
    return rows


def summarise(daily: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for day, group in daily.groupby("day"):
        mean, _, low, high, n = t_interval(group["waiting"].to_numpy(), 0.95)
        rows.append({"day": day, "waiting_mean": mean, "waiting_ci_low": low, "waiting_ci_high": high,
                     "waiting_p10": float(np.percentile(group["waiting"], 10)),
                     "waiting_p90": float(np.percentile(group["waiting"], 90)),
                     "in_use_mean": group["in_use"].mean(), "replications": n})
    return pd.DataFrame(rows)


def plot(daily: pd.DataFrame, summary: pd.DataFrame, places: int, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import seaborn as sns

    sns.set_theme(style="whitegrid")
    fig, ax = plt.subplots(figsize=(8, 4.2))
    waiting, in_use = sns.color_palette()[0], sns.color_palette()[1]
    ax.fill_between(summary["day"], summary["waiting_p10"], summary["waiting_p90"], alpha=0.15,
                    color=waiting, label="waiting: 10th-90th percentile of replications")
    ax.fill_between(summary["day"], summary["waiting_ci_low"], summary["waiting_ci_high"], alpha=0.35,
                    color=waiting, label="waiting: 95% CI of the mean")
    sns.lineplot(data=summary, x="day", y="waiting_mean", ax=ax, color=waiting, label="waiting (mean)")
    sns.lineplot(data=summary, x="day", y="in_use_mean", ax=ax, color=in_use, label="places in use (mean)")
    ax.axhline(places, color="grey", linestyle=":", label=f"places ({places})")
    ax.axvspan(91, 121, color="orange", alpha=0.1, label="July referral surge")
    ax.set_xlabel("day (0 = 1 April 2025)")
    ax.set_ylabel("people")
    ax.set_title(f"Reablement alone, warm-started: {daily['replication'].nunique()} replications")
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


@dataclass
class Made:
    """How the result folder was made (the README's first section)."""

    reps: int
    seconds: float

    def lines(self) -> list[str]:
        return [f"- command: `{command_line()}`",
                f"- date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
                f"- code: {package_version()}", f"- scenario: `{rel(SCENARIO)}`",
                f"- replications: {self.reps}, seeds {seeds_text(1, self.reps)}",
                f"- wall time: {format_duration(self.seconds)}"]


def table(summary: pd.DataFrame) -> pd.DataFrame:
    shown = summary[summary["day"].isin(SHOWN_DAYS)]
    low, high = shown["waiting_ci_low"], shown["waiting_ci_high"]
    return pd.DataFrame({
        "day": shown["day"],
        "waiting, mean": shown["waiting_mean"].map(lambda v: f"{v:.1f}"),
        "95% CI of the mean": [f"{a:.1f} to {b:.1f}" if np.isfinite(a) else "(no spread)"
                               for a, b in zip(low, high, strict=True)],
        "10th-90th percentile": [f"{a:.0f} to {b:.0f}"
                                 for a, b in zip(shown["waiting_p10"], shown["waiting_p90"], strict=True)],
        "places in use, mean": shown["in_use_mean"].map(lambda v: f"{v:.1f}"),
    })


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=40)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "one_pathway")
    args = parser.parse_args(argv)
    scenario = load_scenario(SCENARIO)
    began = time.perf_counter()
    rows = [(replication, *row) for replication in range(args.reps)
            for row in one_replication(scenario, 1 + replication)]
    daily = pd.DataFrame(rows, columns=["replication", "day", "in_use", "waiting"])
    summary = summarise(daily)
    args.out.mkdir(parents=True, exist_ok=True)
    daily.to_csv(args.out / "daily.csv", index=False)
    summary.to_csv(args.out / "summary.csv", index=False)
    plot(daily, summary, scenario.reablement.places, args.out / "queue.png")
    shown = markdown_table(table(summary))
    intro = __doc__.split("\n\nRun")[0].split("\n", 2)[2]
    (args.out / "README.md").write_text("\n".join([
        "# One pathway from today's state: reablement alone", "", intro.strip(), "", "## How this was made",
        "", *Made(args.reps, time.perf_counter() - began).lines(), "",
        "Written by the script from its tables; do not edit by hand (re-run the command: seconds).", "",
        "## People waiting for reablement, days 0 to 181", "", shown, "", "![queue](queue.png)", "",
        "## Reading it", "", READING, ""]), encoding="utf-8")
    print(shown)
    print(f"\nwrote {args.out}: daily.csv, summary.csv, queue.png, README.md", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
