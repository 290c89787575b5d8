"""Starting from a given state and arrivals from outside the cohort (scenario/start_state.py,
model/external.py): queueing theory on one station run alone, the residual stay, and the checks on
every new field (exit 2, naming the field, and for a rates table the file, the row and the column).

Tolerances are the replications' own 99% t intervals (dorothy_sim.analysis.t_interval), never a
fixed margin: each test asks whether theory lies inside what the replications can tell apart.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy import stats

from dorothy_sim.analysis import t_interval
from dorothy_sim.cli import main
from dorothy_sim.errors import ScenarioError
from dorothy_sim.experiment import run_one
from dorothy_sim.model.external import daily_rates, residual
from dorothy_sim.model.model import DorothyModel
from dorothy_sim.registry import QUEUES
from dorothy_sim.scenario import Scenario, load_scenario
from dorothy_sim.scenario.schema import LogNormal
from dorothy_sim.scenario.start_state import cohort_off
from dorothy_sim.streams import BufferedStream, Duration, stream
from tests.conftest import assert_conserved

CONFIDENCE = 0.99
SMALL = load_scenario("small")
OFF = {**cohort_off(SMALL), "icps.small_area.registered_population": 5000}  # (a small cohort: quick to build)


def alone(days: float, warmup: float = 0.0, start: dict[str, Any] | None = None,
          arrivals: list[dict[str, Any]] | None = None, **overrides: Any) -> Scenario:
    """The small scenario with the cohort switched off: only external people use the stations."""
    settings = {**OFF, "run.warmup_days": warmup, "run.results_days": days, **overrides}
    if start is not None:
        settings["start"] = start
    if arrivals is not None:
        settings["arrivals"] = arrivals
    return SMALL.with_overrides(settings)


def queue_series(model: DorothyModel, station: str) -> np.ndarray:
    """The daily queue at ``station`` over the results period (days 0, 1, ...), then its end."""
    column = QUEUES.index(station)
    daily = [row[column] for row in model.queue_samples[0]]
    return np.asarray([*daily, model.services[0].queue_lengths()[column]], dtype=float)


def assert_inside(values: list[float] | np.ndarray, expected: float, what: str) -> None:
    mean, _, low, high, n = t_interval(np.asarray(values), CONFIDENCE)
    assert low <= expected <= high, (
        f"{what}: theory {expected:.4g}, replications {mean:.4g} [{low:.4g}, {high:.4g}] (n={n})")


# ----------------------------------------------------------------------------- residual stays


@pytest.mark.parametrize("mean, cv", [(14.0, 0.7), (21.0, 1.5), (3.0, 0.2)])
def test_the_residual_stay_of_a_lognormal_has_mean_e_s2_over_2_e_s(mean: float, cv: float) -> None:
    stay = Duration(LogNormal(mean=mean, cv=cv))
    rng = BufferedStream(stream(7, "test/residual"))
    draws = np.array([residual(stay, rng.uniform(), rng.normal()) for _ in range(200_000)])
    expected = mean * (1.0 + cv ** 2) / 2.0  # E[S^2] / (2 E[S]) for a lognormal
    assert_inside(draws, expected, "mean residual stay")
    assert draws.min() >= 0.0


def test_the_residual_of_an_exponential_stay_is_the_stay_and_of_a_fixed_one_half_of_it() -> None:
    rng = BufferedStream(stream(7, "test/residual"))
    exponential = Duration(LogNormal(mean=5.0, exponential=True))
    fixed = Duration(LogNormal(mean=5.0))
    assert_inside([residual(exponential, rng.uniform(), rng.normal()) for _ in range(50_000)], 5.0,
                  "exponential residual")
    assert_inside([residual(fixed, rng.uniform(), rng.normal()) for _ in range(50_000)], 2.5,
                  "fixed residual")


# ----------------------------------------------------------------------------- queueing theory


def test_a_warm_started_station_matches_the_same_station_warmed_up_from_empty() -> None:
    """Reablement with 40 places fed at 2.4 a day for stays of mean 14 days (load 0.84): started
    with its steady-state occupancy (λ E[S] = 33.6, residual stays), its first 60 days look like a
    station warmed up from empty for a year; started empty with no warm-up, they do not."""
    stay = {"mean": 14.0, "cv": 0.7}
    feed = [{"station": "reablement", "per_day": 2.4, "stay_days": stay}]
    warm = alone(60, start={"reablement": {"occupied": 34, "stay_days": stay}}, arrivals=feed,
                 **{"reablement.places": 40})
    warmed_up = alone(60, warmup=365, arrivals=feed, **{"reablement.places": 40})
    cold = alone(60, arrivals=feed, **{"reablement.places": 40})

    def in_use(scenario: Scenario, seed: int) -> float:
        model = DorothyModel(scenario, seed).run()
        station = model.services[0].reablement
        return (station.busy_area + station.queue_area) / model.results_days  # people at the station

    seeds = range(1, 21)
    warm_runs = np.array([in_use(warm, seed) for seed in seeds])
    reference = np.array([in_use(warmed_up, seed) for seed in seeds])
    cold_runs = np.array([in_use(cold, seed) for seed in seeds])
    half = welch_half_width(warm_runs, reference)
    assert abs(warm_runs.mean() - reference.mean()) <= half, (warm_runs.mean(), reference.mean(), half)
    half = welch_half_width(cold_runs, reference)  # the test can tell a cold start apart
    assert reference.mean() - cold_runs.mean() > half, (reference.mean(), cold_runs.mean(), half)


def welch_half_width(a: np.ndarray, b: np.ndarray) -> float:
    """Half the width of the 99% (Welch) interval of the difference of two means."""
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    df = (va + vb) ** 2 / (va ** 2 / (a.size - 1) + vb ** 2 / (b.size - 1))
    return float(stats.t.ppf(0.5 + CONFIDENCE / 2.0, df)) * math.sqrt(va + vb)


def test_a_station_fed_only_by_an_external_stream_with_ample_capacity_matches_m_g_infinity() -> None:
    """Community beds, 200 of them, fed at 5 a day for lognormal stays of mean 10 days: the mean
    occupancy is rate x mean stay (50), whatever the stay's shape; external people are counted in
    the station's KPIs and the queues table, never as the cohort's admissions."""
    scenario = alone(181, warmup=60, arrivals=[
        {"station": "community_beds", "per_day": 5.0, "stay_days": {"mean": 10.0, "cv": 0.8}}],
        **{"community_beds.beds": 200})
    occupancy, arrivals = [], []
    for seed in range(1, 11):
        output = run_one(scenario, seed)
        kpis = output.kpis["all"]
        occupancy.append(kpis["community_beds_utilisation_pct"] * 200 / 100.0)
        queue = output.queues["small_area"]["community_beds"]
        arrivals.append(queue["external_arrivals"])
        assert queue["arrivals"] == queue["external_arrivals"]  # nobody else used it
        assert queue["queue_max"] == 0.0
        assert kpis["community_bed_admissions"] == 0 and kpis["admissions"] == 0 and kpis["crises"] == 0
    assert_inside(occupancy, 5.0 * 10.0, "mean occupancy")  # (Little's law: λ E[S])
    assert_inside(arrivals, 5.0 * 181, "external arrivals")


def test_a_saturated_station_grows_its_queue_at_rate_less_capacity_over_mean_stay() -> None:
    """Reablement with 10 places, stays of mean 10 days, fed at 3 a day: full from the start (with
    residual stays) and never idle, so it serves 10 / 10 = 1 a day and the queue grows by 2 a day."""
    stay = {"mean": 10.0, "cv": 0.7}
    scenario = alone(181, start={"reablement": {"occupied": 10, "waiting": 5, "stay_days": stay}},
                     arrivals=[{"station": "reablement", "per_day": 3.0, "stay_days": stay}],
                     **{"reablement.places": 10})
    slopes, ends = [], []
    for seed in range(1, 11):
        series = queue_series(DorothyModel(scenario, seed).run(), "reablement")
        assert series[0] == 5
        slopes.append(np.polyfit(np.arange(series.size, dtype=float), series, 1)[0])
        ends.append(series[-1])
    assert_inside(slopes, 3.0 - 10 / 10.0, "queue growth a day")
    assert_inside(ends, 5 + (3.0 - 10 / 10.0) * 181, "queue at day 181")


def test_people_waiting_at_the_start_are_served_first_come_first_served_and_counted() -> None:
    """10 places held and 6 people waiting, no arrivals: the queue only shrinks, every place is used
    until the queue is empty, and the waits of the 6 are counted at the station."""
    scenario = alone(120, start={"reablement": {"occupied": 10, "waiting": 6}}, **{"reablement.places": 10})
    model = DorothyModel(scenario, 3).run()
    series = queue_series(model, "reablement")
    station = model.services[0].reablement
    assert series[0] == 6 and series[-1] == 0 and np.all(np.diff(series) <= 0)
    assert station.grants == 6 and station.wait_total > 0  # (granted after the start: the waiting ones)
    assert station.count == 0  # every stay, residual or whole, ended within 120 days of 14 on average
    usage = model.external[(0, "reablement")]
    assert usage.arrivals == 0 and usage.in_place == 0  # (no arrivals; everyone has left)


# ----------------------------------------------------------------------------- arrivals by day


def test_the_daily_rate_is_the_table_on_its_dates_else_per_day_times_the_weekday_weight(tmp_path) -> None:
    table = tmp_path / "rates.csv"
    table.write_text("date,per_day\n2025-04-08,10\n2025-04-09,0\n")
    scenario = alone(20, warmup=2, start_date=dt.date(2025, 4, 7), arrivals=[{
        "station": "reablement", "per_day": 1.0, "weekday_profile": [2, 1, 1, 1, 1, 1, 0],
        "rates_csv": str(table)}])
    rates = daily_rates(scenario, scenario.arrivals[0], 22.0)
    # (the profile's mean is 1) clock day 0 is Saturday 5 April (two warm-up days), day 2 Monday 7 April
    assert rates[0] == 1.0 and rates[1] == 0.0 and rates[2] == 2.0
    assert rates[3] == 10.0 and rates[4] == 0.0 and rates[9] == 2.0 and rates.size == 22


def test_adding_a_stream_at_one_station_leaves_another_stations_draws_as_they_were() -> None:
    stay = {"mean": 10.0, "cv": 0.7}
    one = [{"station": "reablement", "per_day": 1.5, "stay_days": stay}]
    two = [*one, {"station": "community_beds", "per_day": 0.5}]
    first = queue_series(DorothyModel(alone(90, arrivals=one), 5).run(), "reablement")
    second = queue_series(DorothyModel(alone(90, arrivals=two), 5).run(), "reablement")
    assert first.tolist() == second.tolist() and first.max() > 0


# ----------------------------------------------------------------------------- checks on the input


def write(folder: Path, text: str, name: str = "scenario.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


HEAD = 'extends = "small"\nname = "t"\nstart_date = 2025-03-31\n[run]\nwarmup_days = 0\nresults_days = 30\n'


def error_of(path: Path) -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return str(info.value)


@pytest.mark.parametrize("table, fragments", [
    ("day,per_day\n2025-04-01,1\n", ["row 1", "missing: date"]),
    ("date,per_day,note\n2025-04-01,1,x\n", ["row 1", "unknown: note"]),
    ("date,per_day\n2025-04-01,1\n01/04/2025,1\n", ["row 3", "column 'date'", "'01/04/2025'", "YYYY-MM-DD"]),
    ("date,per_day\n2025-04-01,1\n2025-04-02,-2\n", ["row 3", "column 'per_day'", "'-2'", "from 0"]),
    ("date,per_day\n2025-04-01,nan\n", ["row 2", "column 'per_day'"]),
    ("date,per_day\n2025-04-01,1\n2025-04-04,1\n", ["row 3", "a gap", "2025-04-02 to 2025-04-03"]),
    ("date,per_day\n2025-04-02,1\n2025-04-01,1\n", ["row 3", "must increase by one day"]),
    ("date,per_day\n2025-04-28,1\n2025-04-29,1\n2025-04-30,1\n", ["row 4", "2025-04-30", "outside the run"]),
    ("date,per_day\n", ["no rows"]),
    ("date,per_day\n2025-04-01,1,2\n", ["row 2", "3 cells"]),
])
def test_a_bad_rates_table_names_the_file_the_row_and_the_column(tmp_path, table, fragments) -> None:
    write(tmp_path, table, "rates.csv")
    path = write(tmp_path, HEAD + '[[arrivals]]\nstation = "reablement"\nrates_csv = "rates.csv"\n')
    message = error_of(path)
    assert "arrivals.0.rates_csv" in message and str(tmp_path / "rates.csv") in message, message
    for fragment in fragments:
        assert fragment in message, (fragment, message)


def test_a_rates_table_is_read_from_the_scenario_files_folder_and_needs_a_start_date(tmp_path,
                                                                                   monkeypatch) -> None:
    folder = tmp_path / "study"
    folder.mkdir()
    write(folder, "date,per_day\n2025-04-01,3.5\n", "rates.csv")
    path = write(folder, HEAD + '[[arrivals]]\nstation = "reablement"\nrates_csv = "rates.csv"\n')
    monkeypatch.chdir(tmp_path)  # not the scenario's folder
    scenario = load_scenario(path)
    assert scenario.arrivals[0].rates == ((dt.date(2025, 4, 1), 3.5),)
    assert scenario.with_overrides({"run.results_days": 20}).arrivals[0].rates == scenario.arrivals[0].rates
    message = error_of(write(folder, HEAD.replace("start_date = 2025-03-31\n", "")
                             + '[[arrivals]]\nstation = "reablement"\nrates_csv = "rates.csv"\n', "b.toml"))
    assert "start_date" in message and "required" in message, message
    message = error_of(write(folder, HEAD + '[[arrivals]]\nstation = "reablement"\nrates_csv = "none.csv"\n',
                             "c.toml"))
    assert "does not exist" in message and str(folder / "none.csv") in message, message


@pytest.mark.parametrize("text, fields, fragments", [
    ("[start.reablment]\noccupied = 3\n", ["start.reablment"],
     ["known stations", "reablement", "acute_beds"]),
    ('[[arrivals]]\nstation = "reablment"\nper_day = 1.0\n', ["arrivals.0.station"], ["known stations"]),
    ("[start.discharge]\noccupied = 1\n", ["start.discharge.stay_days"], ["no stay distribution of its own"]),
    ("[start.reablement]\noccupied = 15\n", ["start.reablement.occupied"], ["14 places"]),
    ("[start.care_homes]\noccupied = 1\n", ["start.care_homes.occupied"], ["placements"]),
    ("[start.reablement]\noccupied = -1\n", ["start.reablement.occupied"], ["greater than or equal to 0"]),
    ("[start.reablement.by_icp.elsewhere]\noccupied = 1\n", ["start.reablement.by_icp"], ["elsewhere"]),
    ('[[arrivals]]\nstation = "reablement"\nper_day = 1e9\n', ["arrivals.0.per_day"], ["10000"]),
    ('[[arrivals]]\nstation = "reablement"\nper_day = 1.0\nweekday_profile = [1, 1]\n',
     ["arrivals.0.weekday_profile"], ["7"]),
    ('[[arrivals]]\nstation = "reablement"\nper_day = 1.0\nicp = "elsewhere"\n', ["arrivals.0.icp"],
     ["elsewhere"]),
    ('start_date = 2025-04-01\n', ["start_date"], ["Tuesday", "start_weekday"]),
])
def test_a_bad_start_or_arrivals_field_exits_2_naming_it(tmp_path, capsys, text, fields, fragments) -> None:
    top = text.startswith("start_date")  # (a top-level key goes before the first table)
    path = write(tmp_path, text + HEAD.replace("start_date = 2025-03-31\n", "") if top else HEAD + text)
    out = tmp_path / "out"
    code = main(["run", "--scenario", str(path), "--reps", "1", "--workers", "1", "--quiet",
                 "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err and str(path) in err, err
    for fragment in [*fields, *fragments]:
        assert fragment in err, (fragment, err)
    assert not out.exists()


def test_nothing_configured_adds_no_field_value_and_no_arrival() -> None:
    assert SMALL.start == {} and SMALL.arrivals == () and SMALL.start_date is None
    model = DorothyModel(SMALL.with_overrides({"run.warmup_days": 0, "run.results_days": 5}), 1).run()
    assert model.external == {}


def test_with_the_cohort_on_external_people_share_the_stations_and_everyone_is_accounted_for() -> None:
    """The cohort and external people together: the ledger counts the cohort alone (external people
    in community beds are left out of its count), and the external ones are in the station's use."""
    scenario = SMALL.with_overrides({
        "run.warmup_days": 0, "run.results_days": 60,
        "start": {"community_beds": {"occupied": 5, "waiting": 3}, "acute_beds": {"occupied": 40}},
        "arrivals": [{"station": "community_beds", "per_day": 0.3},
                     {"station": "acute_beds", "per_day": 1.0, "stay_days": {"mean": 3.0, "cv": 1.0}}]})
    output = run_one(scenario, 1)
    assert_conserved(output.ledger)
    queues = output.queues["small_area"]
    assert 0 < queues["community_beds"]["external_arrivals"] < queues["community_beds"]["arrivals"]
    assert 0 < queues["acute_beds"]["external_arrivals"] < queues["acute_beds"]["arrivals"]


def test_counts_by_icp_and_arrivals_to_one_icp_are_placed_there() -> None:
    scenario = alone(10, start={"community_beds": {"by_icp": {"small_area": {"occupied": 3, "waiting": 0}}}},
                     arrivals=[{"station": "community_beds", "per_day": 2.0, "icp": "small_area"}])
    model = DorothyModel(scenario, 2).run()
    assert model.external[(0, "community_beds")].arrivals > 0
    assert model.services[0].community_beds.busy_area > 0


def test_the_one_pathway_study_switches_the_cohort_off_as_cohort_off_does() -> None:
    scenario = load_scenario(Path(__file__).parents[1] / "experiments" / "specs" / "one_pathway.toml")
    for path, value in cohort_off(scenario).items():
        assert scenario.value_at(path) == value, path
    assert scenario.run.warmup_days == 0 and scenario.start["reablement"].waiting == 12
    assert len(scenario.arrivals[0].rates) == 31


def test_a_saved_scenario_names_its_rates_table_and_refuses_a_changed_one(tmp_path):
    """The store knows a run by its resolved scenario: the table's fingerprint is part of it, so a
    resumed run never mixes runs made with two versions of the table."""
    from dorothy_sim.scenario.start_state import Arrivals  # noqa: PLC0415
    table = tmp_path / "rates.csv"
    table.write_text("date,per_day\n2025-04-01,1.0\n2025-04-02,2.0\n", encoding="utf-8")
    first = Arrivals(station="reablement", rates_csv=str(table))
    assert first.rates_sha256 is not None and len(first.rates_sha256) == 64
    saved = first.model_dump()
    assert Arrivals(**saved).rates_sha256 == first.rates_sha256  # reloads as it was
    table.write_text("date,per_day\n2025-04-01,1.0\n2025-04-02,3.0\n", encoding="utf-8")
    with pytest.raises(ValueError, match="has changed since this scenario was saved"):
        Arrivals(**saved)
    changed = Arrivals(station="reablement", rates_csv=str(table))
    assert changed.rates_sha256 != first.rates_sha256
