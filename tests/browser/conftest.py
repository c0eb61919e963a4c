"""Browser tests: one `streamlit run app.py` per session, driven by Debian's Chromium through Playwright.

`playwright install` cannot download browsers here, so Playwright launches /usr/bin/chromium. Without it the
tests skip, unless REQUIRE_BROWSER=1 (as tests/run.sh sets for CI): then they fail loudly.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
from pathlib import Path
from urllib.parse import urlparse

import pytest
from browser_helpers import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    VIEWPORT,
    free_port,
    start_server,
    stop_group,
    stop_server,
    wait_healthy,
)

# The longest tests (30-50 s each), first: two workers share the rest instead of one finishing alone on them
LONGEST = ("test_every_page_and_back_keeps_the_playground", "test_every_page_by_its_deep_link_shows_its_settings",
           "test_links_on_a_freshly_started_and_on_a_restarted_server", "test_views_switch_and_every_optimizer_side_by_side")


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)
    if "PYTEST_XDIST_WORKER" in os.environ:
        items.sort(key=lambda item: getattr(item, "originalname", item.name) not in LONGEST)


def _unavailable(reason: str):
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not os.access(CHROMIUM, os.X_OK):
        _unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _unavailable("the playwright package is missing (pip install -r requirements-dev.txt)")
    return CHROMIUM


@pytest.fixture(scope="session")
def app_url(chromium_path, tmp_path_factory) -> str:
    """The app's address. pytest-xdist workers (tests/run.sh runs two) share one server: a second server would
    compute again, cold, every page's cached runs (the sweeps' 4 096, When Adam fails' 60 600 steps), seconds of CPU
    the machine's two cores are short of. The first worker to get here starts it; the last one to leave stops it."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        port, log_path = free_port(), ARTIFACTS / "streamlit-browser-tests.log"
        proc = start_server(port, log_path)
        try:
            wait_healthy(proc, port, log_path)
            yield f"http://127.0.0.1:{port}"
        finally:
            stop_server(proc)
        return
    shared = tmp_path_factory.getbasetemp().parent  # the same folder for every worker of this run
    with _locked(shared / "server.lock"):
        users = shared / "server.json"
        if users.exists():
            info = json.loads(users.read_text())
        else:
            port, log_path = free_port(), ARTIFACTS / "streamlit-browser-tests.log"
            proc = start_server(port, log_path)  # in a session of its own: it outlives the worker that started it
            _STARTED.append(proc)  # kept, not collected as a child still running
            info = {"port": port, "pid": proc.pid, "users": 0}
            try:
                wait_healthy(proc, port, log_path)
            except Exception:
                stop_server(proc)
                raise
        info["users"] += 1
        users.write_text(json.dumps(info))
    try:
        yield f"http://127.0.0.1:{info['port']}"
    finally:
        with _locked(shared / "server.lock"):
            info = json.loads(users.read_text())
            info["users"] -= 1
            if info["users"] == 0:
                users.unlink()
                stop_group(info["pid"])
            else:
                users.write_text(json.dumps(info))


_STARTED: list = []


@contextlib.contextmanager
def _locked(path: Path):
    with open(path, "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


# Every tab of a site in one renderer process (see `renderer`)
PROCESS_PER_SITE = "--process-per-site"


@pytest.fixture(scope="session")
def browser(chromium_path):
    """Chromium, with every request that is not to the machine itself sent to a proxy that is not there.

    The proxy's address is a port this process holds bound and never listens on: a request to any other host,
    by name or by address, fails at once on the machine (net::ERR_PROXY_CONNECTION_FAILED) and never leaves it.
    Loopback (127.0.0.1, localhost) bypasses a proxy in Chromium, so the app's own requests go straight to it. This
    replaces a Playwright route, which sent every request of every page through Python and, as any route does,
    turned Chromium's HTTP cache off: each page load fetched and compiled Streamlit's and plotly's JavaScript again
    (~1.5 s of Chromium's CPU a load)."""
    from playwright.sync_api import sync_playwright

    nowhere = socket.socket()
    nowhere.bind(("127.0.0.1", 0))
    proxy = f"--proxy-server=http://127.0.0.1:{nowhere.getsockname()[1]}"
    try:
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=chromium_path, args=[*CHROMIUM_ARGS, PROCESS_PER_SITE, proxy],
                                  headless=True)
            yield b
            b.close()
    finally:
        nowhere.close()


LOCAL = {"127.0.0.1", "localhost"}
OUTSIDE: list[str] = []  # every request of the session that was not to the app's own address


def _local(url: str) -> bool:
    parts = urlparse(url)
    return parts.scheme in ("data", "blob", "about", "file") or parts.hostname in LOCAL


@pytest.fixture(scope="session")
def context(browser):
    """One context for the session, so its HTTP cache keeps Streamlit's and plotly's JavaScript (4.7 MB).

    A classroom may be offline: every request that would leave the machine is recorded here, and fails (see
    `browser`), and the test that made it fails (see `page`)."""
    ctx = browser.new_context(viewport=VIEWPORT)
    ctx.on("request", lambda r: None if _local(r.url) else OUTSIDE.append(r.url))
    ctx.on("page", _poll_calmly)  # a test's second tab too
    yield ctx
    ctx.close()


def _probe(url: str) -> bool:
    """Streamlit's frontend, opened at /<page>, first looks for its server under that path (/<page>/_stcore/health,
    …/host-config), then at the root: those 404s are its base-path detection, not the app's."""
    path = urlparse(url).path
    return path.endswith(("/_stcore/health", "/_stcore/host-config")) and path.count("/") > 2


@pytest.fixture(scope="session")
def renderer(context, app_url):
    """A tab kept open on the app's site all session. Each test's tab is new, but with --process-per-site it opens in
    the renderer process this tab keeps alive, where V8 has Streamlit's and plotly's JavaScript compiled already: a
    test's first page costs Chromium about 3 s of CPU instead of 6.5 s in a process of its own. (The site is the
    address without its port: a second server on 127.0.0.1 shares the process too.)"""
    anchor = context.new_page()
    anchor.goto(f"{app_url}/_stcore/health")
    yield anchor
    anchor.close()


POLL_MS = 100


def _poll_calmly(pg) -> None:
    """wait_for_function checks every POLL_MS instead of Playwright's default, every animation frame: polling by frame
    keeps the renderer producing frames all the time a test waits, 0.1-0.2 s of CPU per second of waiting against
    0.02-0.06 s (measured on the Playground and How Adam works), CPU the page being waited for needs."""
    wait = pg.wait_for_function

    def wait_for_function(expression, *args, polling=POLL_MS, **kwargs):
        return wait(expression, *args, polling=polling, **kwargs)

    pg.wait_for_function = wait_for_function


@pytest.fixture
def page(context, app_url, renderer):
    """A fresh tab (its own Streamlit session); after the test, no exception box anywhere."""
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    # (a request to another host fails the test as such, below: its failed load is not reported twice)
    pg.on("console", lambda m: errors.append(f"console.error: {m.text} ({m.location.get('url', '')})")
          if m.type == "error" and not _probe(m.location.get("url", "")) and m.location.get("url") not in OUTSIDE
          else None)
    pg.on("response", lambda r: errors.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 and not _probe(r.url) else None)
    pg.page_errors = errors  # a test may drop the ones it expects
    outside = len(OUTSIDE)
    pg.outside, pg.outside_from = OUTSIDE, outside
    yield pg
    try:
        assert pg.locator('[data-testid="stException"]').count() == 0, pg.locator('[data-testid="stException"]').first.inner_text()
        assert not errors, errors
        assert OUTSIDE[outside:] == [], f"requests that would leave the machine: {OUTSIDE[outside:]}"
    finally:
        pg.close()
