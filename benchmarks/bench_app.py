"""The what-if page as a person sees it: time from pressing Run to the headline cards, and the
screenshots of docs/app.md (the what-if after a run, a sweep explored), in Debian's headless Chromium.

    python benchmarks/bench_app.py                       # small scenario; screenshots into docs/
    python benchmarks/bench_app.py --default --reps 5    # also the default scenario, 5 replications
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).parents[1]
sys.path.insert(0, str(ROOT))

from tests.test_app_browser import CHROMIUM, DRIVER, _until, _wait, free_port  # noqa: E402


def start_app(results: Path, port: int, workers: int | None):
    import subprocess
    import urllib.request

    command = [sys.executable, "-m", "dorothy_sim.cli", "app", "--port", str(port), "--results", str(results)]
    if workers is not None:
        command += ["--workers", str(workers)]
    process = subprocess.Popen(command, env=dict(os.environ, PYTHONPATH=str(ROOT)), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    for _ in range(100):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1):
                return process
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise SystemExit("the app did not start")


def browser(width: int = 1500, height: int = 2700):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     f"--window-size={width},{height}", "--hide-scrollbars"):
        options.add_argument(argument)
    return webdriver.Chrome(service=Service(DRIVER), options=options)


def set_input(driver, label: str, value) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    field = driver.find_element(By.CSS_SELECTOR, f'input[aria-label="{label}"]')
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys(str(value), Keys.ENTER)
    time.sleep(0.8)


def what_if(driver, url: str, scenario: str, reps: int, clinicians: int) -> float:
    """Choose, change rapid response's clinicians, press Run; seconds from the click to the cards."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    driver.get(url)
    _wait(driver, 'input[aria-label="Scenario"]')
    box = driver.find_element(By.CSS_SELECTOR, 'input[aria-label="Scenario"]')
    box.click()
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(scenario)
    time.sleep(0.3)
    box.send_keys(Keys.ENTER)
    _until(driver, lambda d: f"Levers of {scenario}" in d.find_element(By.TAG_NAME, "body").text)
    set_input(driver, "Replications", reps)
    set_input(driver, "Rapid response: clinicians (clinicians)", clinicians)
    _until(driver, lambda d: "Changed: rapid_response.clinicians" in d.find_element(By.TAG_NAME, "body").text)
    run = next(b for b in driver.find_elements(By.CSS_SELECTOR, "button") if b.text.strip() == "Run")
    started = time.perf_counter()
    run.click()
    _wait(driver, '[data-testid="stMetric"]', timeout=3600)
    seconds = time.perf_counter() - started
    _wait(driver, '[data-testid="stImage"] img', timeout=120)
    time.sleep(2)
    return seconds


def explore(driver, url: str, folder: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    driver.get(url)
    _wait(driver, 'input[aria-label="Scenario"]')
    tab = next(b for b in driver.find_elements(By.XPATH, '//*[@role="tab"]') if "Explore results" in b.text)
    tab.click()
    time.sleep(1)
    box = next(e for e in driver.find_elements(By.CSS_SELECTOR, 'input[role="combobox"]')
               if (e.get_attribute("aria-label") or "").startswith("Folder under"))
    box.click()
    box.send_keys(folder)
    time.sleep(0.3)
    box.send_keys(Keys.ENTER)
    _wait(driver, '[data-testid="stImage"] img', timeout=120)
    time.sleep(2)


def watch(driver, url: str) -> None:
    """The small scenario's 'Watch it run' tab after recording 100 people."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    driver.get(url)
    box = _wait(driver, 'input[aria-label="Scenario"]')
    box.click()
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys("small")
    time.sleep(0.3)
    box.send_keys(Keys.ENTER)
    _until(driver, lambda d: "Levers of small" in d.find_element(By.TAG_NAME, "body").text)
    tab = next(b for b in driver.find_elements(By.XPATH, '//*[@role="tab"]') if "Watch it run" in b.text)
    tab.click()
    time.sleep(1)
    button = next(b for b in driver.find_elements(By.CSS_SELECTOR, "button")
                  if b.text.strip() == "Record and animate")
    button.click()
    _wait(driver, ".js-plotly-plot", timeout=120)
    time.sleep(3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--default", action="store_true", help="also time the default scenario")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--shots", type=Path, default=ROOT / "docs")
    args = parser.parse_args()
    from dorothy_sim.sweep import sweep

    with tempfile.TemporaryDirectory() as folder:
        results = Path(folder)
        sweep({"name": "rr_and_reablement", "scenario": "small", "seed": 1, "design": "one_at_a_time",
               "factors": {"rapid_response.clinicians": [0, 2, 3], "reablement.places": [7, 21, 28]},
               "replications": {"count": 3}}, out=results / "rr_and_reablement", workers=args.workers)
        port = free_port()
        process = start_app(results, port, args.workers)
        driver = browser()
        try:
            url = f"http://127.0.0.1:{port}/"
            seconds = what_if(driver, url, "small", 5, 3)
            print(f"small scenario, 5 replications: {seconds:.1f} s from Run to the cards")
            driver.save_screenshot(str(args.shots / "app_what_if.png"))
            explore(driver, url, "rr_and_reablement")
            driver.save_screenshot(str(args.shots / "app_explore_sweep.png"))
            watch(driver, url)
            driver.save_screenshot(str(args.shots / "app_watch.png"))
            if args.default:
                seconds = what_if(driver, url, "kent_medway", args.reps, 24)
                print(f"default scenario, {args.reps} replications: {seconds:.1f} s from Run to the cards")
        finally:
            driver.quit()
            process.terminate()
            process.wait(timeout=10)


if __name__ == "__main__":
    main()
