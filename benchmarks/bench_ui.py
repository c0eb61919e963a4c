"""How fast does the Playground feel, before and after the race chart became a component that stays mounted?

    python benchmarks/bench_ui.py               # about five minutes on an idle machine
    python benchmarks/bench_ui.py --quick       # a smoke run, about two minutes, too few samples to judge
    python benchmarks/bench_ui.py --changes 40  # more slider changes for steadier percentiles

Two apps run side by side in one run, each on its own port: "before" is the app at commit 53c8285 (the race
drawn by st.plotly_chart, remounted on every rerun), checked out into a throwaway worktree (/tmp/bench_before,
created when missing and left for the next run); "after" is this working tree (the race as a Custom Component
v2, ui/static/race_chart.js, redrawn with Plotly.react on the same DOM node). Headless Chromium drives both; the
changes alternate between the two apps (before, after, after, before, …) so that load hits both alike.

* cold start: `streamlit run` process start -> the race chart drawn, in a fresh browser context (empty cache);
* slider -> redrawn: from the key press on Adam's α slider until the chart shows the new data plus one
  animation frame (before: plotly's trace data differ; after: the component's `data-draws` counter moved),
  for 4 optimizers × 500 steps (the landing page), 6 × 1000 and 12 × 2000. A change with no redraw within
  5 s counts as missed. The key presses walk left then back right over the slider's stops, so the first half
  are new values (nothing cached), the second half revisit them (server caches hit; after: nothing to send);
* bytes: everything the browser receives over the WebSocket for one change (a spy installed before the app loads);
* server CPU: utime + stime of the streamlit process and its children over a series, per change;
* scrub frame (after only): an `input` event on the morph slider, until Plotly has updated and a frame later;
* memory: RSS of each server with 1 session open, and later with 10 (distinct α each; closed ones may linger).

Not a test: numbers depend on the machine and on whatever else runs on it (the load average is printed).
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "browser"))
from browser_helpers import (  # noqa: E402
    ARTIFACTS,
    CHART_DATA,
    CHROMIUM,
    CHROMIUM_ARGS,
    VIEWPORT,
    free_port,
    start_server,
    stop_server,
    wait_healthy,
)

BEFORE_REV = "53c8285"
BEFORE_DIR = Path("/tmp/bench_before")
MISSED_MS = 5000.0
SCENARIOS = (  # label, query, the share of --changes it gets
    ("4×500", "", 1.0),
    ("6×1000", "?opt=gd,momentum,nag,rmsprop,adam,adamw&steps=1000", 1.0),
    ("12×2000", "?opt=gd,momentum,nag,adagrad,rmsprop,adadelta,adam,amsgrad,adamw,nadam,adamax,radam&steps=2000",
     0.3),
)
LRS = (0.01, 0.015, 0.022, 0.032, 0.046, 0.068, 0.1, 0.15, 0.22, 0.32)  # one α per extra session for the memory row

# Records every WebSocket message with its size and time (performance.now() clock), before the app loads.
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

# What each app draws into, and how a page tells that its chart has been drawn
GD = {False: ".js-plotly-plot", True: ".opr-root .js-plotly-plot"}
DRAWN = {
    False: "() => !!document.querySelector('.js-plotly-plot .scatterlayer .trace')",
    True: "() => { const r = document.querySelector('.opr-root'); return !!r && Number(r.dataset.draws || 0) >= 1; }",
}

# Arms a watcher before a key press: notes when the chart shows something new, and one frame later (painted).
# before: the trace data differ (st.plotly_chart); after: the component counted another completed draw.
# Also notes whether the plotly div is still the node it was when the page loaded (a remount replaces it).
ARM = """(isNew) => {
  const SIG = CHART_DATA;
  const sel = isNew ? '.opr-root .js-plotly-plot' : '.js-plotly-plot';
  const draws = () => { const r = document.querySelector('.opr-root'); return r ? r.dataset.draws + '/' + r.dataset.rev : null; };
  const read = isNew ? draws : SIG;
  const m = window.__mark = {before: read(), t0: 0, changed: null, painted: null, ws: window.__ws.length, remount: null};
  const tick = () => {
    const s = read();
    if (s === null || s === m.before) return requestAnimationFrame(tick);
    m.changed = performance.now();
    m.remount = document.querySelector(sel) !== window.__gd0;
    window.__gd0 = document.querySelector(sel);
    requestAnimationFrame(() => { m.painted = performance.now(); });
  };
  requestAnimationFrame(tick);
  m.t0 = performance.now();
}""".replace("CHART_DATA", CHART_DATA)

# Morph scrubbing, in the page: an `input` event per position (no server round trip), timed until Plotly has
# updated (its plotly_animated event) and two animation frames later (the frame with the update was painted).
SCRUB = """async (n) => {
  const root = document.querySelector('.opr-root');
  const input = root && root.querySelector('.opr-morph-input');
  if (!input || root.querySelector('.opr-morph').hidden) return null;
  const gd = root.querySelector('.js-plotly-plot');
  const raf = () => new Promise(r => requestAnimationFrame(r));
  const max = Number(input.max), start = input.value, sent = window.__ws.filter(m => m.dir === 'out').length;
  const times = [], js = [];
  let animated = 0;
  for (let i = 0; i < n; i++) {
    const pos = (max * (i + 0.5) / n).toFixed(2);
    await raf();
    const done = new Promise(r => { gd.once('plotly_animated', () => { animated++; r(); }); setTimeout(r, 1000); });
    const t0 = performance.now();
    input.value = pos;
    input.dispatchEvent(new Event('input', {bubbles: true}));
    await done;
    js.push(performance.now() - t0);
    await raf();
    await raf();
    times.push(performance.now() - t0);
  }
  input.value = start;
  input.dispatchEvent(new Event('input', {bubbles: true}));
  return {times, js, animated, stops: max + 1, label: root.querySelector('.opr-morph-label').textContent,
          sent: window.__ws.filter(m => m.dir === 'out').length - sent};
}"""


@dataclass
class App:
    name: str  # "before" / "after"
    root: Path
    new: bool  # the component (after) or st.plotly_chart (before)
    proc: subprocess.Popen | None = None
    url: str = ""
    errors: list = field(default_factory=list)  # browser console errors and uncaught exceptions

    def start(self, tag: str) -> None:
        port = free_port()
        log = ARTIFACTS / f"bench-{self.name}-{tag}.log"
        self.proc = start_server(port, log, cwd=self.root)
        self.url = f"http://127.0.0.1:{port}"
        wait_healthy(self.proc, port, log)

    def stop(self) -> None:
        if self.proc is not None:
            stop_server(self.proc)
            self.proc = None


def ensure_worktree() -> None:
    """The app as it was at BEFORE_REV, in a detached worktree (never committed to)."""
    if (BEFORE_DIR / "app.py").exists():
        head = subprocess.run(["git", "-C", str(BEFORE_DIR), "rev-parse", "HEAD"], capture_output=True, text=True).stdout
        if head.startswith(BEFORE_REV):
            return
        sys.exit(f"{BEFORE_DIR} exists but is not at {BEFORE_REV}: remove it (git worktree remove --force {BEFORE_DIR})")
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(BEFORE_DIR), BEFORE_REV], check=True,
                   capture_output=True)


# ---- process accounting (from /proc) ---------------------------------------------------------------------


def tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return out


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process and its descendants (every thread), in seconds."""
    ticks = 0
    for p in tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # fields 14 and 15 of proc(5), counted after the name
        except (FileNotFoundError, ProcessLookupError):
            continue
    return ticks / os.sysconf("SC_CLK_TCK")


def rss(pid: int) -> int:
    total = 0
    for p in tree(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


# ---- browser ------------------------------------------------------------------------------------------------


def pct(values, q: float) -> float:
    """The q-th percentile (nearest rank) of values."""
    s = sorted(values)
    return s[min(len(s) - 1, max(0, math.ceil(q / 100 * len(s)) - 1))]


def wait_idle(page, timeout: float = 60_000) -> None:
    """Streamlit shows its status widget while a script runs: a short settle, then wait until it is gone."""
    page.wait_for_timeout(150)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout, polling=50)


def new_page(context, app: App):
    page = context.new_page()
    page.add_init_script(WS_SPY)
    page.on("console", lambda m: m.type == "error" and app.errors.append(f"{m.text[:120]} ({m.location.get('url', '')[:80]})"))
    page.on("pageerror", lambda e: app.errors.append(f"uncaught: {str(e)[:200]}"))
    return page


def open_page(context, app: App, query: str = "", settle: bool = True):
    page = new_page(context, app)
    page.goto(f"{app.url}/{query}")
    if settle:
        settle_page(page, app)
    return page


def wait_drawn(page, app: App, polling: int = 50) -> None:
    """Wait until the chart is drawn; an exception shown by the app fails at once."""
    page.wait_for_function(f"() => ({DRAWN[app.new]})() || !!document.querySelector('[data-testid=stException]')",
                           timeout=90_000, polling=polling)
    failed = page.locator("[data-testid=stException]")
    if failed.count():
        raise RuntimeError(f"the {app.name} app raised: {failed.first.inner_text()[:600]}")


def settle_page(page, app: App) -> None:
    wait_drawn(page, app)
    wait_idle(page)
    page.evaluate("sel => { window.__gd0 = document.querySelector(sel); }", GD[app.new])


def cold_start(browser, app: App, i: int) -> float:
    """Process start -> first chart drawn, a new server and a browser context with an empty cache."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = new_page(context, app)
        t0 = time.perf_counter()
        app.start(f"cold{i}")
        page.goto(app.url)
        wait_drawn(page, app, polling=20)
        page.evaluate("() => new Promise(requestAnimationFrame)")
        return time.perf_counter() - t0
    finally:
        context.close()
        app.stop()


def one_change(page, app: App, key: str) -> dict:
    """Press `key` on Adam's α slider and time the redraw; waits until the app is idle again."""
    page.bring_to_front()
    thumb = page.locator(".st-key-adam-lr").get_by_role("slider")
    thumb.scroll_into_view_if_needed()
    thumb.focus()
    page.evaluate(ARM, app.new)
    thumb.press(key)
    try:
        page.wait_for_function("() => window.__mark.painted !== null", timeout=MISSED_MS, polling=20)
    except Exception:  # noqa: BLE001 - missed: give it the rest of half a minute so that it does not spill into the next
        try:
            page.wait_for_function("() => window.__mark.painted !== null", timeout=25_000, polling=100)
        except Exception:  # noqa: BLE001
            pass
    wait_idle(page)
    m = page.evaluate("() => ({...window.__mark, log: window.__ws.slice(window.__mark.ws)})")
    ins = [e for e in m["log"] if e["dir"] == "in"]
    sent = next((e["t"] for e in m["log"] if e["dir"] == "out"), None)
    out = dict(total=None, send=None, server=None, render=None, bytes=sum(e["n"] for e in ins), remount=m["remount"],
               biggest=max((e["n"] for e in ins), default=0),
               value=thumb.get_attribute("aria-valuetext"))
    if m["painted"] is not None:
        out["total"] = m["painted"] - m["t0"]
        delta = max((e for e in ins if e["t"] <= m["changed"]), key=lambda e: e["n"], default=None)
        if sent is not None:
            out["send"] = sent - m["t0"]
        if delta and sent is not None:
            out["server"] = delta["t"] - sent
        if delta:
            out["render"] = m["painted"] - delta["t"]
    return out


def series(contexts: dict, apps: list[App], query: str, n: int) -> dict:
    """n changes of Adam's α on each app, alternating between the apps; server CPU per change."""
    half = n // 2
    presses = ["ArrowLeft"] * half + ["ArrowRight"] * (n - half)  # walk down over the stops, then back up
    pages = {app.name: open_page(contexts[app.name], app, query) for app in apps}
    res = {app.name: dict(changes=[], rss1=rss(app.proc.pid)) for app in apps}
    cpu0 = {app.name: cpu_seconds(app.proc.pid) for app in apps}
    for i, key in enumerate(presses):
        for app in (apps if i % 2 == 0 else apps[::-1]):
            res[app.name]["changes"].append(one_change(pages[app.name], app, key) | dict(new=i < half))
    for app in apps:
        res[app.name]["cpu_ms"] = (cpu_seconds(app.proc.pid) - cpu0[app.name]) / n * 1e3
    res["pages"] = pages
    return res


def scrub(page, n: int) -> dict | None:
    page.bring_to_front()
    page.locator(".opr-root").scroll_into_view_if_needed()
    return page.evaluate(SCRUB, n)


def sessions_rss(browser, app: App, k: int) -> int:
    """RSS of the server with k more sessions open, each with its own α (so each has its own runs)."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        pages = [open_page(context, app, f"?adam.lr={lr}", settle=False) for lr in LRS[:k]]
        for page in pages:
            wait_drawn(page, app, polling=100)
        for page in pages:
            wait_idle(page)
        return rss(app.proc.pid)
    finally:
        context.close()


# ---- report --------------------------------------------------------------------------------------------------


def row(name: str, before: str, after: str, target: str = "", met_b=None, met_a=None) -> str:
    flag = lambda m: "" if m is None else ("met" if m else "NOT met")  # noqa: E731
    return f"| {name:<48} | {target:>10} | {before:>16} | {flag(met_b):>7} | {after:>16} | {flag(met_a):>7} |"


def header() -> str:
    return (row("metric", "before", "after", "target").replace("|       |", "|  met  |") + "\n"
            + f"|{'-' * 50}|{'-' * 12}|{'-' * 18}|{'-' * 9}|{'-' * 18}|{'-' * 9}|")


def ms(v) -> str:
    return "—" if v is None else f"{v:.0f} ms"


def latency_rows(label: str, res: dict, targets: dict) -> list[str]:
    """p50 / p95 / max / missed of slider -> redrawn, then where the median change spends its time."""
    stats = {}
    for name in ("before", "after"):
        ch = res.get(name, {}).get("changes", [])
        tot = [c["total"] for c in ch if c["total"] is not None]
        missed = sum(1 for c in ch if c["total"] is None or c["total"] > MISSED_MS)
        stats[name] = dict(n=len(ch), tot=tot, missed=missed,
                           remounts=sum(1 for c in ch if c["remount"]),
                           parts={p: [c[p] for c in ch if c[p] is not None] for p in ("send", "server", "render")})
    get = lambda name, f: f(stats[name]["tot"]) if stats[name]["tot"] else None  # noqa: E731
    lines = []
    for what, f in (("p50", statistics.median), ("p95", lambda v: pct(v, 95)), ("max", max)):
        b, a = get("before", f), get("after", f)
        tgt = targets.get(what)
        lines.append(row(f"slider → redrawn, {label}: {what}", ms(b), ms(a), f"≤ {tgt:.0f} ms" if tgt else "",
                         None if tgt is None or b is None else b <= tgt, None if tgt is None or a is None else a <= tgt))
    b, a = stats["before"], stats["after"]
    lines.append(row("   missed (no redraw in 5 s) of n changes", f"{b['missed']} of {b['n']}", f"{a['missed']} of {a['n']}",
                     "0", b["missed"] == 0 if b["n"] else None, a["missed"] == 0 if a["n"] else None))
    lines.append(row("   redraws that replaced the plotly div", f"{b['remounts']}", f"{a['remounts']}"))
    split = lambda s: " / ".join(f"{statistics.median(s['parts'][p]):.0f}" if s["parts"][p] else "—"  # noqa: E731
                                 for p in ("send", "server", "render"))
    lines.append(row("   median press→sent / →delta in / →drawn, ms", split(b), split(a)))
    return lines


def bytes_rows(label: str, res: dict) -> list[str]:
    lines = []
    fmt = lambda v: "—" if v is None else f"{v / 1e3:.1f} kB"  # noqa: E731
    for which, new, what in (("new α", True, "bytes"), ("revisited α", False, "bytes"), ("largest message", True, "biggest")):
        med = {}
        for n in ("before", "after"):
            vals = [c[what] for c in res.get(n, {}).get("changes", []) if c["new"] == new]
            med[n] = statistics.median(vals) if vals else None
        if what == "biggest":
            lines.append(row(f"   of which the {which} (the chart)", fmt(med["before"]), fmt(med["after"])))
            continue
        ok = lambda v: None if v is None else v <= 100_000  # noqa: E731
        lines.append(row(f"WebSocket bytes per change, {label}, {which}", fmt(med["before"]), fmt(med["after"]), "≤ 100 kB",
                         ok(med["before"]), ok(med["after"])))
    return lines


def cpu_row(label: str, res: dict) -> str:
    v = {n: res[n]["cpu_ms"] if n in res else None for n in ("before", "after")}
    ok = lambda x: None if x is None else x <= 30  # noqa: E731
    return row(f"server CPU per change, {label}", ms(v["before"]), ms(v["after"]), "≤ 30 ms", ok(v["before"]), ok(v["after"]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--changes", type=int, default=20, help="slider changes per app for 4×500 and 6×1000 (12×2000 gets 30 %%)")
    ap.add_argument("--cold", type=int, default=3, help="cold starts per app")
    ap.add_argument("--scrub", type=int, default=40, help="morph positions to time")
    ap.add_argument("--sessions", type=int, default=10, help="sessions for the memory row")
    ap.add_argument("--quick", action="store_true", help="a smoke run: 6 changes, 1 cold start, 3 sessions")
    args = ap.parse_args()
    if args.quick:
        args.changes, args.cold, args.scrub, args.sessions = 6, 1, 20, 3
    if not os.access(CHROMIUM, os.X_OK):
        sys.exit(f"{CHROMIUM} is missing: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    ensure_worktree()
    ARTIFACTS.mkdir(exist_ok=True)
    apps = [App("before", BEFORE_DIR, new=False), App("after", ROOT, new=True)]
    t_start = time.perf_counter()
    load0 = os.getloadavg()
    print(f"load average before: {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f} on {os.cpu_count()} cores", flush=True)
    lines, notes, results, scrub_rows = [], [], [], []
    clock = lambda: f"[{time.perf_counter() - t_start:4.0f} s]"  # noqa: E731
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)

            print(f"{clock()} cold starts ({args.cold} per app) …", flush=True)
            cold = {a.name: [] for a in apps}
            for i in range(args.cold):
                for app in (apps if i % 2 == 0 else apps[::-1]):
                    cold[app.name].append(cold_start(browser, app, i))
            med = {n: statistics.median(v) for n, v in cold.items()}
            lines.append(row(f"cold start → first chart (median of {args.cold})", f"{med['before']:.2f} s", f"{med['after']:.2f} s",
                             "≤ 3 s", med["before"] <= 3, med["after"] <= 3))

            contexts = {}
            for app in apps:
                app.start("bench")
                contexts[app.name] = browser.new_context(viewport=VIEWPORT)  # one per app: its HTTP cache stays warm
                open_page(contexts[app.name], app).close()  # fills the cache and the server's caches (map image)
            for label, query, share in SCENARIOS:
                n = max(2, round(args.changes * share))
                print(f"{clock()} slider changes: Adam's α, {label} ({n} per app) …", flush=True)
                res = series(contexts, apps, query, n)
                results.append((label, res))
                if not query:  # the landing page: the morph runs in the browser (after only)
                    print(f"{clock()} morph scrub ({args.scrub} positions) …", flush=True)
                    sc = scrub(res["pages"]["after"], args.scrub)
                    if sc:
                        t = sc["times"]
                        scrub_rows = [row("scrub frame (morph input → painted): p50", "—", ms(statistics.median(t)), "≤ 50 ms",
                                          None, statistics.median(t) <= 50),
                                      row(f"scrub frame: p95 (n={len(t)})", "—", ms(pct(t, 95)), "≤ 50 ms", None, pct(t, 95) <= 50),
                                      row("   input → Plotly updated (median / p95)", "—",
                                          f"{statistics.median(sc['js']):.0f} / {pct(sc['js'], 95):.0f} ms")]
                        notes.append(f"morph: {sc['label']!r}, {sc['stops']} stops; plotly_animated seen {sc['animated']} of "
                                     f"{len(t)}; messages sent to the server while scrubbing: {sc['sent']}")
                    else:
                        scrub_rows = [row("scrub frame (morph input → painted)", "—", "no morph shown")]
                for page in res.pop("pages").values():
                    page.close()
            rss1 = {app.name: results[0][1][app.name]["rss1"] for app in apps}
            print(f"{clock()} memory: {args.sessions} sessions per app …", flush=True)
            for ctx in contexts.values():
                ctx.close()
            rss10 = {app.name: sessions_rss(browser, app, args.sessions) for app in apps}
            browser.close()
    finally:
        for app in apps:
            app.stop()

    for label, res in results:
        lines += latency_rows(label, res, {"p50": 150, "p95": 400} if "12" not in label else {"p50": 1000, "p95": 1000})
    lines += scrub_rows
    for label, res in results:
        lines += bytes_rows(label, res)
    for label, res in results:
        lines.append(cpu_row(label, res))
    lines.append(row("server RSS, 1 session (landing page)", f"{rss1['before'] / 2**20:.0f} MB", f"{rss1['after'] / 2**20:.0f} MB"))
    lines.append(row(f"server RSS, {args.sessions} sessions open (distinct α)", f"{rss10['before'] / 2**20:.0f} MB",
                     f"{rss10['after'] / 2**20:.0f} MB"))

    load1 = os.getloadavg()
    print(f"\nload average after: {load1[0]:.2f} {load1[1]:.2f} {load1[2]:.2f} on {os.cpu_count()} cores; "
          f"run took {time.perf_counter() - t_start:.0f} s")
    print(f"before = {BEFORE_REV} ({BEFORE_DIR}), after = working tree ({ROOT}); 'met' compares with the target\n")
    print(header())
    print("\n".join(lines))
    for app in apps:
        uniq = list(dict.fromkeys(app.errors))
        notes.append(f"browser console errors, {app.name}: {len(app.errors)}" + (f", e.g. {uniq[:3]}" if uniq else ""))
    print("\n" + "\n".join(notes))


if __name__ == "__main__":
    main()
