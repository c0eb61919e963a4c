"""What the browser tests and benchmarks/bench_ui.py share: the server's life cycle, Chromium's flags, waits."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1400, "height": 1000}
CHART = ".js-plotly-plot .main-svg"
RACE = ".opr-root .js-plotly-plot .main-svg"  # the Playground's race chart (ui/race_chart.js)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, log_path: Path, cwd: Path = ROOT) -> subprocess.Popen:
    """`streamlit run app.py` (of the app in `cwd`) on `port`, in its own process group (so teardown ends it)."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = open(log_path, "w")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port", str(port),
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=cwd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )


def wait_healthy(proc: subprocess.Popen, port: int, log_path: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"streamlit not healthy after {timeout:.0f} s:\n{log_path.read_text()[-3000:]}")


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def stop_group(pid: int, timeout: float = 10.0) -> None:
    """stop_server for a server this process did not start (and so cannot wait for): by its process group."""
    def running() -> bool:  # a zombie (ended, its parent yet to wait for it) counts as stopped
        try:
            return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
        except (OSError, IndexError):
            return False

    try:
        os.killpg(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while running() and time.monotonic() < deadline:
            time.sleep(0.1)
        if running():
            os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def open_app(pg, app_url: str, query: str = "") -> None:
    """Load the Playground and wait until the race is drawn and the script has finished."""
    pg.goto(f"{app_url}/{query}")
    wait_race(pg)


def wait_race(pg, timeout: float = 60_000) -> None:
    """Wait until the race chart has drawn what the last finished run sent it."""
    pg.wait_for_selector(RACE, timeout=timeout)
    wait_idle(pg, timeout=timeout)
    pg.wait_for_function("() => { const r = document.querySelector('.opr-root');"
                         " return r && r.dataset.draws && !document.querySelector('.opr-status:not(:empty)'); }",
                         timeout=timeout)


SETTLED = """(sel) => {
  const now = Array.from(document.querySelectorAll(sel)).map(e => e.value).join('|');
  const seen = (window.__settled = window.__settled || {});
  if (seen[sel] && seen[sel].v === now) seen[sel].n += 1; else seen[sel] = {v: now, n: 1};
  if (seen[sel].n < 3) return false;
  delete seen[sel];
  return true;
}"""


def start_point(pg) -> tuple[str, str]:
    """The start inputs' text, read as a person does: open "Start, noise, morph" (a popover), read, close it."""
    inputs = pg.locator(".st-key-start_x input, .st-key-start_y input")
    if inputs.count() < 2 or not inputs.first.is_visible():
        pg.get_by_role("button", name="Start, noise, morph").click()
        inputs.nth(1).wait_for()
        # Streamlit mounts a number input at its default (here the lowest value a link accepts) and shows the value
        # the script set one render later: under load a read can fall between. Read once three polls agree.
        pg.wait_for_function(SETTLED, arg=".st-key-start_x input, .st-key-start_y input", polling=100, timeout=30_000)
    out = pg.locator(".st-key-start_x input").input_value(), pg.locator(".st-key-start_y input").input_value()
    pg.keyboard.press("Escape")
    inputs.first.wait_for(state="hidden")
    # the pointer, left on the button, brings up its tooltip a moment later, which can lie over what the test clicks
    # next (Playwright waits for a clear spot without moving the pointer): move it off, as a hand would
    pg.mouse.move(5, 5)
    return out


def draws(pg) -> int:
    return int(pg.evaluate("() => Number(document.querySelector('.opr-root')?.dataset.draws || 0)"))


def wait_redrawn(pg, before: int, timeout: float = 30_000) -> None:
    """Wait until the race chart has been redrawn since `before` = draws(pg), and the script has finished."""
    pg.wait_for_function("(n) => Number(document.querySelector('.opr-root')?.dataset.draws || 0) > n", arg=before,
                         timeout=timeout)
    wait_idle(pg)


def wait_idle(pg, timeout: float = 30_000) -> None:
    """Streamlit shows its status widget ("Running…") while the script runs; wait until it is gone."""
    pg.wait_for_timeout(150)
    pg.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout)


# A fingerprint of what plotly has drawn: the traces' data (binary arrays arrive as base64 strings)
CHART_DATA = """() => {
  const gd = document.querySelector('.js-plotly-plot');
  if (!gd || !gd.data) return null;
  return gd.data.map(t => (t.name || '') + '=' + (t.x && t.x.bdata !== undefined ? t.x.bdata : JSON.stringify(t.x))
                           + '/' + (t.y && t.y.bdata !== undefined ? t.y.bdata : JSON.stringify(t.y))).join('|');
}"""


def shot(target, name: str) -> Path:
    """Screenshot a page or an element into artifacts/ (an element is centred first: the app header would cover its top)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    if hasattr(target, "evaluate") and not hasattr(target, "goto"):
        target.evaluate("e => e.scrollIntoView({block: 'center'})")
    target.screenshot(path=str(path))
    return path
