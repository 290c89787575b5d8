"""The what-if page in a real headless browser, as a person uses it: ``dorothy app`` started on a free
port, Debian's Chromium driven by Selenium chooses the small scenario, changes a lever, presses Run
and sees the headline cards and a figure. Skipped (saying why) only where Chromium or its driver is
not installed and the browser is not required; .ci/run installs both and sets
DOROTHY_REQUIRE_BROWSER=1, so in CI a missing browser fails the test instead of skipping it."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("streamlit")
selenium = pytest.importorskip("selenium")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
REQUIRED = os.environ.get("DOROTHY_REQUIRE_BROWSER", "") not in ("", "0")
pytestmark = pytest.mark.skipif(not REQUIRED and (CHROMIUM is None or DRIVER is None), reason=(
    "needs Debian's Chromium and its driver: apt-get install chromium chromium-driver (.ci/run does)"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory) -> Iterator[str]:
    port = free_port()
    root = tmp_path_factory.mktemp("results")
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).parents[1]))
    log = open(root / "app.log", "w")  # noqa: SIM115 (closed below)
    process = subprocess.Popen([sys.executable, "-m", "dorothy_sim.cli", "app", "--port", str(port),
                                "--results", str(root), "--workers", "1"], env=env, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}_stcore/health", timeout=1) as answer:
                    if answer.read() == b"ok":
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError((root / "app.log").read_text()) from None
                time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--window-size=1500,1800"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def _wait(driver, css: str, timeout: float = 40.0):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(ec.presence_of_element_located((By.CSS_SELECTOR, css)))


def choose_small_and_set_a_lever(driver, url: str, clinicians: int = 3) -> None:
    """Open the page, pick the small scenario, 2 replications, and type a lever's new value."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    driver.get(url)
    _wait(driver, 'input[aria-label="Rapid response: clinicians (clinicians)"]')
    scenario = driver.find_element(By.CSS_SELECTOR, 'input[aria-label="Scenario"]')
    scenario.click()
    scenario.send_keys(Keys.CONTROL, "a")
    scenario.send_keys("small")
    time.sleep(0.3)
    scenario.send_keys(Keys.ENTER)
    _until(driver, lambda d: "Levers of small" in d.find_element(By.TAG_NAME, "body").text)
    for label, value in (("Replications", 2), ("Rapid response: clinicians (clinicians)", clinicians)):
        field = driver.find_element(By.CSS_SELECTOR, f'input[aria-label="{label}"]')
        field.send_keys(Keys.CONTROL, "a")
        field.send_keys(str(value), Keys.ENTER)
        time.sleep(0.5)
    changed = f"Changed: rapid_response.clinicians = {clinicians}"
    _until(driver, lambda d: changed in d.find_element(By.TAG_NAME, "body").text)


def _until(driver, condition, timeout: float = 30.0):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(condition)


def test_change_a_lever_run_and_see_the_cards_and_a_figure(app_url, browser):
    from selenium.webdriver.common.by import By

    started = time.monotonic()
    choose_small_and_set_a_lever(browser, app_url)
    run = next(b for b in browser.find_elements(By.CSS_SELECTOR, "button") if b.text.strip() == "Run")
    run.click()
    _wait(browser, '[data-testid="stMetric"]', timeout=60)
    _wait(browser, '[data-testid="stImage"] img, [data-testid="stVegaLiteChart"], .vega-embed', timeout=30)
    labels = [m.text for m in browser.find_elements(By.CSS_SELECTOR, '[data-testid="stMetricLabel"]')]
    assert any("Admissions avoided (exposure-adjusted)" in text for text in labels), labels
    assert any("Net saving" in text for text in labels), labels
    page = browser.find_element(By.TAG_NAME, "body").text
    assert "Traceback" not in page and "Changed: rapid_response.clinicians = 3" in page
    assert "over 2 replication(s)" in page
    assert time.monotonic() - started < 60


def test_a_malformed_upload_shows_the_command_lines_message(app_url, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    bad = tmp_path / "mine.toml"
    bad.write_text("extends = \"small\"\n[reablement\nplaces = 3\n", encoding="utf-8")
    browser.get(app_url)
    scenario = _wait(browser, 'input[aria-label="Scenario"]')
    scenario.click()
    scenario.send_keys(Keys.CONTROL, "a")
    scenario.send_keys("upload")
    time.sleep(0.3)
    scenario.send_keys(Keys.ENTER)
    _wait(browser, 'input[type="file"]').send_keys(str(bad))
    _until(browser, lambda d: "mine.toml, line 2" in d.find_element(By.TAG_NAME, "body").text)
    page = browser.find_element(By.TAG_NAME, "body").text
    assert "not valid TOML" in page and "Traceback" not in page
