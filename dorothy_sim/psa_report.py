"""A PSA's outputs: tables (CSV and Parquet), an Excel workbook, seaborn figures and an HTML page with
a plain-language summary (:func:`write_psa`, what ``dorothy psa`` writes).

Figures: the distribution over parameter sets of avoided admissions, days at home gained, beds
released and net saving per funder; the cost-effectiveness plane; the acceptability curves; the
sensitivity ranking; EVPPI by input. The HTML page uses the sweep report's style
(:data:`dorothy_sim.report.page.CSS`).
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, never a window
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from dorothy_sim.output import atomic_write, atomic_write_text, write_table  # noqa: E402
from dorothy_sim.psa import PsaResults  # noqa: E402
from dorothy_sim.report.page import CSS  # noqa: E402

__all__ = ["arm_text", "summary_text", "write_psa"]

TOP = 5


def _gbp(value: float) -> str:
    sign = "-" if value < 0 else ""
    value = abs(value)
    if value >= 1e6:
        return f"{sign}£{value / 1e6:,.1f}m"
    return f"{sign}£{value:,.0f}"


def _range(results: PsaResults, outcome: str, money: bool = False) -> str:
    row = results.summary.set_index("outcome").loc[outcome]
    show = _gbp if money else (lambda v: f"{v:,.0f}")
    return f"{show(row['mean'])} (95% of parameter sets {show(row['p2_5'])} to {show(row['p97_5'])})"


def arm_text(overrides: dict[str, object]) -> str:
    """An arm's overrides in words: ``rapid_response.clinicians = 24, reablement.places = 500``."""
    return ", ".join(f"{path} = {value}" for path, value in overrides.items())


def summary_text(results: PsaResults) -> str:
    """The plain-language paragraph: what was compared, the outcomes' ranges, the chance of a net
    saving (all funders and each), what matters most, and the value of further research."""
    spec = results.spec
    sets = len(results.draws)
    comparator = ("no Local Care (every intervention off)" if spec.comparator == "interventions_off" else
                  "the scenario's own Local Care mix" if not spec.comparator else
                  f"the comparator ({arm_text(spec.comparator)})")
    option = "the scenario's Local Care mix" if not spec.option else f"the option ({arm_text(spec.option)})"
    ranking = results.sensitivity[results.sensitivity["outcome"] == "net_saving_gbp"].head(TOP)
    top = ", ".join(ranking["input"])
    noise = results.noise.set_index("outcome").loc["net_saving_gbp", "noise_share_pct"]
    at_zero = results.ceac[(results.ceac["per"] == "admission")].iloc[0]
    evppi = results.evppi[(results.evppi["per"] == "admission") & (results.evppi["wtp"] == at_zero["wtp"])]
    best = evppi.sort_values("evppi", ascending=False).iloc[0] if len(evppi) else None
    research = (f"; the input most worth studying is {best['input']} (EVPPI {_gbp(best['evppi'])})"
                if best is not None and best["evppi"] > 0 else "")
    funders = ", ".join(f"{label} {100 * results.probability(f'net_saving_{name}_gbp'):.0f}%"
                        for name, label in (("nhs", "the NHS"), ("council", "the councils"),
                                            ("self_funded", "self-funders")))
    return (
        f"We compared {option} with {comparator} in scenario '{spec.scenario}' over {sets} parameter "
        f"sets drawn from the scenario's uncertain inputs ({', '.join(results.names)}), each run "
        f"{spec.replications} time(s) for both arms with the same random numbers. The option avoided "
        f"{_range(results, 'avoided_admissions_exposure_adjusted')} admissions (for the time people were at "
        f"home), added {_range(results, 'days_at_home_gained')} days at home and released "
        f"{_range(results, 'beds_released_at_85pct')} acute beds at 85% occupancy. Its net saving to all "
        f"funders was {_range(results, 'net_saving_gbp', money=True)}: the probability of a net saving is "
        f"{100 * results.probability('net_saving_gbp'):.0f}% ({funders}); of a cash-releasing saving "
        f"{100 * results.probability('cash_releasing_saving_gbp'):.0f}%. The inputs that matter most for the "
        f"net saving are {top}. Simulation noise accounts for about {noise:.0f}% of the variance of the "
        f"parameter sets' mean net saving; the rest is the inputs' uncertainty. The expected value of "
        f"perfect information, valuing only money (no willingness to pay per admission avoided), is "
        f"{_gbp(at_zero['evpi'])} for the area over the results period{research}. The ranges are over "
        f"the inputs' distributions (docs/model.md, [uncertainty]); they do not cover the model's "
        f"structural assumptions.")


def _figure(draw) -> bytes:
    sns.set_theme(style="whitegrid")
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    draw(ax)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    plt.close(fig)
    return buffer.getvalue()


def figures(results: PsaResults) -> dict[str, tuple[str, bytes]]:
    """Each figure's file stem, caption and PNG bytes."""
    draws = results.draws
    made: dict[str, tuple[str, bytes]] = {}
    for outcome, caption in (("avoided_admissions_exposure_adjusted",
                              "Avoided admissions (exposure-adjusted)"),
                             ("days_at_home_gained", "Days at home gained"),
                             ("beds_released_at_85pct", "Acute beds released at 85% occupancy")):
        made[f"dist_{outcome}"] = (f"{caption}: distribution over parameter sets", _figure(
            lambda ax, o=outcome, c=caption: (sns.histplot(draws[o], ax=ax, kde=len(draws) > 5),
                                              ax.set_xlabel(c), ax.set_ylabel("parameter sets"))))
    funders = draws.melt(value_vars=["net_saving_gbp", "net_saving_nhs_gbp", "net_saving_council_gbp",
                                     "net_saving_self_funded_gbp", "cash_releasing_saving_gbp"],
                         var_name="view", value_name="gbp")
    made["net_saving_by_funder"] = ("Net saving by funder, and cash releasing (GBP; above 0 is a saving)",
                                    _figure(lambda ax: (sns.boxplot(data=funders, y="view", x="gbp", ax=ax),
                                                        ax.axvline(0, color="k", lw=0.8),
                                                        ax.set_xlabel("GBP"), ax.set_ylabel(""))))
    made["ce_plane"] = ("Cost-effectiveness plane: each point a parameter set (cost change = -net saving)",
                        _figure(lambda ax: (sns.scatterplot(
                            x=draws["avoided_admissions_exposure_adjusted"], y=-draws["net_saving_gbp"],
                            ax=ax),
                            ax.axhline(0, color="k", lw=0.8), ax.axvline(0, color="k", lw=0.8),
                            ax.set_xlabel("avoided admissions (exposure-adjusted)"),
                            ax.set_ylabel("cost change, GBP"))))
    for per, label in (("admission", "per avoided admission"), ("day_at_home", "per day at home gained")):
        curve = results.ceac[results.ceac["per"] == per]
        made[f"ceac_{per}"] = (f"Acceptability curve: probability the option is worth it, by willingness to "
                               f"pay {label}", _figure(lambda ax, c=curve, lab=label: (
                                   sns.lineplot(data=c, x="wtp", y="p_cost_effective", marker="o", ax=ax),
                                   ax.set_ylim(-0.02, 1.02), ax.set_xlabel(f"willingness to pay {lab}, GBP"),
                                   ax.set_ylabel("probability"))))
    ranking = results.sensitivity[results.sensitivity["outcome"] == "net_saving_gbp"]
    made["sensitivity"] = ("Sensitivity of the net saving to each input (Sobol total index or |PRCC|)",
                           _figure(lambda ax: (sns.barplot(data=ranking, y="input", x="measure", ax=ax),
                                               ax.set_xlabel("index"), ax.set_ylabel(""))))
    at = results.evppi[(results.evppi["per"] == "admission")
                       & (results.evppi["wtp"] == results.spec.wtp_per_admission[0])]
    made["evppi"] = (f"EVPPI by input at £{results.spec.wtp_per_admission[0]:,.0f} per avoided admission",
                     _figure(lambda ax: (sns.barplot(data=at, y="input", x="evppi", ax=ax),
                                         ax.set_xlabel("GBP"), ax.set_ylabel(""))))
    return made


def _table_html(table: pd.DataFrame) -> str:
    return table.to_html(index=False, float_format=lambda v: f"{v:,.4g}", border=0)


def write_psa(results: PsaResults, folder: Path, command: str = "") -> list[Path]:
    """Tables, ``psa.xlsx``, ``figures/*.png`` and ``report.html`` into ``folder``."""
    folder = Path(folder)
    files: list[Path] = []
    for stem, table in results.tables().items():
        files += write_table(table, folder, stem)

    def workbook(path: Path) -> None:
        with pd.ExcelWriter(path, engine="openpyxl") as writer:
            about = pd.DataFrame({"about": [summary_text(results), command]})
            about.to_excel(writer, sheet_name="about", index=False)
            for stem, table in results.tables().items():
                table.head(100_000).to_excel(writer, sheet_name=stem[:31], index=False)

    files.append(atomic_write(folder / "psa.xlsx", workbook))
    made = figures(results)
    (folder / "figures").mkdir(parents=True, exist_ok=True)
    sections = []
    for stem, (caption, png) in made.items():
        files.append(atomic_write(folder / "figures" / f"{stem}.png", lambda p, b=png: p.write_bytes(b)))
        encoded = base64.b64encode(png).decode()
        sections.append(f'<figure><img alt="{html.escape(caption)}" src="data:image/png;base64,{encoded}">'
                        f"<figcaption>{html.escape(caption)}</figcaption></figure>")
    ranking = results.sensitivity[results.sensitivity["outcome"] == "net_saving_gbp"].head(TOP)
    name = html.escape(results.spec.name)
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>PSA {name}</title>
<style>{CSS}</style></head><body>
<h1>Probabilistic sensitivity analysis: {html.escape(results.spec.name)}</h1>
<p>{html.escape(summary_text(results))}</p>
<h2>Outcomes over parameter sets</h2>{_table_html(results.summary)}
<h2>Top {TOP} inputs for the net saving</h2>{_table_html(ranking)}
<h2>Parameter uncertainty against simulation noise</h2>{_table_html(results.noise)}
<h2>Acceptability and the value of information</h2>{_table_html(results.ceac)}
<h2>Uncertain inputs</h2>{_table_html(results.inputs)}
<h2>Figures</h2>{''.join(sections)}
<p><code>{html.escape(command)}</code></p></body></html>
"""
    files.append(atomic_write_text(folder / "report.html", page))
    return files
