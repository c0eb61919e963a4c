#!/usr/bin/env bash
# Install everything the suite needs on a fresh Debian machine, then run it: bash tests/run.sh [pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
if [ ! -x /usr/bin/chromium ]; then  # the browser tests drive Debian's Chromium; Playwright cannot download one here
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium
fi
export REQUIRE_BROWSER=1  # a missing browser fails the browser tests instead of skipping them
# bytecode is cached (__pycache__ is in .gitignore): without it every pytest process, each xdist worker and the
# browser run, compiles and assertion-rewrites every test module and plugin again, ~4.5 s of CPU each
unset PYTHONDONTWRITEBYTECODE
python3 -m ruff check .
if [ "$#" -gt 0 ]; then
  python3 -m pytest "$@"
else  # the browser tests run beside the engine and page tests. They are the longer part of the run: two workers,
  # sharing one server (see tests/browser/conftest.py), each a chain of Chromium drawing pages and the server
  # computing them. They keep their priority; the engine and page tests (on every core) run niced, on the CPU the
  # browser tests leave, instead of slowing them. Their report follows; either failing fails the run.
  log="$(mktemp)"
  python3 -m pytest -m browser -n 2 tests/browser >"$log" 2>&1 &  # collecting only tests/browser saves importing the rest
  browser=$!
  engine_status=0; browser_status=0
  # --dist loadgroup: the tests of an xdist_group (test_adam_fails.py's engine runs) share one worker and its cache
  nice -n 10 python3 -m pytest -m "not browser" -n auto --dist loadgroup || engine_status=$?
  wait "$browser" || browser_status=$?
  cat "$log"; rm -f "$log"
  if [ "$engine_status" -ne 0 ] || [ "$browser_status" -ne 0 ]; then
    echo "FAILED: engine and page tests exit $engine_status, browser tests exit $browser_status" >&2
    exit 1
  fi
fi
