"""The explore notebook in a real browser: JupyterLab, headless Chromium, widgets on screen.

The test starts JupyterLab on 127.0.0.1 (a free port, a random token, its own configuration,
runtime and settings folders), opens a copy of ``notebooks/10_explore.ipynb`` in headless Chromium
through chromedriver, runs every cell from the Run menu, and checks that the widgets appear, that
the forest plot is drawn inside the widgets' output area, that the notebook's own checks pass, and
that changing the estimator redraws the result. A screenshot is written to the test's temporary
folder. JupyterLab and the browser are stopped afterwards.

It is skipped, with the reason, when Chromium, chromedriver, selenium or JupyterLab is missing.
On Debian: ``apt-get install -y chromium chromium-driver``; set ``KOPPMETA_CHROMIUM`` and
``KOPPMETA_CHROMEDRIVER`` to use other binaries.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import ROOT

NOTEBOOK = ROOT / "notebooks" / "10_explore.ipynb"
SERVER_START = 40  # seconds for JupyterLab to answer
RUN_ALL = 60  # seconds for the notebook to run and draw
CHROMIUM_FLAGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--disable-extensions", "--no-default-browser-check",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "--window-size=1400,2000",
]


def _binary(env_name: str, *names: str) -> str | None:
    given = os.environ.get(env_name)
    if given:
        return given if Path(given).is_file() else None
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(proc: subprocess.Popen) -> None:
    """Stop JupyterLab (SIGTERM lets it shut its kernels down), then anything left in its process group."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # the server's own group (start_new_session): its kernels
    except (ProcessLookupError, PermissionError):
        pass
    if proc.poll() is None:
        proc.wait(timeout=5)


@pytest.fixture
def browser_tools():
    chromium = _binary("KOPPMETA_CHROMIUM", "chromium", "chromium-browser")
    chromedriver = _binary("KOPPMETA_CHROMEDRIVER", "chromedriver")
    if chromium is None or chromedriver is None:
        pytest.skip("Chromium and chromedriver are needed (Debian: apt-get install -y chromium chromium-driver); "
                    f"found chromium={chromium}, chromedriver={chromedriver}")
    pytest.importorskip("selenium", reason="selenium is needed (pip install selenium)")
    pytest.importorskip("jupyterlab", reason="JupyterLab is needed (pip install -e '.[notebooks]')")
    pytest.importorskip("ipywidgets", reason="ipywidgets is needed (pip install -e '.[notebooks]')")
    return chromium, chromedriver


@pytest.fixture
def jupyterlab(browser_tools, tmp_path):
    """A JupyterLab server on 127.0.0.1 serving a folder with a copy of the explore notebook."""
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(NOTEBOOK, work / NOTEBOOK.name)  # a copy: autosave must not touch notebooks/
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ)
    for var, sub in [("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_RUNTIME_DIR", "runtime"), ("JUPYTER_DATA_DIR", "data"),
                     ("JUPYTERLAB_SETTINGS_DIR", "settings"), ("JUPYTERLAB_WORKSPACES_DIR", "workspaces"),
                     ("IPYTHONDIR", "ipython"), ("MPLCONFIGDIR", "matplotlib")]:
        env[var] = str(tmp_path / sub)
        (tmp_path / sub).mkdir()
    # no news, no update checks, no toasts: the browser talks to 127.0.0.1 only
    settings = tmp_path / "settings" / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    settings.parent.mkdir(parents=True)
    settings.write_text('{"fetchNews": "false", "checkForUpdates": false, "doNotDisturbMode": true}', encoding="utf-8")
    env.update({"KOPPMETA_ROOT": str(ROOT), "KOPPMETA_FIGURES_DIR": str(tmp_path / "figures"),
                "JUPYTER_PLATFORM_DIRS": "1", "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"})
    cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--ServerApp.token={token}", f"--port={port}",
           "--ServerApp.ip=127.0.0.1", "--ServerApp.port_retries=0", f"--ServerApp.root_dir={work}",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate", "--LabApp.news_url=None",
           "--LabApp.extension_manager=readonly", "--ServerApp.open_browser=False"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # containers and CI runners often run as root
    log_path = tmp_path / "jupyterlab.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=work, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START
        while True:
            if proc.poll() is not None:
                pytest.fail(f"JupyterLab exited with code {proc.returncode}:\n{log_path.read_text(errors='replace')[-3000:]}")
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"JupyterLab did not answer within {SERVER_START} s:\n{log_path.read_text(errors='replace')[-3000:]}")
            time.sleep(0.3)
        yield {"base": base, "token": token, "log": log_path, "tmp": tmp_path}
    finally:
        _stop(proc)


def test_explore_notebook_in_jupyterlab(jupyterlab, browser_tools):
    from selenium import webdriver
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import Select, WebDriverWait

    chromium, chromedriver = browser_tools
    tmp = jupyterlab["tmp"]
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROMIUM_FLAGS + [f"--user-data-dir={tmp / 'chromium-profile'}"]:
        options.add_argument(flag)
    # with the driver path given, Selenium Manager is not started: nothing is downloaded
    service = Service(executable_path=chromedriver, log_output=str(tmp / "chromedriver.log"))
    screenshot = tmp / "explore_in_jupyterlab.png"
    driver = webdriver.Chrome(service=service, options=options)
    try:
        driver.set_page_load_timeout(30)
        driver.get(f"{jupyterlab['base']}/lab/tree/{NOTEBOOK.name}?token={jupyterlab['token']}")
        wait = WebDriverWait(driver, RUN_ALL)

        def fail(what: str) -> None:
            driver.save_screenshot(str(screenshot))
            pytest.fail(f"{what} (screenshot: {screenshot}; server log: {jupyterlab['log']})")

        try:
            wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, ".jp-NotebookPanel .jp-Cell")))
            # some JupyterLab versions ask which kernel to use for an untrusted copy: take the preferred one
            try:
                WebDriverWait(driver, 5).until(EC.element_to_be_clickable(
                    (By.XPATH, "//div[contains(@class,'jp-Dialog')]//button[.//div[normalize-space()='Select']]"))).click()
            except TimeoutException:
                pass
            # Run > Run All Cells
            wait.until(EC.element_to_be_clickable(
                (By.XPATH, "//div[contains(@class,'lm-MenuBar-itemLabel') and normalize-space()='Run']"))).click()
            wait.until(EC.element_to_be_clickable(
                (By.XPATH, "//li[contains(@class,'lm-Menu-item')][.//div[normalize-space()='Run All Cells']]"))).click()
            wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, ".jupyter-widgets.widget-dropdown select")))
            wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, ".widget-output .jp-RenderedImage img")))
            wait.until(EC.presence_of_element_located(
                (By.XPATH, "//div[contains(@class,'jp-OutputArea-output')]//pre[contains(., 'All checks passed.')]")))
        except TimeoutException:
            fail("the notebook did not show its widgets, its forest plot and 'All checks passed.' in time")

        errors = driver.find_elements(By.CSS_SELECTOR, "[data-mime-type='application/vnd.jupyter.error']")
        assert not errors, "error output in the notebook: " + errors[0].text[:500]
        dropdowns = driver.find_elements(By.CSS_SELECTOR, ".jupyter-widgets.widget-dropdown")
        labels = [d.find_element(By.CSS_SELECTOR, "label").text for d in dropdowns]
        assert {"Outcome", "Time point", "Estimator (τ²)", "Subgroups"} <= set(labels), labels
        assert driver.find_elements(By.CSS_SELECTOR, ".jupyter-widgets.widget-checkbox input[type='checkbox']")
        img = driver.find_element(By.CSS_SELECTOR, ".widget-output .jp-RenderedImage img")
        assert img.get_attribute("src").startswith("data:image/png") and img.size["width"] > 300
        output = driver.find_element(By.CSS_SELECTOR, ".widget-output")
        before = output.text
        import koppmeta

        k = len(koppmeta.effects_for(koppmeta.load_studies(), "incidence"))  # the trials the page pools
        assert "estimator REML," in before and "RR (back-transformed)" in before and f"k = {k}" in before, before[:300]

        # the controls work: another estimator redraws the numbers at once
        estimator = dropdowns[labels.index("Estimator (τ²)")].find_element(By.CSS_SELECTOR, "select")
        Select(estimator).select_by_visible_text("DL")
        try:
            WebDriverWait(driver, 20).until(
                lambda d: "estimator DL," in d.find_element(By.CSS_SELECTOR, ".widget-output").text)
        except TimeoutException:
            fail("changing the estimator did not update the output")
        WebDriverWait(driver, 20).until(
            EC.presence_of_element_located((By.CSS_SELECTOR, ".widget-output .jp-RenderedImage img")))
        driver.save_screenshot(str(screenshot))
        assert screenshot.stat().st_size > 10_000
    finally:
        driver.quit()
