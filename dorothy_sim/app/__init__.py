"""``dorothy app``: a local web page (Streamlit) to set the services' capacity, run the model against
the baseline with the same seeds, and explore finished runs and sweeps.

:mod:`.levers` makes the inputs from the service registry, :mod:`.whatif` runs and compares,
:mod:`.explore` opens results folders, :mod:`.downloads` writes what can be downloaded; :mod:`.page`
draws them with Streamlit and ``streamlit_app.py`` is the script Streamlit runs. See docs/app.md.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from pathlib import Path

from dorothy_sim.errors import UserError
from dorothy_sim.executors import START_METHOD_VARIABLE

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8501
SCRIPT = Path(__file__).with_name("streamlit_app.py")


def command(port: int = DEFAULT_PORT, host: str = DEFAULT_HOST) -> list[str]:
    """The ``streamlit run`` command line: this machine only unless ``host`` says otherwise, no
    browser opened by the server, no usage statistics sent, uploads of 1 MB at most."""
    return [sys.executable, "-m", "streamlit", "run", str(SCRIPT), "--server.address", host,
            "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false",
            "--server.maxUploadSize", "1", "--server.fileWatcherType", "none",
            "--server.runOnSave", "false", "--global.developmentMode", "false",
            "--client.toolbarMode", "viewer"]


def environment(results_root: Path, workers: int | None) -> dict[str, str]:
    """The page's settings, passed to its process: the results root it lists, its workers, and how
    its pool's workers start: from a fork server where the platform has one (Streamlit's server runs
    threads, and forking a threaded process is unsafe; :func:`dorothy_sim.executors.start_method`),
    unless the user chose a start method."""
    from dorothy_sim.app.page import RESULTS_ROOT_ENV, WORKERS_ENV

    env = dict(os.environ, **{RESULTS_ROOT_ENV: str(Path(results_root).resolve())})
    if workers is not None:
        env[WORKERS_ENV] = str(workers)
    if "forkserver" in multiprocessing.get_all_start_methods():
        env.setdefault(START_METHOD_VARIABLE, "forkserver")
    return env


def serve(port: int = DEFAULT_PORT, host: str = DEFAULT_HOST, results_root: Path = Path("results"),
          workers: int | None = None) -> int:
    """Run the page in this process's place until Ctrl-C."""
    try:
        import streamlit  # noqa: F401
    except ImportError:
        raise UserError("dorothy app needs Streamlit: pip install 'dorothy_sim[app]' (or make app)") from None
    root = Path(results_root).resolve()
    print(f"dorothy app: http://{host}:{port}/ (Ctrl-C stops it); results folders from {root}", flush=True)
    # The server takes this process's place, so a signal that stops `dorothy app` stops the server.
    os.execve(sys.executable, command(port, host), environment(results_root, workers))
    return 0  # not reached
