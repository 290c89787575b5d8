"""One pathway on its own, from today's state: reablement's queue over 181 days.

The scenario (experiments/specs/one_pathway.toml) runs the small area's reablement service alone
(the cohort and the hospital switched off), starting on 1 April 2025 with every one of its 14 places
taken (each for the rest of a stay: a length-biased residual) and 12 people waiting, fed by
referrals from outside the cohort: 0.9 a day, fewer at weekends, 1.3 a day through July from a
date-indexed table (experiments/specs/one_pathway_rates.csv). No warm-up: the start is the state.

Each replication records, every day at midnight, the places in use and the people waiting; the
summary gives the mean queue, its 95% t interval over replications, and the 10th-90th percentile
band of the replications, on days 0, 30, 60, 90, 120, 150 and 181 (docs/validation.md).

Run (from the repository root; seconds):

    .venv/bin/python experiments/one_pathway.py [--reps 40] [--out experiments/results/one_pathway]

Writes daily.csv (replication, day, in_use, waiting), summary.csv (every day), and queue.png.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from dorothy_sim import load_scenario
from dorothy_sim.analysis import t_interval
from dorothy_sim.model.model import DorothyModel

HERE = Path(__file__).resolve().parent
SCENARIO = HERE / "specs" / "one_pathway.toml"
STATION = "reablement"
SHOWN_DAYS = (0, 30, 60, 90, 120, 150, 181)


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=40)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "one_pathway")
    args = parser.parse_args(argv)
    scenario = load_scenario(SCENARIO)
    rows = [(replication, *row) for replication in range(args.reps)
            for row in one_replication(scenario, 1 + replication)]
    daily = pd.DataFrame(rows, columns=["replication", "day", "in_use", "waiting"])
    summary = summarise(daily)
    args.out.mkdir(parents=True, exist_ok=True)
    daily.to_csv(args.out / "daily.csv", index=False)
    summary.to_csv(args.out / "summary.csv", index=False)
    plot(daily, summary, scenario.reablement.places, args.out / "queue.png")
    shown = summary[summary["day"].isin(SHOWN_DAYS)]
    print("| day | waiting, mean | 95% CI of the mean | 10th-90th percentile | places in use, mean |")
    print("|---:|---:|---:|---:|---:|")
    for row in shown.itertuples():
        print(f"| {row.day} | {row.waiting_mean:.1f} | {row.waiting_ci_low:.1f} to {row.waiting_ci_high:.1f} "
              f"| {row.waiting_p10:.0f} to {row.waiting_p90:.0f} | {row.in_use_mean:.1f} |")
    print(f"\nwrote {args.out}/daily.csv, summary.csv, queue.png", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
