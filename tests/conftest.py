"""Two of Streamlit's per-session costs that every AppTest session of the suite would otherwise pay again, kept once
per test process. Neither changes what a page runs or shows.

- AppTest gives every run a fresh ScriptCache, so each run reads app.py and the page again, rewrites their AST for
  Streamlit's "magic" and compiles them (about 30 ms a run; Playground and How Adam works are long scripts). Here the
  bytecode is kept per file, by its modification time and size: an edited file is compiled again.
- Every new AppTest scans the metadata of every installed distribution for Streamlit v2 component manifests (about
  0.35 s of CPU a session here, with torch and friends installed: most of a fresh session's cost). Nothing is installed
  while the tests run, so one scan serves every session of the process, as a server scans once when it starts.

Fresh sessions went from ~0.5 s to ~0.15 s of CPU. Should a Streamlit release move either function, the suite runs as
before, only slower.
"""

from __future__ import annotations

import os
import threading


def _keep_bytecode() -> None:
    from streamlit import config
    from streamlit.runtime.scriptrunner import script_cache

    compile_script = script_cache.ScriptCache.get_bytecode
    kept: dict[tuple, object] = {}

    def get_bytecode(self, script_path: str):
        path = os.path.abspath(script_path)
        stat = os.stat(path)
        key = (path, stat.st_mtime_ns, stat.st_size, config.get_option("runner.magicEnabled"))
        code = kept.get(key)
        if code is None:
            code = kept[key] = compile_script(self, script_path)
        return code

    script_cache.ScriptCache.get_bytecode = get_bytecode


def _scan_components_once() -> None:
    from streamlit.components.v2 import manifest_scanner

    scan = manifest_scanner.scan_component_manifests
    scanned: list = []
    lock = threading.Lock()

    def scan_component_manifests(max_workers: int | None = None):
        with lock:
            if not scanned:
                scanned.append(scan(max_workers))
        return list(scanned[0])

    manifest_scanner.scan_component_manifests = scan_component_manifests


for _patch in (_keep_bytecode, _scan_components_once):
    try:
        _patch()
    except (ImportError, AttributeError):  # moved in a newer Streamlit: nothing to speed up
        pass
