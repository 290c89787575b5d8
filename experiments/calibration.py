"""Calibrate the [est] parameters of the default scenario against the calibration targets.

The figures it fits to are the aims of the targets whose role is ``calibration`` in
``dorothy_sim.validation.TARGETS`` (one list, read here, never copied), and a round may read only those
targets' KPIs plus the two in ``AUXILIARY``; reading any other KPI is an error. So the independent
validation targets stay unseen, and tests/test_validation.py fails if one of their KPIs could be read.

Only parameters tagged [est] in kent_medway.toml are changed; [seed] and [pub] figures never are.
Every evaluation runs the default scenario with a few replications on fixed calibration seeds
(``CALIBRATION_SEEDS``, 1001..1003), distinct from the validation seeds, so rounds are paired by common
random numbers.

The parameters interact through bed blocking (too few beds -> long bed waits -> everything
moves), so the calibration goes in stages, each a few damped proportional updates:

  A. crises.rate_per_year.<frailty>     -> emergency admissions per 1000 a year by frailty
                                           (230 / 360 / 560; Clegg 2016, King's Fund 2012)
  B. with beds held ample (no blocking feedback):
     acute.treatment_days.*.mean        -> mean acute length of stay 12.4 days (Lisk et al. 2019)
     acute.treatment_days.*.cv          -> median acute length of stay 6.5 days (Lisk et al. 2019)
     reablement.places and community_beds.beds (one factor) -> about 25% of occupied bed days
                                           after medically fit (seeds 001 and 004) and 48% of those
                                           days waiting for intermediate care (Wood et al. 2023)
     social_care_assessment.assessment_days -> 28% of them waiting for social care (Wood et al.
                                           2023); small steps: both are queues near capacity
  R. crises.post_discharge_crisis_ratio -> 16% of discharges home readmitted within 30 days
                                           (Ssentif 2013, HES: over-75s within 28 days); then A again,
                                           since readmissions are admissions too
  C. crises.post_discharge_death_ratio  -> 82% at home 91 days after reablement (ASCOF 2B(1))
  D. mdt.risk_referral_rate_per_year   -> enough referrals for East Kent's MDTs to reach their 2019
                                           target (seed 001), which holds 64% of the capacity for 38%
                                           of the cohort (raised only, never lowered)
  E. icps.<icp>.acute_beds (escalation beds 10% of core) -> each trust's own mean occupancy of
     core beds (seed 004: EKHUFT 91%, DGT 99%, MFT 99%, MTW 94%); elective admissions that find no
     free bed are cancelled, which keeps the queues bounded near 100%

Run:  .venv/bin/python experiments/calibration.py [--reps 3] [--stages ARABCBDE]
It prints every round and the final values, and appends the run (its stages, rounds and final
values) to experiments/results/calibration.json.
The values in the shipped kent_medway.toml came from this script (see docs/validation.md).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from dorothy_sim import load_scenario, run_replications
from dorothy_sim.scenario import FRAILTY_LEVELS
from dorothy_sim.validation import CALIBRATION, CALIBRATION_SEEDS, Target, targets

ESCALATION_SHARE = 0.10
AMPLE_BEDS = 1.25

FITTED: dict[tuple[str, str], Target] = {target.kpis[0]: target for target in targets(CALIBRATION)}
"""The calibration targets by the (KPI, area) each is read from."""
AUXILIARY = frozenset({("discharge_delay_days_mean", "all"), ("bed_wait_hours_mean", "all")})
"""KPIs read but never fitted: the discharge delay steers stage B's update (a stay is treatment plus
delay); the bed wait is printed to show blocking."""
READABLE = frozenset(FITTED) | AUXILIARY


def aim(kpi: str, area: str = "all") -> float:
    """The figure calibration fits ``kpi`` to: the aim of its calibration target."""
    return float(FITTED[(kpi, area)].aim)


class Readings:
    """One round's KPI means. Only :data:`READABLE` KPIs can be read, so no validation target's KPI can
    enter the objective."""

    def __init__(self, means: dict[tuple[str, str], float]) -> None:
        self._means = means

    def __call__(self, kpi: str, area: str = "all") -> float:
        if (kpi, area) not in READABLE:
            raise KeyError(f"calibration reads only its own targets' KPIs (and {sorted(AUXILIARY)}); "
                           f"{kpi!r} in {area!r} is not one of them")
        return self._means[(kpi, area)]


def clamp(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)


class Calibration:
    def __init__(self, reps: int, seed: int, workers: int | None) -> None:
        self.reps, self.seed, self.workers = reps, seed, workers
        base = load_scenario("kent_medway")
        self.icps = list(base.icps)
        self.rates = base.crises.rate_per_year.model_dump()
        self.treatment = {k: v.model_dump() for k, v in base.acute.treatment_days.items()}
        self.reablement_places = base.reablement.places
        self.community_beds = base.community_beds.beds
        self.sca_days = base.social_care_assessment.assessment_days.mean
        self.death_ratio = base.crises.post_discharge_death_ratio
        self.crisis_ratio = base.crises.post_discharge_crisis_ratio
        self.risk_referrals = base.mdt.risk_referral_rate_per_year.model_dump()
        self.beds = {icp: base.icps[icp].acute_beds for icp in self.icps}
        self.log: list[dict] = []

    def overrides(self, ample_beds: bool = False) -> dict:
        out: dict = {
            "crises.rate_per_year": dict(self.rates),
            "reablement.places": self.reablement_places,
            "community_beds.beds": self.community_beds,
            "social_care_assessment.assessment_days.mean": self.sca_days,
            "crises.post_discharge_death_ratio": self.death_ratio,
            "crises.post_discharge_crisis_ratio": self.crisis_ratio,
            "mdt.risk_referral_rate_per_year": dict(self.risk_referrals),
        }
        for level in FRAILTY_LEVELS:
            out[f"acute.treatment_days.{level}.mean"] = self.treatment[level]["mean"]
            out[f"acute.treatment_days.{level}.cv"] = self.treatment[level]["cv"]
        for icp, core in self.beds.items():
            beds = round(core * AMPLE_BEDS) if ample_beds else core
            out[f"icps.{icp}.acute_beds"] = beds
            out[f"icps.{icp}.escalation_beds"] = round(beds * ESCALATION_SHARE)
        return out

    def evaluate(self, stage: str, ample_beds: bool = False) -> Readings:
        scenario = load_scenario("kent_medway", self.overrides(ample_beds))
        table = run_replications(scenario, reps=self.reps, seed=self.seed, workers=self.workers).replications
        kpis = Readings({(kpi, area): float(v)
                         for (area, kpi), v in table.groupby(["area", "kpi"])["value"].mean().items()})
        shown = {k: round(kpis(k), 2) for k in (
            "admissions_per_1000_mild", "admissions_per_1000_moderate", "admissions_per_1000_severe",
            "los_mean_days", "los_median_days", "mffd_bed_share_pct", "delay_share_intermediate_care_pct",
            "delay_share_social_care_pct", "home_at_91d_pct",
            "readmissions_30d_pct",
            "acute_occupancy_mean_pct", "bed_wait_hours_mean")}
        shown["east_kent_mdt_reviews"] = round(kpis("mdt_reviews", "east_kent"))
        print(f"[{stage}] {shown}", flush=True)
        self.log.append({"stage": stage, "kpis": shown, "overrides": self.overrides(ample_beds)})
        return kpis

    def stage_a_crisis_rates(self, rounds: int) -> None:
        for _ in range(rounds):
            kpis = self.evaluate("A crisis rates", ample_beds=True)
            for level in FRAILTY_LEVELS:
                model = kpis(f"admissions_per_1000_{level}")
                self.rates[level] *= clamp(aim(f"admissions_per_1000_{level}") / model, 0.7, 1.4)

    def stage_b_length_of_stay(self, rounds: int) -> None:
        for _ in range(rounds):
            kpis = self.evaluate("B length of stay", ample_beds=True)
            delay = kpis("discharge_delay_days_mean")
            los = kpis("los_mean_days")
            scale = clamp((aim("los_mean_days") - delay) / max(los - delay, 0.5), 0.75, 1.33)
            median_ratio = kpis("los_median_days") / aim("los_median_days")
            for level in FRAILTY_LEVELS:
                self.treatment[level]["mean"] *= scale
                self.treatment[level]["cv"] = clamp(self.treatment[level]["cv"] * median_ratio ** 0.7,
                                                    0.5, 2.5)
            # Intermediate care near its capacity: waits grow steeply as places fall, so small steps.
            intermediate = "delay_share_intermediate_care_pct"
            waiting = 0.5 * (kpis("mffd_bed_share_pct") / aim("mffd_bed_share_pct")
                             + kpis(intermediate) / aim(intermediate))
            factor = clamp(waiting, 0.97, 1.03) ** 0.5
            self.reablement_places = round(self.reablement_places * factor)
            self.community_beds = round(self.community_beds * factor)
            self.sca_days *= clamp(aim("delay_share_social_care_pct") / kpis("delay_share_social_care_pct"),
                                   0.9, 1.1) ** 0.5

    def stage_r_readmissions(self, rounds: int) -> None:
        for _ in range(rounds):
            kpis = self.evaluate("R readmissions", ample_beds=True)
            factor = clamp(aim("readmissions_30d_pct") / kpis("readmissions_30d_pct"), 0.6, 1.6) ** 1.5
            self.crisis_ratio = max(1.0, 1.0 + (self.crisis_ratio - 1.0) * factor)

    def stage_c_post_discharge_deaths(self, rounds: int) -> None:
        for _ in range(rounds):
            kpis = self.evaluate("C post-discharge deaths", ample_beds=True)
            not_home = max(100.0 - kpis("home_at_91d_pct"), 1.0)
            factor = clamp((100.0 - aim("home_at_91d_pct")) / not_home, 0.5, 2.0)
            self.death_ratio = max(1.0, 1.0 + (self.death_ratio - 1.0) * factor)

    def stage_d_mdt_referrals(self, rounds: int) -> None:
        for _ in range(rounds):
            kpis = self.evaluate("D MDT referrals", ample_beds=True)
            target = aim("mdt_reviews", "east_kent")
            reviews = kpis("mdt_reviews", "east_kent")
            if reviews < 0.97 * target:
                factor = clamp(target / reviews, 1.0, 1.5)
                self.risk_referrals = {k: v * factor for k, v in self.risk_referrals.items()}

    def stage_e_beds(self, rounds: int) -> None:
        for _ in range(rounds):
            kpis = self.evaluate("E beds")
            for icp in self.icps:
                occupancy = kpis("acute_occupancy_mean_pct", icp)
                target = aim("acute_occupancy_mean_pct", icp)
                self.beds[icp] = round(self.beds[icp] * clamp(occupancy / target, 0.85, 1.2))
        self.evaluate("final")


def main() -> int:
    parser = argparse.ArgumentParser(description="Calibrate [est] parameters to the calibration targets")
    parser.add_argument("--reps", type=int, default=len(CALIBRATION_SEEDS))
    parser.add_argument("--seed", type=int, default=CALIBRATION_SEEDS[0], help="first calibration seed")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--stages", default="ARABCBDE",
                        help="stages to run, in order (default ARABCBDE: the full calibration)")
    args = parser.parse_args()
    calibration = Calibration(args.reps, args.seed, args.workers)
    seen: set[str] = set()
    for stage in args.stages.upper():
        first_time = stage not in seen
        seen.add(stage)
        if stage == "A":
            calibration.stage_a_crisis_rates(rounds=2)
        elif stage == "B":
            calibration.stage_b_length_of_stay(rounds=4 if first_time else 2)
        elif stage == "R":
            calibration.stage_r_readmissions(rounds=2)
        elif stage == "C":
            calibration.stage_c_post_discharge_deaths(rounds=2)
        elif stage == "D":
            calibration.stage_d_mdt_referrals(rounds=1)
        elif stage == "E":
            calibration.stage_e_beds(rounds=2)
        else:
            parser.error(f"unknown stage {stage!r}; stages are A, R, B, C, D and E")
    final = calibration.overrides()
    print("\nCalibrated values for kent_medway.toml:")
    for key, value in final.items():
        print(f"  {key} = {json.dumps(value) if isinstance(value, dict) else round(value, 4)}")
    out = Path(__file__).with_name("results") / "calibration.json"
    out.parent.mkdir(exist_ok=True)
    runs = json.loads(out.read_text()).get("runs", []) if out.exists() else []
    runs.append({"stages": args.stages.upper(), "reps": args.reps, "first_seed": args.seed,
                 "rounds": calibration.log, "final": final})
    out.write_text(json.dumps({"runs": runs}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
