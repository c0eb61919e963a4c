"""How fast does the Playground feel? Starts the app, drives headless Chromium, prints a table of numbers.

    python benchmarks/bench_ui.py               # about two minutes
    python benchmarks/bench_ui.py --changes 40  # more slider changes for steadier percentiles

Measured here, on this machine, in this run:

* cold start: `streamlit run` process start -> the race chart visible in a fresh browser (empty HTTP cache);
* slider -> redraw: from the key press on a slider thumb (ArrowRight) until plotly has drawn new data
  (the chart's `data` differs from before the press, plus one animation frame so it is painted). A
  WebSocket spy in the page splits each change into: press -> widget message sent, sent -> chart delta
  received (server rerun + transfer), chart received -> redrawn (protobuf decode + Plotly.react);
* payload: the figure the page builds for 6 optimizers x 1000 steps, serialized as Streamlit does
  (plotly.io.to_json(fig.to_dict(), validate=False)), and the WebSocket bytes the browser really receives;
* memory: RSS of the streamlit process and its children with 1 and with 10 sessions open.

Not a test: numbers depend on the machine and on whatever else runs on it (the load average is printed).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "browser"))
from browser_helpers import (  # noqa: E402
    ARTIFACTS,
    CHART,
    CHART_DATA,
    CHROMIUM,
    CHROMIUM_ARGS,
    VIEWPORT,
    free_port,
    start_server,
    stop_server,
    wait_healthy,
    wait_idle,
)

SIX = ("gd", "momentum", "nag", "rmsprop", "adam", "adamw")
TARGETS = {"redraw_median": 150.0, "redraw_p95": 400.0, "payload": 1_000_000, "first_chart": 4.0}

# Records every WebSocket message with its size and arrival time (performance.now() clock), before the app loads.
WS_SPY = """(() => {
  const log = window.__ws = [];
  const size = d => (d && (d.byteLength ?? d.size ?? d.length)) || 0;
  const Orig = window.WebSocket;
  class Spy extends Orig {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', ev => log.push({t: performance.now(), dir: 'in', n: size(ev.data)}));
    }
    send(d) { log.push({t: performance.now(), dir: 'out', n: size(d)}); return super.send(d); }
  }
  window.WebSocket = Spy;
})();"""

# Arms a watcher: records when the chart's data first differs from now, and one frame later (painted).
ARM = """() => {
  const SIG = CHART_DATA;
  const m = window.__mark = {before: SIG(), t0: 0, changed: null, painted: null, ws: window.__ws.length};
  const tick = () => {
    const s = SIG();
    if (s === null || s === m.before) return requestAnimationFrame(tick);
    m.changed = performance.now();
    requestAnimationFrame(() => { m.painted = performance.now(); });
  };
  requestAnimationFrame(tick);
  m.t0 = performance.now();
}""".replace("CHART_DATA", CHART_DATA)


def rss_tree(pid: int) -> int:
    """Resident bytes of a process and all its descendants, from /proc."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def pct(values, q: float) -> float:
    """The q-th percentile (nearest rank) of values."""
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q / 100 * len(s) + 0.5) - 1))]


def open_page(context, url: str, query: str = ""):
    page = context.new_page()
    page.add_init_script(WS_SPY)
    page.goto(f"{url}/{query}")
    page.wait_for_selector(CHART, timeout=60_000)
    wait_idle(page)
    return page


# ---- measurements ------------------------------------------------------------------------------------


def cold_start(browser, reps: int) -> list[dict]:
    """Process start -> first chart, each time a new server and a browser context with an empty cache."""
    out = []
    for i in range(reps):
        port = free_port()
        context = browser.new_context(viewport=VIEWPORT)
        page = context.new_page()
        page.add_init_script(WS_SPY)
        t0 = time.perf_counter()
        proc = start_server(port, ARTIFACTS / f"bench-cold-{i}.log")
        try:
            wait_healthy(proc, port, ARTIFACTS / f"bench-cold-{i}.log")
            t_health = time.perf_counter() - t0
            page.goto(f"http://127.0.0.1:{port}/")
            t_html = time.perf_counter() - t0
            page.wait_for_selector(".js-plotly-plot .scatterlayer .trace", timeout=60_000)
            t_chart = time.perf_counter() - t0
            # in-page clock (ms since navigation start): first WebSocket message, the chart's delta, chart drawn
            timing = page.evaluate("""() => { const ws = window.__ws.filter(m => m.dir === 'in');
                const big = ws.reduce((a, m) => (m.n > a.n ? m : a), {n: 0, t: 0});
                return {first_msg: ws.length ? ws[0].t : null, chart_msg: big.t, now: performance.now()}; }""")
            wait_idle(page)
            out.append(dict(health=t_health, html=t_html, chart=t_chart, **timing))
        finally:
            context.close()
            stop_server(proc)
    return out


def slider_changes(page, key: str, presses: list[str]) -> list[dict]:
    """Press keys on a slider's thumb, one at a time, and time each redraw."""
    thumb = page.locator(f".st-key-{key.replace('.', '-')}").get_by_role("slider")
    out = []
    for k in presses:
        thumb.focus()
        page.evaluate(ARM)
        thumb.press(k)
        page.wait_for_function("() => window.__mark.painted !== null", timeout=30_000)
        wait_idle(page)
        m = page.evaluate("() => ({...window.__mark, log: window.__ws.slice(window.__mark.ws)})")
        sent = next((e["t"] for e in m["log"] if e["dir"] == "out"), None)
        ins = [e for e in m["log"] if e["dir"] == "in" and e["t"] <= m["changed"]]
        chart = max(ins, key=lambda e: e["n"]) if ins else None
        out.append(dict(total=m["painted"] - m["t0"], changed=m["changed"] - m["t0"],
                        send=(sent - m["t0"]) if sent else float("nan"),
                        server=(chart["t"] - sent) if chart and sent else float("nan"),
                        render=(m["painted"] - chart["t"]) if chart else float("nan"),
                        chart_bytes=chart["n"] if chart else 0, value=thumb.get_attribute("aria-valuetext")))
    return out


def build_figure(steps: int, keys, view: str = "overlay", lr_adam: float | None = None) -> tuple[str, dict]:
    """The race figure the page builds on Rosenbrock for these optimizers, as Streamlit serializes it; and timings."""
    import numpy as np
    import plotly.io

    import optimizers
    import plots
    import surfaces
    from ui.settings import DEFAULTS

    surface = surfaces.get("rosenbrock")
    runs = []
    t = time.perf_counter()
    for i, key in enumerate(keys):
        hps = DEFAULTS.hyperparameters(key) | ({"lr": lr_adam} if key == "adam" and lr_adam else {})
        traj = optimizers.simulate(key, surface, np.array(surface.start), steps, **hps)
        runs.append(plots.Run(optimizers.get(key).label, plots.color_for(i), traj.path, traj.loss, traj.diverged_at))
    t_traj = (time.perf_counter() - t) / len(keys)
    bounds = plots.style.view_bounds(surface, [surface.start])
    image = plots.style.contour_image(surface, bounds, px=640 if view == "overlay" else 360)
    t = time.perf_counter()
    fig = plots.race_figure(surface, runs, start=surface.start, view=view, click_grid=view == "overlay", image=image)
    t_fig = time.perf_counter() - t
    t = time.perf_counter()
    text = plotly.io.to_json(fig.to_dict(), validate=False)
    t_json = time.perf_counter() - t
    return text, dict(bytes=len(text.encode()), image_bytes=len(image), trajectory_ms=t_traj * 1e3, build_ms=t_fig * 1e3,
                      json_ms=t_json * 1e3)


def figure_payload(steps: int = 1000, keys=SIX) -> dict:
    """Bytes of the figure for these optimizers and steps, overlay and multiples."""
    return {view: build_figure(steps, keys, view)[1] for view in ("overlay", "multiples")}


PLOTLY_JS = Path(__import__("plotly").__file__).parent / "package_data" / "plotly.min.js"


def plotly_alone(browser, reps: int = 9) -> dict:
    """Plotly.newPlot / Plotly.react of the landing figure in a blank page: plotly's own share of a redraw."""
    specs = [build_figure(500, ("gd", "momentum", "rmsprop", "adam"), lr_adam=lr)[0]
             for lr in (0.05, 0.068, 0.1, 0.15, 0.22, 0.32, 0.46, 0.68, 1.0, 1.5, 2.2)[: reps + 1]]
    page = browser.new_page(viewport=VIEWPORT)
    page.set_content("<div id=g style='width:940px;height:600px'></div>")
    page.add_script_tag(content=PLOTLY_JS.read_text())
    timing = page.evaluate("""async (specs) => {
        const gd = document.getElementById('g'), frame = () => new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));
        const out = {newPlot: [], react: []};
        for (const kind of ['newPlot', 'react']) {
          Plotly.purge(gd);
          for (const [i, s] of specs.entries()) {
            const t0 = performance.now();
            const fig = JSON.parse(s);  // as Streamlit does: a fresh object per update
            if (kind === 'newPlot') { Plotly.purge(gd); await Plotly.newPlot(gd, fig); } else await Plotly.react(gd, fig);
            await frame();
            if (i > 0) out[kind].push(performance.now() - t0);
          }
        }
        return out;
    }""", specs)
    page.close()
    return {k: statistics.median(v) for k, v in timing.items()}


def page_bytes(context, url: str, query: str) -> tuple[int, object]:
    """WebSocket bytes the browser receives to show this link (from navigation until the script is done)."""
    page = open_page(context, url, query)
    n = page.evaluate("() => window.__ws.filter(m => m.dir === 'in').reduce((a, m) => a + m.n, 0)")
    return n, page


# ---- report --------------------------------------------------------------------------------------------


def row(name: str, value: str, target: str = "", met: bool | str | None = None) -> str:
    flag = met if isinstance(met, str) else "" if met is None else ("yes" if met else "NO")
    return f"| {name:<66} | {value:>16} | {target:>9} | {flag:>4} |"


def summarize(label: str, runs: list[dict]) -> list[str]:
    tot = [r["total"] for r in runs]
    med, p95 = statistics.median(tot), pct(tot, 95)
    lines = [
        row(f"slider → redraw, {label}: median", f"{med:.0f} ms", "≤ 150 ms", med <= TARGETS["redraw_median"]),
        row(f"slider → redraw, {label}: p95 (n={len(tot)})", f"{p95:.0f} ms", "≤ 400 ms", p95 <= TARGETS["redraw_p95"]),
    ]
    for part, what in (("send", "press → widget message sent"), ("server", "sent → chart delta received"),
                       ("render", "chart received → redrawn")):
        vals = [r[part] for r in runs if r[part] == r[part]]
        if vals:
            lines.append(row(f"   {what} (median / p95)", f"{statistics.median(vals):.0f} / {pct(vals, 95):.0f} ms"))
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--changes", type=int, default=24, help="slider changes per series (≥ 20)")
    ap.add_argument("--cold", type=int, default=3, help="cold starts to time")
    args = ap.parse_args()
    if not os.access(CHROMIUM, os.X_OK):
        sys.exit(f"{CHROMIUM} is missing: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    lines = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores", flush=True)

        print("cold starts …", flush=True)
        cold = cold_start(browser, args.cold)
        first = statistics.median(c["chart"] for c in cold)
        lines.append(row(f"cold start → first chart (median of {len(cold)})", f"{first:.2f} s", "≤ 4 s",
                         first <= TARGETS["first_chart"]))
        c = sorted(cold, key=lambda c: c["chart"])[len(cold) // 2]
        lines.append(row("   process start → /_stcore/health ok", f"{c['health']:.2f} s"))
        # the page's clock starts at navigation, issued right after the health check
        lines.append(row("   → page loaded (goto returned: HTML + JS bundles)", f"{c['html']:.2f} s"))
        lines.append(row("   → first WebSocket message", f"{c['health'] + (c['first_msg'] or 0) / 1e3:.2f} s"))
        lines.append(row("   → chart delta received", f"{c['health'] + c['chart_msg'] / 1e3:.2f} s"))
        lines.append(row("   → chart drawn", f"{c['chart']:.2f} s"))

        port = free_port()
        log = ARTIFACTS / "bench-server.log"
        proc = start_server(port, log)
        try:
            wait_healthy(proc, port, log)
            url = f"http://127.0.0.1:{port}"
            context = browser.new_context(viewport=VIEWPORT)
            warm = open_page(context, url)  # fills the HTTP cache and the server's caches (contour image)
            warm.close()

            t = time.perf_counter()
            page = open_page(context, url)
            lines.append(row("warm page load → chart (cached JS, warm server)", f"{time.perf_counter() - t:.2f} s"))
            rss1 = rss_tree(proc.pid)

            n = max(20, args.changes)
            print(f"slider changes: β₁ ({n}, every value new) …", flush=True)
            beta = slider_changes(page, "adam.beta1", ["ArrowLeft"] * n)
            print(f"slider changes: α ({n}, back and forth over the stops) …", flush=True)
            half = n // 2
            alpha = slider_changes(page, "adam.lr", ["ArrowRight"] * half + ["ArrowLeft"] * (n - half))
            lines += summarize("β₁ (new values, 4 optimizers × 500)", beta)
            lines += summarize("α (4 optimizers × 500)", alpha)
            page.close()

            print("what bounds a redraw …", flush=True)
            alone = plotly_alone(browser)
            _, landing = build_figure(500, ("gd", "momentum", "rmsprop", "adam"))
            lines.append(row("   server compute: 1 trajectory + race_figure + to_json",
                             f"{landing['trajectory_ms'] + landing['build_ms'] + landing['json_ms']:.0f} ms"))
            lines.append(row("   Plotly.newPlot of that figure alone (what a remount costs)", f"{alone['newPlot']:.0f} ms"))
            lines.append(row("   Plotly.react of that figure alone (if it stayed mounted)", f"{alone['react']:.0f} ms"))

            print("payload …", flush=True)
            pay = figure_payload()
            ok = pay["overlay"]["bytes"] <= TARGETS["payload"]
            lines.append(row("figure JSON, 6 optimizers × 1000 steps, overlay", f"{pay['overlay']['bytes'] / 1e3:.0f} kB",
                             "≤ 1 MB", ok))
            lines.append(row("   of which the contour PNG (data URI)", f"{pay['overlay']['image_bytes'] / 1e3:.0f} kB"))
            lines.append(row("figure JSON, 6 optimizers × 1000 steps, multiples", f"{pay['multiples']['bytes'] / 1e3:.0f} kB",
                             "≤ 1 MB", pay["multiples"]["bytes"] <= TARGETS["payload"]))
            lines.append(row("   build race_figure / to_json (overlay)",
                             f"{pay['overlay']['build_ms']:.0f} / {pay['overlay']['json_ms']:.0f} ms"))
            query = f"?opt={','.join(SIX)}&steps=1000"
            ws_total, heavy = page_bytes(context, url, query)
            lines.append(row("WebSocket bytes, first load of that link", f"{ws_total / 1e3:.0f} kB", "≤ 1 MB",
                             ws_total <= TARGETS["payload"]))
            print(f"slider changes: α on 6 optimizers × 1000 steps ({n}) …", flush=True)
            big = slider_changes(heavy, "adam.lr", ["ArrowRight"] * half + ["ArrowLeft"] * (n - half))
            lines.append(row("WebSocket bytes of the chart delta per slider change",
                             f"{statistics.median(r['chart_bytes'] for r in big) / 1e3:.0f} kB", "≤ 1 MB",
                             statistics.median(r["chart_bytes"] for r in big) <= TARGETS["payload"]))
            lines += summarize("α (6 optimizers × 1000)", big)
            heavy.close()

            print("memory …", flush=True)
            pages = [open_page(context, url, f"?adam.lr={lr}") for lr in (0.01, 0.015, 0.022, 0.032, 0.046, 0.068, 0.1,
                                                                             0.15, 0.22, 0.32)]
            time.sleep(1)
            rss10 = rss_tree(proc.pid)
            lines.append(row("server RSS, 1 session", f"{rss1 / 2**20:.0f} MB"))
            lines.append(row("server RSS, 10 sessions (distinct α each)", f"{rss10 / 2**20:.0f} MB"))
            for pg in pages:
                pg.close()
            context.close()
        finally:
            stop_server(proc)
        browser.close()

    print(f"\nload average after: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print(row("metric", "value", "target", "met"))
    print(f"|{'-' * 68}|{'-' * 18}|{'-' * 11}|{'-' * 6}|")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
