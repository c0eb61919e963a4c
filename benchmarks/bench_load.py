"""A classroom on one server: how does one `streamlit run app.py` hold up under N sessions changing sliders?

    python benchmarks/bench_load.py                     # N = 10, 30, 60 for 60 s each, then the costliest link
    python benchmarks/bench_load.py --sessions 10 30 --seconds 30
    python benchmarks/bench_load.py --quick             # a smoke run: 3 sessions, 8 s, too few samples to judge

No browser: each simulated session speaks Streamlit's own WebSocket protocol (the protobuf BackMsg / ForwardMsg
classes that ship in the `streamlit` package) the way the frontend does, as captured from headless Chromium:

* GET / (sets the `_streamlit_xsrf` cookie), then ws://127.0.0.1:PORT/_stcore/stream with the subprotocols
  ["streamlit", <xsrf token>], the cookie and an Origin header;
* open: a rerun_script BackMsg with the page's query string, empty widget states and no page hash (the default
  page), as a fresh tab sends it; the session waits for ForwardMsg script_finished;
* the widget states are kept as the frontend keeps them: by widget id, from the new_element deltas (a widget's
  value is taken when it first appears and whenever the server sets it, `set_value`); every rerun replays all of
  them with the one changed value, the query string of the last page_info_changed, the page's script hash (from
  the navigation message), the fragment id when the changed widget lives in a fragment (Adam's α and
  "Steps" are in the Playground's race fragment; picking a surface or an optimizer reruns the whole page) and the
  hashes of the cacheable messages already received (the server then sends a reference instead of the 10–170 kB race element);
* once a second (a random phase per session; never before the previous change has finished) a session changes
  Adam's α, walking to and fro over 5 stops (0.022 … 0.1) from a stop of its own; every --steps-every-th change
  moves "Steps" instead (500 ↔ a value of the session's own, 510 … 700). Sessions share the server's caches, as a
  class on one link does, so many α values are cache hits.

Measured per N: open time (N tabs opened within about a second), change -> script_finished (p50 / p95 / max),
changes lost (no script_finished within 10 s) or failed (an exception element, or a compile error), server CPU
(utime + stime of the server and its descendants from /proc: the engine's worker processes too) per change and per
session, server RSS (summed over the same processes; at the end, each one's RSS and PSS) before,
with the N sessions open and 5 s after they closed (Streamlit keeps a closed session for
server.disconnectedSessionTTL = 120 s, so --linger measures again after that).

Costliest link: 10 sessions change sliders for 2 × --seconds while one more visitor opens the most expensive
Playground view a URL can ask for (every optimizer, the most steps the slider allows), closes it when it has
finished, pauses as long as it took, and opens it again with the start nudged by 0.001 (uncached each time).
A change counts as "with" when a costly open overlapped it, else "without": both are measured in the same
minutes, so the machine's other load hits both alike.

Not a test, nothing is asserted: the numbers depend on the machine and on whatever else runs on it (this
script's own CPU and the load average are printed). Target, for the record: 30 sessions, p95 ≤ 1 s, 0 lost.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import signal
import statistics
import sys
import time
import urllib.request
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "browser"))
sys.path.insert(0, str(ROOT))
from browser_helpers import ARTIFACTS, free_port, start_server, stop_server, wait_healthy  # noqa: E402

try:
    from websockets.asyncio.client import connect
except ImportError:  # pragma: no cover
    sys.exit("bench_load needs the `websockets` package (pip install websockets)")
from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402
from streamlit.proto.NumberInput_pb2 import NumberInput  # noqa: E402
from streamlit.proto.Slider_pb2 import Slider  # noqa: E402
from streamlit.proto.WidgetStates_pb2 import WidgetState  # noqa: E402

import optimizers  # noqa: E402
from ui.settings import STEPS  # noqa: E402

LOST_S = 10.0  # a change without script_finished within this long is lost
GIVE_UP_S = 60.0  # … and after this long the session stops waiting (and stops changing)
OPEN_TIMEOUT_S = 180.0  # a first run (N tabs at once on a cold server)
LR_WALK = ("0.022", "0.032", "0.046", "0.068", "0.1")  # stops of Adam's α the sessions move between
COSTLY = "?opt=" + ",".join(optimizers.names()) + f"&steps={STEPS[1]}"
FINISHED = ForwardMsg.ScriptFinishedStatus
SETTLE_S = 5.0  # wait after closing the sessions before reading RSS


# ---- the server process, from /proc -----------------------------------------------------------------------


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


def cpu_seconds(pids: list[int]) -> float:
    """utime + stime of the servers and their descendants (every thread; the engine's worker processes, ui/pool.py),
    and cutime + cstime: what descendants that have ended used (a worker replaced after its pool broke), in seconds."""
    ticks = 0
    for p in (q for pid in pids for q in tree(pid)):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += sum(int(f) for f in fields[11:15])  # fields 14–17 of proc(5), counted after the name
        except (FileNotFoundError, ProcessLookupError):
            continue
    return ticks / os.sysconf("SC_CLK_TCK")


def rss(pids: list[int]) -> int:
    total = 0
    for p in (q for pid in pids for q in tree(pid)):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def tree_memory(pids: list[int]) -> str:
    """Each process of the servers' trees with its RSS and PSS (shared pages split among the processes that share
    them): an engine worker (ui/pool.py) is forked from a forkserver and shares much of its memory with it, which the
    RSS sums above count twice."""
    out = []
    for p in (q for pid in pids for q in tree(pid)):
        try:
            cmd = Path(f"/proc/{p}/cmdline").read_text().replace("\0", " ")
            parent = int(Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()[1])
            rows = Path(f"/proc/{p}/smaps_rollup").read_text().splitlines()[1:]  # after the header line
        except (FileNotFoundError, ProcessLookupError):
            continue
        kb = {k: int(v.split()[0]) for k, v in (row.split(":", 1) for row in rows)}
        name = ("server" if p in pids else ("forkserver" if parent in pids else "engine worker") if "forkserver" in cmd
                else "resource tracker" if "resource_tracker" in cmd else cmd[:40])
        out.append(f"{name} {kb['Rss'] / 2**10:.0f} MB (PSS {kb['Pss'] / 2**10:.0f} MB)")
    return "; ".join(out)


# ---- one simulated browser tab ------------------------------------------------------------------------------


def widget_state(kind: str, el) -> WidgetState | None:
    """The value the frontend keeps for a widget element it has just received (None: it keeps none)."""
    ws = WidgetState(id=el.id)
    if kind == "slider":
        if el.type == Slider.SELECT_SLIDER:
            vals = list(el.raw_value) or [el.options[int(i)] for i in (el.value if el.set_value else el.default)]
            ws.string_array_value.data.extend(vals)
        else:
            ws.double_array_value.data.extend(list(el.value) if el.set_value and len(el.value) else list(el.default))
    elif kind in ("selectbox", "radio"):
        if el.HasField("raw_value"):
            ws.string_value = el.raw_value
        elif el.HasField("default"):
            ws.string_value = el.options[el.default]
        else:
            return None
    elif kind == "multiselect":
        ws.string_array_value.data.extend(list(el.raw_values) if (el.set_value or el.raw_values)
                                          else [el.options[i] for i in el.default])
    elif kind == "button_group":
        ws.string_array_value.data.extend(list(el.raw_values) if (el.set_value or el.raw_values)
                                          else [el.options[i].content for i in el.default])
    elif kind == "checkbox":
        ws.bool_value = el.value if el.set_value else el.default
    elif kind == "number_input":
        v = el.value if el.HasField("value") else el.default if el.HasField("default") else None
        if v is None:
            return None
        if el.data_type == NumberInput.INT:
            ws.int_value = int(v)
        else:
            ws.double_value = v
    elif kind in ("text_input", "text_area"):
        v = el.value if el.HasField("value") else el.default if el.HasField("default") else None
        if v is None:
            return None
        ws.string_value = v
    else:  # buttons (a trigger, sent only when pressed), components, charts: nothing to replay
        return None
    return ws


@dataclass
class Run:
    kind: str  # "open", "α", "steps"
    t_send: float
    t_done: float | None = None
    status: str = ""  # "ok", "lost" (late), "gave up", "exception", "compile error", "closed"
    detail: str = ""
    nbytes: int = 0
    applied: bool | None = None  # the app's URL (page_info_changed) shows the changed value afterwards

    @property
    def ms(self) -> float | None:
        return None if self.t_done is None else (self.t_done - self.t_send) * 1e3


class Session:
    """One tab: an HTTP GET for the cookie, a WebSocket, and the widget states the frontend would keep."""

    def __init__(self, port: int, query: str, number: int):
        self.port, self.number = port, number
        self.query = query.lstrip("?")
        self.ws = None
        self.reader: asyncio.Task | None = None
        self.states: dict[str, WidgetState] = {}  # widget id -> its value
        self.elements: dict[str, tuple[str, object, str]] = {}  # widget id -> (kind, element, fragment id)
        self.seen: set[str] = set()  # widget ids of the current run
        self.page_hash = ""
        self.cached: OrderedDict[str, None] = OrderedDict()  # hashes of cacheable messages received
        self.current: Run | None = None
        self.done: asyncio.Event = asyncio.Event()
        self.error = ""
        self.bytes_in = 0
        self.replayed = 0  # widget states sent with the last change

    # -- the connection
    async def connect(self) -> None:
        url = f"http://127.0.0.1:{self.port}/"

        def get_cookie() -> str:
            with urllib.request.urlopen(url, timeout=15) as r:
                r.read()
                for h in r.headers.get_all("Set-Cookie") or []:
                    if h.startswith("_streamlit_xsrf="):
                        return h.split(";", 1)[0].split("=", 1)[1]
            return ""

        xsrf = await asyncio.wait_for(asyncio.to_thread(get_cookie), 20)
        headers = {"Cookie": f"_streamlit_xsrf={xsrf}"} if xsrf else {}
        self.ws = await connect(f"ws://127.0.0.1:{self.port}/_stcore/stream", origin=url.rstrip("/"),
                                subprotocols=["streamlit", *([xsrf] if xsrf else [])], additional_headers=headers,
                                open_timeout=30, close_timeout=5, ping_interval=None, max_size=None, proxy=None)
        self.reader = asyncio.create_task(self._read())

    async def close(self) -> None:
        try:
            if self.ws is not None:
                await asyncio.wait_for(self.ws.close(), 10)
        except Exception:  # noqa: BLE001 - closing is best effort
            pass
        if self.reader is not None:
            self.reader.cancel()
            try:
                await self.reader
            except BaseException:  # noqa: BLE001
                pass

    # -- what the server sends
    async def _read(self) -> None:
        try:
            async for frame in self.ws:
                self.bytes_in += len(frame)
                if self.current is not None:
                    self.current.nbytes += len(frame)
                self._handle(ForwardMsg.FromString(frame))
        except Exception as e:  # noqa: BLE001 - the connection closed or a frame did not parse
            self.error = self.error or f"{type(e).__name__}: {e}"[:200]
        if not self.error:
            self.error = "connection closed by the server"
        if self.current is not None and self.current.t_done is None:
            self.current.status, self.current.detail = "closed", self.error
        self.done.set()

    def _handle(self, msg: ForwardMsg) -> None:
        if msg.metadata.cacheable and msg.hash:
            self.cached[msg.hash] = None
            self.cached.move_to_end(msg.hash)
            while len(self.cached) > 64:
                self.cached.popitem(last=False)
        which = msg.WhichOneof("type")
        if which == "delta":
            if msg.delta.WhichOneof("type") != "new_element":
                return
            el = msg.delta.new_element
            kind = el.WhichOneof("type")
            if kind == "exception" and self.current is not None:
                self.current.status = "exception"
                self.current.detail = f"{el.exception.type}: {el.exception.message}"[:300]
                return
            sub = getattr(el, kind)
            wid = getattr(sub, "id", "")
            if not wid:
                return
            self.seen.add(wid)
            self.elements[wid] = (kind, sub, msg.delta.fragment_id)
            if wid not in self.states or getattr(sub, "set_value", False):
                ws = widget_state(kind, sub)
                if ws is not None:
                    self.states[wid] = ws
        elif which == "page_info_changed":
            self.query = msg.page_info_changed.query_string
        elif which == "navigation":
            self.page_hash = msg.navigation.page_script_hash or self.page_hash
        elif which == "new_session":
            self.page_hash = self.page_hash or msg.new_session.page_script_hash
        elif which == "session_event":
            if msg.session_event.WhichOneof("type") == "script_compilation_exception" and self.current is not None:
                self.current.status = "compile error"
        elif which == "script_finished":
            status = msg.script_finished
            if status == FINISHED.FINISHED_EARLY_FOR_RERUN:
                return  # the app asked for another run: wait for that one
            if status == FINISHED.FINISHED_SUCCESSFULLY:  # a whole run: widgets it did not draw are gone
                self.states = {k: v for k, v in self.states.items() if k in self.seen}
            if status == FINISHED.FINISHED_WITH_COMPILE_ERROR and self.current is not None:
                self.current.status = "compile error"
            self.seen = set()
            if self.current is not None and self.current.t_done is None:
                self.current.t_done = time.perf_counter()
            self.done.set()

    # -- what the frontend sends
    async def rerun(self, kind: str, changed: WidgetState | None = None, fragment_id: str = "",
                    lost_s: float = LOST_S, give_up_s: float = GIVE_UP_S, expect: str | None = None) -> Run:
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = self.query
        cs.widget_states.SetInParent()
        if kind != "open":
            states = dict(self.states)
            if changed is not None:
                states[changed.id] = changed
                self.states[changed.id] = changed
            cs.widget_states.widgets.extend(states.values())
            cs.page_script_hash = self.page_hash
            if fragment_id:
                cs.fragment_id = fragment_id
            cs.cached_message_hashes.extend(self.cached)
        ci = cs.context_info
        ci.timezone, ci.timezone_offset, ci.locale = "UTC", 0, "en-US"
        ci.url, ci.is_embedded, ci.color_scheme = f"http://127.0.0.1:{self.port}/", False, "light"
        run = self.current = Run(kind, time.perf_counter())
        self.done.clear()
        if self.reader is None or self.reader.done():
            run.status, run.detail = "closed", self.error
            return run
        self.seen = set()
        try:
            await asyncio.wait_for(self.ws.send(msg.SerializeToString()), 10)
        except Exception as e:  # noqa: BLE001 - the connection is gone
            self.error = self.error or f"{type(e).__name__}: {e}"[:200]
            run.status, run.detail = "closed", self.error
            return run
        try:
            await asyncio.wait_for(self.done.wait(), give_up_s)
        except TimeoutError:
            run.status = run.status or "gave up"
            return run
        if not run.status:
            run.status = "ok" if run.t_done is not None and run.ms <= lost_s * 1e3 else "lost"
        if expect is not None:  # "steps=510" in the URL, or "!steps=" for not in it (the default 500)
            run.applied = (expect[1:] not in self.query) if expect.startswith("!") else (expect in self.query)
        return run

    def widget(self, key: str) -> tuple[str, object, str] | None:
        """(kind, element, fragment id) of the widget with this key (its id ends with the key)."""
        for wid, found in self.elements.items():
            if wid.endswith("-" + key) and wid in self.states:
                return found
        return None

    def change(self, k: int, steps_every: int) -> tuple[str, WidgetState | None, str, str | None]:
        """The k-th change of this session: Adam's α one stop along its walk, or every steps_every-th, Steps."""
        if steps_every and k % steps_every == steps_every - 1 and self.widget("steps"):
            _, el, frag = self.widget("steps")
            now = self.states[el.id].double_array_value.data[0]
            other = 500 + 10 * (1 + self.number % 20)
            ws = WidgetState(id=el.id)
            new = other if now == 500 else 500
            ws.double_array_value.data.append(float(new))
            return "steps", ws, frag, ("!steps=" if new == 500 else f"steps={new}")
        found = self.widget("adam.lr")
        if found is None:
            return "α", None, "", None
        _, el, frag = found
        walk = [v for v in LR_WALK if v in el.options]
        period = 2 * len(walk) - 2
        j = (self.number + k) % period
        value = walk[j if j < len(walk) else period - j]
        if list(self.states[el.id].string_array_value.data) == [value]:
            j = (j + 1) % period
            value = walk[j if j < len(walk) else period - j]
        ws = WidgetState(id=el.id)
        ws.string_array_value.data.append(value)
        return "α", ws, frag, f"adam.lr={value}"


# ---- phases ---------------------------------------------------------------------------------------------------


async def open_sessions(ports: list[int], n: int, query: str, first: int = 0, spread: float = 1.0) -> tuple[list, list]:
    """n tabs opened within about `spread` seconds (a class clicking one link; with several servers, tab i opens
    server i mod K, as half a class would use a second address); their open runs."""
    async def one(i: int) -> tuple[Session, Run]:
        await asyncio.sleep(spread * i / max(n, 1))
        s = Session(ports[(first + i) % len(ports)], query, first + i)
        t0 = time.perf_counter()
        try:
            await s.connect()
            run = await s.rerun("open", lost_s=OPEN_TIMEOUT_S, give_up_s=OPEN_TIMEOUT_S)
        except Exception as e:  # noqa: BLE001
            run = Run("open", t0, status="closed", detail=f"{type(e).__name__}: {e}"[:200])
            s.error = s.error or run.detail
        run.t_send = t0  # counted from the GET /, as a tab would
        return s, run

    pairs = await asyncio.gather(*(one(i) for i in range(n)))
    return [p[0] for p in pairs], [p[1] for p in pairs]


async def drive(sessions: list[Session], seconds: float, steps_every: int, rng: random.Random,
                until: asyncio.Future | None = None) -> tuple[list[Run], float]:
    """Every session changes a slider once a second for `seconds` (longer while `until` is pending)."""
    t0 = time.perf_counter()
    t_end = t0 + seconds
    runs: list[Run] = []

    async def loop(s: Session, phase: float) -> None:
        next_t, k = t0 + phase, 0
        while True:
            if next_t >= t_end and (until is None or until.done()):
                return
            await asyncio.sleep(max(0.0, next_t - time.perf_counter()))
            kind, ws, frag, expect = s.change(k, steps_every)
            if ws is None:
                runs.append(Run(kind, time.perf_counter(), status="closed", detail=s.error or "no such widget"))
                return
            run = await s.rerun(kind, ws, frag, expect=expect)
            s.replayed = len(s.states)
            runs.append(run)
            if run.status in ("closed", "gave up"):
                return
            k += 1
            next_t = max(next_t + 1.0, time.perf_counter())

    await asyncio.gather(*(loop(s, rng.random()) for s in sessions if not s.error))
    return runs, time.perf_counter() - t0


async def costly_visitor(port: int, t_end: float, first_done: asyncio.Future) -> list[Run]:
    """Opens the costliest link, closes it when drawn, waits as long as that took (at least 3 s), and opens it
    again with the start nudged (uncached), while another open of the same length would end before t_end."""
    runs, k = [], 0
    while True:
        query = COSTLY if k == 0 else COSTLY + f"&x={-1.5 + 0.001 * k:.3f}"
        s = Session(port, query, 1000 + k)
        t0 = time.perf_counter()
        try:
            await s.connect()
            run = await s.rerun("open", lost_s=OPEN_TIMEOUT_S, give_up_s=OPEN_TIMEOUT_S)
        except Exception as e:  # noqa: BLE001
            run = Run("open", t0, status="closed", detail=f"{type(e).__name__}: {e}"[:200])
        run.t_send = t0
        runs.append(run)
        await s.close()
        if not first_done.done():
            first_done.set_result(None)
        k += 1
        took = max(3.0, (run.ms or 0) / 1e3)
        if run.status != "ok" or time.perf_counter() + 2 * took > t_end:
            return runs
        await asyncio.sleep(took)


async def close_all(sessions: list[Session]) -> None:
    await asyncio.gather(*(s.close() for s in sessions))


# ---- statistics and the report ----------------------------------------------------------------------------------


def pct(values, q: float) -> float | None:
    """The q-th percentile (nearest rank) of values."""
    s = sorted(values)
    if not s:
        return None
    return s[min(len(s) - 1, max(0, math.ceil(q / 100 * len(s)) - 1))]


def fmt_ms(v) -> str:
    return "—" if v is None else f"{v:.0f} ms" if v < 10_000 else f"{v / 1e3:.1f} s"


def mb(v) -> str:
    return "—" if v is None else f"{v / 2**20:.0f} MB"


def ok_ms(runs: list[Run]) -> list[float]:
    return [r.ms for r in runs if r.ms is not None and r.status in ("ok", "lost", "exception", "compile error")]


def table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = lambda r: "| " + " | ".join(str(c).rjust(w) if i else str(c).ljust(w)  # noqa: E731
                                      for i, (c, w) in enumerate(zip(r, widths, strict=True))) + " |"
    return "\n".join([line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, rows)])


def load() -> str:
    a = os.getloadavg()
    return f"{a[0]:.2f} {a[1]:.2f} {a[2]:.2f}"


async def one_n(ports: list[int], pid: list[int], n: int, args, rng: random.Random, log) -> dict:
    r: dict = dict(n=n, rss0=rss(pid))
    log(f"N = {n}: opening {n} sessions …")
    sessions, opens = await open_sessions(ports, n, args.query)
    try:
        r["opens"] = opens
        await asyncio.sleep(2.0)
        r["rss_open"] = rss(pid)
        log(f"N = {n}: {sum(o.status == 'ok' for o in opens)} open; changing sliders for {args.seconds:.0f} s …")
        cpu0, me0 = cpu_seconds(pid), time.process_time()
        runs, wall = await drive(sessions, args.seconds, args.steps_every, rng)
        r.update(runs=runs, wall=wall, cpu=cpu_seconds(pid) - cpu0, me=time.process_time() - me0, load=load(),
                 rss_busy=rss(pid), errors=[s.error for s in sessions if s.error],
                 replayed=max((s.replayed for s in sessions), default=0))
    finally:
        await close_all(sessions)
    await asyncio.sleep(SETTLE_S)
    r["rss_closed"] = rss(pid)
    return r


async def costly(ports: list[int], pid: list[int], args, rng: random.Random, log) -> dict:
    """n sessions change sliders for 2 × --seconds while the costly visitor opens its view every other while;
    each change counts as "with" when its run overlapped a costly open, else "without" (load hits both alike)."""
    n = args.costly_sessions
    r: dict = {}
    log(f"costliest link: opening {n} sessions …")
    sessions, opens = await open_sessions(ports, n, args.query, first=500)
    try:
        await asyncio.sleep(2.0)
        log(f"costliest link: {n} sessions change sliders for {2 * args.seconds:.0f} s; the costly visitor "
            f"opens {COSTLY}, pauses as long, opens again …")
        first_done = asyncio.get_running_loop().create_future()
        visitor = asyncio.create_task(costly_visitor(ports[0], time.perf_counter() + 2 * args.seconds, first_done))
        cpu0 = cpu_seconds(pid)
        r["runs"], r["wall"] = await drive(sessions, 2 * args.seconds, args.steps_every, rng, until=first_done)
        r["costly"] = await asyncio.wait_for(visitor, OPEN_TIMEOUT_S + 30)
        r["cpu"] = cpu_seconds(pid) - cpu0
        r["load"] = load()
        r["errors"] = [s.error for s in sessions if s.error]
    finally:
        await close_all(sessions)
    return r


def report_n(results: list[dict], args) -> str:
    head = ["metric", *(f"N = {r['n']}" for r in results)]
    rows = []

    def add(name, f):
        rows.append([name, *(f(r) for r in results)])

    add("sessions open / N", lambda r: f"{sum(o.status == 'ok' for o in r['opens'])} / {r['n']}")
    add("open (GET / → first script_finished): p50", lambda r: fmt_ms(pct(ok_ms(r["opens"]), 50)))
    add("open: max", lambda r: fmt_ms(max(ok_ms(r["opens"]), default=None)))
    add("changes finished (α / Steps)", lambda r: f"{sum(x.kind == 'α' for x in r['runs'])} / "
                                                  f"{sum(x.kind == 'steps' for x in r['runs'])}")
    add("changes per second (offered: N)", lambda r: f"{len(r['runs']) / r['wall']:.1f}")
    add("change → script_finished: p50", lambda r: fmt_ms(pct(ok_ms(r["runs"]), 50)))
    add("change → script_finished: p95 (target ≤ 1 s at N = 30)", lambda r: fmt_ms(pct(ok_ms(r["runs"]), 95)))
    add("change → script_finished: max", lambda r: fmt_ms(max(ok_ms(r["runs"]), default=None)))
    for kind, what in (("α", "α (fragment rerun)"), ("steps", "Steps (fragment rerun)")):
        add(f"   {what}: p50 / p95", lambda r, k=kind: " / ".join(
            fmt_ms(pct(ok_ms([x for x in r["runs"] if x.kind == k]), q)) for q in (50, 95)))
    add("changes the app applied (its URL shows the new value)", lambda r: f"{sum(bool(x.applied) for x in r['runs'])} "
        f"of {len(r['runs'])}")
    add("widget states replayed with each change", lambda r: str(r["replayed"]))
    add(f"lost (no script_finished in {LOST_S:.0f} s)", lambda r: str(sum(x.status in ("lost", "gave up") for x in r["runs"])))
    add("failed (exception / compile error / closed)", lambda r: " / ".join(
        str(sum(x.status == s for x in r["runs"])) for s in ("exception", "compile error", "closed")))
    add("bytes received per change (median)", lambda r: f"{statistics.median([x.nbytes for x in r['runs']] or [0]) / 1e3:.1f} kB")
    add("server CPU per change", lambda r: fmt_ms(r["cpu"] / max(len(r["runs"]), 1) * 1e3))
    add("server CPU per session (s per minute)", lambda r: f"{r['cpu'] / r['n'] / r['wall'] * 60:.2f} s")
    add("server CPU busy (cores)", lambda r: f"{r['cpu'] / r['wall']:.2f}")
    add("   changes/s one core could serve (1 / CPU per change)", lambda r: f"{len(r['runs']) / max(r['cpu'], 1e-9):.0f}")
    add("this script's CPU (cores)", lambda r: f"{r['me'] / r['wall']:.2f}")
    add("server RSS before the sessions open", lambda r: mb(r["rss0"]))
    add("server RSS, N sessions open (after the first run)", lambda r: mb(r["rss_open"]))
    add("server RSS, N sessions open (after the changes)", lambda r: mb(r["rss_busy"]))
    add(f"server RSS {SETTLE_S:.0f} s after they closed", lambda r: mb(r["rss_closed"]))
    add("load average (1, 5, 15 min) at the end", lambda r: r["load"])
    add("target (p95 ≤ 1 s, 0 lost)", lambda r: "met" if (pct(ok_ms(r["runs"]), 95) or 1e9) <= 1000 and not any(
        x.status != "ok" for x in r["runs"]) else "NOT met")
    return table(head, rows)


def report_costly(c: dict, n: int) -> str:
    costly_runs = c["costly"]
    spans = [(x.t_send, x.t_done or time.perf_counter()) for x in costly_runs]
    hit = lambda x: any(x.t_send <= b and (x.t_done or x.t_send + GIVE_UP_S) >= a for a, b in spans)  # noqa: E731
    head = [f"{n} sessions changing sliders", "changes", "p50", "p95", "max", "lost / failed"]
    rows = []
    for name, runs in (("without the costly view (no open overlapped)", [x for x in c["runs"] if not hit(x)]),
                       ("with it (a costly open overlapped the change)", [x for x in c["runs"] if hit(x)])):
        ms_ = ok_ms(runs)
        rows.append([name, str(len(runs)), fmt_ms(pct(ms_, 50)), fmt_ms(pct(ms_, 95)), fmt_ms(max(ms_, default=None)),
                     f"{sum(x.status in ('lost', 'gave up') for x in runs)} / "
                     f"{sum(x.status in ('exception', 'compile error', 'closed') for x in runs)}"])
    out = table(head, rows)
    times = [x.ms for x in costly_runs if x.ms is not None]
    out += (f"\n\ncostly view ({COSTLY}): first open (cold) {fmt_ms(times[0] if times else None)}; "
            f"{len(costly_runs)} opens in all (each uncached), median {fmt_ms(statistics.median(times) if times else None)}, "
            f"max {fmt_ms(max(times, default=None))}; {sum(x.status == 'ok' for x in costly_runs)} ok"
            f"{'; ' + costly_runs[0].detail if costly_runs and costly_runs[0].detail else ''}")
    out += (f"\nserver CPU over the phase: {c['cpu']:.1f} s in {c['wall']:.0f} s; "
            f"load average at the end {c['load']}")
    return out


async def main_async(args, port: list[int], pid: list[int], t_start: float) -> None:
    log = lambda m: print(f"[{time.perf_counter() - t_start:4.0f} s] {m}  (load {load()})", flush=True)  # noqa: E731
    rng = random.Random(args.seed)
    log("warm-up: one session opens the landing page (imports, first caches) …")
    warm, _ = await open_sessions(port, len(port), args.query)  # one per server
    await close_all(warm)
    results = []
    for n in args.sessions:
        results.append(await one_n(port, pid, n, args, rng, log))
        print(report_n(results[-1:], args), flush=True)
    c = await costly(port, pid, args, rng, log) if args.costly_sessions else None
    rss_end = rss(pid)
    rss_linger = None
    if args.linger:
        log(f"waiting {args.linger:.0f} s (closed sessions expire after server.disconnectedSessionTTL = 120 s) …")
        await asyncio.sleep(args.linger)
        rss_linger = rss(pid)
    print(f"\nload average at the end: {load()} on {os.cpu_count()} cores; run took {time.perf_counter() - t_start:.0f} s; "
          f"{args.seconds:.0f} s of changes per N, a change every 1 s per session, Steps every {args.steps_every}th, "
          f"landing query {args.query or '(none: /)'}\n")
    print(report_n(results, args))
    errors = sorted({e for r in results for e in r["errors"]})
    if errors:
        print(f"\nsession errors: {errors[:5]}")
    details = {x.detail for r in results for x in r["runs"] + r["opens"] if x.detail}
    if details:
        print(f"failure details: {sorted(details)[:5]}")
    if c is not None:
        print(f"\nCostliest link: {args.costly_sessions} sessions changing sliders for {2 * args.seconds:.0f} s, "
              "a costly open every other while:\n")
        print(report_costly(c, args.costly_sessions))
    print(f"\nserver RSS at the end: {mb(rss_end)}" + (f"; {args.linger:.0f} s later: {mb(rss_linger)}" if args.linger else ""))
    print(f"server process tree at the end: {tree_memory(pid)}")


def _interrupt(*_) -> None:
    raise KeyboardInterrupt


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sessions", type=int, nargs="+", default=[10, 30, 60], help="N, one phase each (default 10 30 60)")
    ap.add_argument("--seconds", type=float, default=60.0, help="seconds of slider changes per phase (default 60)")
    ap.add_argument("--steps-every", type=int, default=5, help="every k-th change moves Steps (0: only α; default 5)")
    ap.add_argument("--costly-sessions", type=int, default=10, help="sessions beside the costliest link (0: skip it)")
    ap.add_argument("--query", default="", help="the link the sessions open (default: the bare address)")
    ap.add_argument("--linger", type=float, default=125.0, help="seconds to wait at the end before reading RSS again")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--servers", type=int, default=1,
                    help="start K servers and spread the sessions over them (a class on two addresses; default 1)")
    ap.add_argument("--quick", action="store_true", help="a smoke run: N = 3, 8 s, 3 beside the costly link, no linger")
    args = ap.parse_args()
    if args.quick:
        args.sessions, args.seconds, args.costly_sessions, args.linger = [3], 8.0, 3, 0.0
    if args.query and not args.query.startswith("?"):
        args.query = "?" + args.query

    ARTIFACTS.mkdir(exist_ok=True)
    t_start = time.perf_counter()
    print(f"load average before: {load()} on {os.cpu_count()} cores", flush=True)
    signal.signal(signal.SIGTERM, _interrupt)  # a kill stops the server too (the finally below)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl-C, even where a shell started us ignoring it
    ports, procs, logs = [], [], []
    try:
        for k in range(max(1, args.servers)):
            ports.append(free_port())
            logs.append(ARTIFACTS / f"bench-load{'' if k == 0 else f'-{k + 1}'}.log")
            procs.append(start_server(ports[-1], logs[-1]))
        for proc, port, log_path in zip(procs, ports, logs, strict=True):
            wait_healthy(proc, port, log_path)
        if len(procs) > 1:
            print(f"{len(procs)} servers (ports {', '.join(map(str, ports))}): the sessions take turns; CPU and RSS "
                  "below are their sums", flush=True)
        asyncio.run(main_async(args, ports, [p.pid for p in procs], t_start))
    except KeyboardInterrupt:
        print("\ninterrupted: stopping the server", file=sys.stderr)
    finally:
        for proc in procs:
            stop_server(proc)
    for proc, log_path in zip(procs, logs, strict=True):
        if proc.returncode not in (0, -signal.SIGTERM, None):
            print(f"(server exit code {proc.returncode}; log: {log_path})")


if __name__ == "__main__":
    main()
