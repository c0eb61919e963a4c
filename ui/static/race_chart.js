// The Playground's race chart: a Streamlit Custom Component v2 that stays mounted across reruns.
//
// Python sends only what NumPy computed (float32 paths and losses as base64, the map PNG once, each run
// once: see ui/race_chart.py); this module keeps them in a store that outlives reruns, builds the figure
// and redraws it with Plotly.react (zoom kept through uirevision). Playback, stepping, the step scrubber
// and the hyperparameter morph run here, with no round trip to the server.

const G = window.__optRace || (window.__optRace = { blobs: new Map(), plotly: null, charts: new WeakMap() });
// Module scope is shared by every mount: the blob store and the per-chart state live on window, so a newer
// version of this module (another ?v=) finds what an older one stored.
const TRAIL = 12;
const FRAME_MS = 40;      // 1x: a step every 40 ms, strided so a whole race plays in about 6 s
const FRAMES = 150;
const SPEEDS = [0.5, 1, 2, 4];
const MARGIN = { l: 58, r: 14, t: 26, b: 46 };
const FULLSCREEN_SVG = '<svg width="15" height="15" viewBox="0 0 16 16" aria-hidden="true"><path d="M1 6V1h5M10 1h5v5M15 10v5h-5M6 15H1v-5" fill="none" stroke="currentColor" stroke-width="2"/></svg>';

// ---------------------------------------------------------------- plotly.js, offline, fetched once
function loadPlotly(url) {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!G.plotly) {
    G.plotly = fetch(url, { cache: "force-cache" })  // served without cache headers: reuse what the browser has
      .then((r) => { if (!r.ok) throw new Error(`plotly.js: HTTP ${r.status}`); return r.text(); })
      .then((code) => {
        const s = document.createElement("script");
        s.textContent = code;
        document.head.appendChild(s);
        return window.Plotly;
      })
      .catch((e) => { G.plotly = null; throw e; });
  }
  return G.plotly;
}

// ---------------------------------------------------------------- data
function f32(b64) {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new Float32Array(bytes.buffer);
}

function decode(blob) {
  if (blob.img) return { img: blob.img };
  const out = { x: f32(blob.x), y: f32(blob.y), loss: f32(blob.loss) };
  out.steps = blob.steps ? Array.from(f32(blob.steps)) : null;  // decimated morph paths keep their step numbers
  let last = out.x.length - 1;  // the marker stays where a diverging run left the plane
  for (let i = 0; i < out.x.length; i++) {
    if (!Number.isFinite(out.x[i]) || !Number.isFinite(out.y[i])) { last = i - 1; break; }
  }
  out.lastFinite = Math.max(last, 0);
  if (blob.ax) { out.ax = f32(blob.ax); out.ay = f32(blob.ay); }  // an average drawn beside the path
  if (blob.px) {  // L-BFGS: the points each step evaluated; probeAt[s] .. probeAt[s + 1] are step s's
    out.px = f32(blob.px); out.py = f32(blob.py);
    const ps = f32(blob.ps), n = out.x.length;
    out.probeAt = new Int32Array(n + 1);
    let j = 0;
    for (let s = 0; s <= n; s++) { while (j < ps.length && ps[j] < s) j++; out.probeAt[s] = j; }
  }
  return out;
}

function remember(blobs) {
  for (const [id, blob] of Object.entries(blobs || {})) {
    G.blobs.delete(id);
    G.blobs.set(id, decode(blob));  // re-inserted: the newest entries are the last evicted
  }
}

function evict(keep) {
  const max = 400;
  if (G.blobs.size <= max) return;
  for (const id of G.blobs.keys()) {
    if (G.blobs.size <= max) break;
    if (!keep.has(id)) G.blobs.delete(id);
  }
}

function referenced(p) {
  const ids = new Set(p.runs.map((r) => r.blob));
  if (p.image) ids.add(p.image);
  if (p.morph) p.morph.blobs.forEach((b) => ids.add(b));
  return ids;
}

// ---------------------------------------------------------------- DOM
function el(tag, attrs = {}, text = "") {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text) e.textContent = text;
  return e;
}

function build(parent) {
  const root = el("div", { class: "opr-root", tabindex: "0", "data-testid": "race-chart" });
  const bar = el("div", { class: "opr-bar" });
  const play = el("button", { class: "opr-play", type: "button", title: "Play / pause (Space)" }, "▶ Play");
  const back = el("button", { class: "opr-back", type: "button", title: "One step back (←)" }, "−1");
  const fwd = el("button", { class: "opr-fwd", type: "button", title: "One step forward (→)" }, "+1");
  const scrub = el("input", { class: "opr-step", type: "range", min: "0", max: "0", value: "0", step: "1",
                              "aria-label": "step" });
  const readout = el("span", { class: "opr-readout", "aria-live": "off" }, "step 0");
  const speed = el("select", { class: "opr-speed", "aria-label": "speed", title: "Playback speed" });
  SPEEDS.forEach((s) => speed.appendChild(el("option", { value: String(s) }, `${s}×`)));
  speed.value = "1";
  const full = el("button", { class: "opr-full", type: "button", title: "Fullscreen (playback keeps going)",
                              "aria-label": "fullscreen" });
  full.innerHTML = FULLSCREEN_SVG;
  const helpBtn = el("button", { class: "opr-help-btn", type: "button", title: "Keyboard shortcuts (?)",
                                 "aria-label": "keyboard shortcuts" }, "?");
  bar.append(play, back, fwd, scrub, readout, speed, full, helpBtn);
  const help = el("div", { class: "opr-help", hidden: "", role: "dialog", "aria-label": "keyboard shortcuts" });
  help.innerHTML = "<b>Keys</b> (click the chart first): <kbd>Space</kbd> play / pause · <kbd>←</kbd> <kbd>→</kbd> one step · " +
    "<kbd>Shift</kbd>+<kbd>←</kbd> <kbd>→</kbd> ten steps · <kbd>Home</kbd> <kbd>End</kbd> first / last step · " +
    "<kbd>+</kbd> <kbd>−</kbd> speed · <kbd>?</kbd> this help";
  helpBtn.addEventListener("click", () => { help.hidden = !help.hidden; });
  const legend = el("div", { class: "opr-legend" });
  const plot = el("div", { class: "opr-plot" });
  // until the first figure (plotly.js, 4.7 MB, and the runs on their way): say so where the chart will be
  plot.appendChild(el("div", { class: "opr-wait", role: "status" }, "Drawing the race…"));
  const morph = el("div", { class: "opr-morph", hidden: "" });
  const morphLabel = el("label", { class: "opr-morph-label" });
  const morphInput = el("input", { class: "opr-morph-input", type: "range", min: "0", max: "1", step: "0.01", value: "0",
                                   "aria-label": "morph" });
  const morphValue = el("span", { class: "opr-morph-value" });
  morph.append(morphLabel, morphInput, morphValue);
  const status = el("div", { class: "opr-status" });
  root.append(bar, help, legend, plot, morph, status);
  parent.appendChild(root);
  return { root, bar, play, back, fwd, scrub, readout, speed, full, help, legend, plot, morph, morphLabel, morphInput,
           morphValue, status };
}

// ---------------------------------------------------------------- layout
function geometry(p, width, fullscreen, legendH = 0) {
  const plotW = Math.max(width - MARGIN.l - MARGIN.r, 120);
  const fs = Math.max(1, (p.fontSize || 13) / 13);
  // the map as tall as the window allows beside what sits above it (projector mode hides most of that); a legend
  // taller than two rows (many optimizers) takes its extra rows from the map, which keeps it on the screen
  const above = (p.present ? 200 : 290) + Math.max(0, legendH - 56);
  // a loss panel at the plot's left edge (side by side, a phone) starts this far in: its axis title and its tick
  // labels (10⁻¹⁰) need more room than the margin the maps' ticks need
  const lossInset = Math.round(30 * fs);
  const room = fullscreen ? window.innerHeight - 150 : Math.max(300, Math.min(p.present ? 900 : 620, window.innerHeight - above));
  const maps = p.view === "overlay" ? 1 : Math.max(p.runs.length, 1);
  const boxes = [];  // [x0, x1, y0, y1] in pixels from the plot area's top-left
  let lossBox, plotH;
  if (p.view === "overlay" && plotW >= 500) {  // map and loss side by side
    const gap = 74 * fs;  // room for the loss axis's ticks (10⁻¹⁶) and title
    const side = Math.min(room, plotW * 0.62);
    boxes.push([0, side, 0, side]);
    lossBox = [side + gap, plotW, 0, side];
    plotH = side;
  } else if (p.view === "overlay") {           // a phone: map above loss
    const side = Math.min(plotW, room), lossH = 170, gap = 60;
    boxes.push([0, side, 0, side]);
    lossBox = [Math.min(lossInset, plotW / 4), plotW, side + gap, side + gap + lossH];
    plotH = side + gap + lossH;
  } else {                                     // small multiples, a square panel each, loss below
    const gapX = 36, gapY = 40;
    // the column count whose square panels are largest while the loss panel still fits on the screen
    let cols = 1, side = 0;
    for (let c = 1; c <= Math.min(maps, 6); c++) {
      const w = (plotW - gapX * (c - 1)) / c, h = (room - 210) / Math.ceil(maps / c) - gapY;
      const s = Math.max(Math.min(w, h), Math.min(w, 150));  // below 150 px a panel is unreadable: scroll instead
      if (s >= side - 0.5) { cols = c; side = Math.max(s, side); }  // a tie: more columns use the width
    }
    const rows = Math.ceil(maps / cols);
    for (let i = 0; i < maps; i++) {
      const c = i % cols, r = Math.floor(i / cols);
      const x0 = c * (side + gapX), y0 = r * (side + gapY);
      boxes.push([x0, x0 + side, y0, y0 + side]);
    }
    const top = rows * (side + gapY) + 20, lossH = 190;
    lossBox = [lossInset, plotW, top, top + lossH];
    plotH = top + lossH;
  }
  const f = (v) => Math.min(1, Math.max(0, v));  // plotly refuses a domain a rounding error puts outside [0, 1]
  const dom = ([x0, x1, y0, y1]) => ({ x: [f(x0 / plotW), f(x1 / plotW)], y: [f(1 - y1 / plotH), f(1 - y0 / plotH)] });
  return { width, height: plotH + MARGIN.t + MARGIN.b, maps: boxes.map(dom), loss: dom(lossBox),
           lossWidth: lossBox[1] - lossBox[0] };
}

// the smallest of 1, 2, 2.5, 5 × 10ᵏ (whole numbers) not below x: a tick step for the step axis
function niceStep(x) {
  const k = Math.pow(10, Math.floor(Math.log10(Math.max(x, 1))));
  return [1, 2, 2.5, 5, 10].map((m) => m * k).find((v) => Number.isInteger(v) && v >= x - 1e-9) || 10 * k;
}

function axisName(i) { return i === 0 ? ["x", "y"] : [`x${i + 1}`, `y${i + 1}`]; }
function layoutKey(name) { return name.replace(/^x/, "xaxis").replace(/^y/, "yaxis"); }

// ---------------------------------------------------------------- figure
function figure(p, geo, S) {
  const data = [], anns = [], images = [];
  const layout = {
    width: geo.width, height: geo.height, margin: { ...MARGIN, pad: 0 }, uirevision: p.uirevision,
    paper_bgcolor: "white", plot_bgcolor: "white", font: { size: p.fontSize || 13 },
    showlegend: false, hovermode: "closest", dragmode: "zoom",  // the legend is HTML above the chart
  };
  const [[bx0, bx1], [by0, by1]] = p.bounds;
  const image = G.blobs.get(p.image);
  const nMaps = geo.maps.length;
  S.pathTrace = {}; S.travelTrace = {}; S.lossTrace = {}; S.heads = []; S.panelOf = {}; S.avgTrace = {};
  S.probeTrace = {};
  for (let m = 0; m < nMaps; m++) {
    const [xa, ya] = axisName(m);
    const d = geo.maps[m];
    layout[layoutKey(xa)] = { domain: d.x, anchor: ya, range: [bx0, bx1], zeroline: false, showgrid: false,
                              title: nMaps === 1 ? { text: "x", standoff: 4 } : undefined, ...(m ? { matches: "x" } : {}) };
    layout[layoutKey(ya)] = { domain: d.y, anchor: xa, range: [by0, by1], zeroline: false, showgrid: false,
                              title: nMaps === 1 ? { text: "y", standoff: 4 } : undefined, ...(m ? { matches: "y" } : {}) };
    if (image) images.push({ source: image.img, xref: xa, yref: ya, x: bx0, y: by1, sizex: bx1 - bx0, sizey: by1 - by0,
                             sizing: "stretch", layer: "below" });
    if (p.view !== "overlay" && p.runs[m]) {
      anns.push({ text: `<b>${escapeHtml(p.runs[m].label)}</b>`, x: (d.x[0] + d.x[1]) / 2, y: d.y[1], xref: "paper",
                  yref: "paper", xanchor: "center", yanchor: "bottom", showarrow: false,
                  font: { color: p.runs[m].color, size: (p.fontSize || 13) + 1 } });
    }
    if (p.minima.length) {
      data.push({ type: "scatter", mode: "markers", x: p.minima.map((q) => q[0]), y: p.minima.map((q) => q[1]), xaxis: xa,
                  yaxis: ya, name: "global minimum", showlegend: m === 0, legendgroup: "minimum",
                  marker: { symbol: "star", size: 15, color: "white", line: { color: "black", width: 1.5 } },
                  hovertemplate: "minimum (%{x:.4g}, %{y:.4g})<extra></extra>" });
    }
    data.push({ type: "scatter", mode: "markers", x: [p.start[0]], y: [p.start[1]], xaxis: xa, yaxis: ya, name: "start",
                showlegend: m === 0, legendgroup: "start",
                marker: { symbol: "circle-open", size: 14, color: "#222", line: { width: 2.5 } },
                hovertemplate: "start (%{x:.4g}, %{y:.4g})<extra></extra>" });
  }
  const [lx, ly] = axisName(nMaps);
  // as many step ticks as their labels fit at this font (projector type on a narrow panel: 0, 200, 400, not 0, 100, …)
  const labelW = (p.fontSize || 13) * (0.55 * String(Math.max(p.steps, 1)).length + 2.5);  // a label and a gap
  layout[layoutKey(lx)] = { domain: geo.loss.x, anchor: ly, title: { text: "step", standoff: 4 }, range: [0, Math.max(p.steps, 1)],
                            showgrid: true, zeroline: false, tickmode: "linear", tick0: 0,
                            dtick: niceStep(Math.max(p.steps, 1) / Math.max(2, Math.floor(geo.lossWidth / labelW))) };
  layout[layoutKey(ly)] = { domain: geo.loss.y, anchor: lx, title: { text: p.loss.title, standoff: 6 },
                            type: p.loss.log ? "log" : "linear", showgrid: true, exponentformat: "power",
                            ...(p.loss.range ? { range: p.loss.range } : {}) };
  anns.push({ text: "<b>Loss per step</b>", x: (geo.loss.x[0] + geo.loss.x[1]) / 2, y: geo.loss.y[1], xref: "paper",
              yref: "paper", xanchor: "center", yanchor: "bottom", showarrow: false, font: { size: (p.fontSize || 13) + 1 } });

  p.runs.forEach((r, i) => {
    const d = G.blobs.get(r.blob);
    const [xa, ya] = axisName(p.view === "overlay" ? 0 : i);
    S.panelOf[r.id] = p.view === "overlay" ? 0 : i;
    // the whole path faint (where the race is going), the part travelled so far solid on top of it
    S.pathTrace[r.id] = data.length;
    data.push({ type: "scatter", mode: "lines", x: d.x, y: d.y, xaxis: xa, yaxis: ya, name: r.name, legendgroup: r.id,
                opacity: 0.3, hoverinfo: "skip", line: { color: r.color, dash: r.dash, width: (p.lineWidth || 2) * 0.75 } });
    S.travelTrace[r.id] = data.length;
    data.push({ type: "scatter", mode: "lines", x: d.x, y: d.y, xaxis: xa, yaxis: ya, name: r.name, legendgroup: r.id,
                opacity: 0.85, hoverinfo: "skip", line: { color: r.color, dash: r.dash, width: p.lineWidth || 2 } });
    if (d.ax) {  // the averaged point travels beside the path, dotted, with a diamond for its head
      S.avgTrace[r.id] = data.length;
      data.push({ type: "scatter", mode: "lines", x: d.ax, y: d.ay, xaxis: xa, yaxis: ya, name: r.average,
                  legendgroup: r.id, opacity: 0.95, hoverinfo: "skip",
                  line: { color: r.color, dash: "dot", width: (p.lineWidth || 2) * 1.5 } });
    }
    if (d.px) {  // L-BFGS: where the current step evaluated f (its line search), as small crosses
      S.probeTrace[r.id] = data.length;
      data.push({ type: "scatter", mode: "markers", x: [], y: [], xaxis: xa, yaxis: ya, name: `${r.label}: evaluations`,
                  legendgroup: r.id, hovertemplate: `${escapeHtml(r.label)} evaluated f at (%{x:.4g}, %{y:.4g})<extra></extra>`,
                  marker: { symbol: "x-thin", size: (p.headSize || 13) * 0.7, color: r.color,
                            line: { color: r.color, width: 2 } } });
    }
  });
  p.runs.forEach((r) => {
    const d = G.blobs.get(r.blob);
    S.lossTrace[r.id] = data.length;
    data.push({ type: "scatter", mode: "lines", x: stepAxis(d), y: d.loss, xaxis: lx, yaxis: ly, name: r.label,
                showlegend: false, legendgroup: r.id, line: { color: r.color, dash: r.dash, width: p.lineWidth || 2 },
                hovertemplate: `${escapeHtml(r.label)}<br>step %{x}: %{y:.4g}<extra></extra>` });
  });
  // one trace per map panel holds every trail and head in it; one holds every loss marker
  const groups = p.view === "overlay" ? [p.runs.map((_, i) => i)] : p.runs.map((_, i) => [i]);
  groups.forEach((members, m) => {
    const [xa, ya] = axisName(m);
    S.heads.push({ trace: data.length, members });
    const n = TRAIL + 1, fade = (lo, hi) => Array.from({ length: TRAIL }, (_, k) => lo + (hi - lo) * k / Math.max(TRAIL - 1, 1));
    const size = [...fade(3, 8), p.headSize || 13], opacity = [...fade(0.15, 0.9), 1];
    data.push({ type: "scatter", mode: "markers", xaxis: xa, yaxis: ya, showlegend: false, name: "position",
                x: new Array(n * members.length).fill(null), y: new Array(n * members.length).fill(null),
                text: members.flatMap((i) => new Array(n).fill(p.runs[i].label)),
                hovertemplate: "%{text} (%{x:.4g}, %{y:.4g})<extra></extra>",
                marker: { color: members.flatMap((i) => new Array(n).fill(p.runs[i].color)),
                          size: members.flatMap(() => size), opacity: members.flatMap(() => opacity),
                          line: { color: "white", width: members.flatMap(() => [...new Array(TRAIL).fill(0), 2]) } } });
  });
  S.lossMarker = data.length;
  data.push({ type: "scatter", mode: "markers", xaxis: lx, yaxis: ly, showlegend: false, hoverinfo: "skip",
              x: p.runs.map(() => 0), y: p.runs.map(() => null),
              marker: { color: p.runs.map((r) => r.color), size: 10, line: { color: "white", width: 1.5 } } });
  layout.annotations = anns;
  layout.images = images;
  return { data, layout };
}

function stepAxis(d) {
  if (d.steps) return d.steps;
  const n = d.loss.length, s = new Float32Array(n);
  for (let i = 0; i < n; i++) s[i] = i;
  return s;
}

function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}

// ---------------------------------------------------------------- what a step shows
function runData(S, r) {
  if (S.morphed && S.morphed.id === r.id) return S.morphed;
  return G.blobs.get(r.blob);
}

function indexAt(d, step) {  // row of `d` for `step` (decimated morph paths keep every k-th step)
  if (!d.steps) return Math.min(step, d.lastFinite);
  let lo = 0;
  while (lo + 1 < d.steps.length && d.steps[lo + 1] <= step) lo++;
  return Math.min(lo, d.lastFinite);
}

function headUpdate(S) {
  const p = S.payload, step = S.step, xs = [], ys = [], traces = [];
  for (const h of S.heads) {
    const x = [], y = [];
    for (const i of h.members) {
      const d = runData(S, p.runs[i]);
      const k = indexAt(d, step);
      for (let j = k - TRAIL; j <= k; j++) { const q = Math.max(j, 0); x.push(d.x[q]); y.push(d.y[q]); }
    }
    xs.push(x); ys.push(y); traces.push(h.trace);
  }
  for (const r of p.runs) {  // the solid part: start to the current step (subarrays: no copies)
    const d = runData(S, r), k = indexAt(d, step);
    xs.push(d.x.subarray(0, k + 1)); ys.push(d.y.subarray(0, k + 1)); traces.push(S.travelTrace[r.id]);
    const base = G.blobs.get(r.blob);  // a morph preview has no average or probes: the committed run's stay
    if (S.avgTrace[r.id] !== undefined && base.ax) {
      const a = Math.min(k, base.ax.length - 1);
      xs.push(base.ax.subarray(0, a + 1)); ys.push(base.ay.subarray(0, a + 1)); traces.push(S.avgTrace[r.id]);
    }
    if (S.probeTrace[r.id] !== undefined && base.px) {
      const s = Math.min(step, base.probeAt.length - 2);  // the evaluations of the step that arrived here
      const lo = base.probeAt[s], hi = base.probeAt[s + 1];
      xs.push(base.px.subarray(lo, hi)); ys.push(base.py.subarray(lo, hi)); traces.push(S.probeTrace[r.id]);
    }
  }
  const lx = [], lyv = [];
  p.runs.forEach((r) => { const d = runData(S, r); const k = indexAt(d, step); lx.push(d.steps ? d.steps[k] : k); lyv.push(d.loss[k]); });
  xs.push(lx); ys.push(lyv); traces.push(S.lossMarker);
  return { xs, ys, traces };
}

function showStep(S) {
  const u = S.ui, p = S.payload;
  u.scrub.value = String(S.step);
  u.readout.textContent = `step ${S.step} / ${p.steps}`;
  u.root.dataset.step = String(S.step);
  if (!S.gd || !S.drawn) return;
  const { xs, ys, traces } = headUpdate(S);
  const Plotly = window.Plotly;
  Plotly.animate(S.gd, { data: xs.map((x, i) => ({ x, y: ys[i] })), traces },
                 { frame: { duration: 0, redraw: false }, transition: { duration: 0 }, mode: "immediate" })
    .catch(() => {});  // an animation interrupted by the next one rejects: nothing to report
}

// ---------------------------------------------------------------- playback
function setPlaying(S, on) {
  const was = S.playing;
  S.playing = on && S.payload && S.payload.steps > 0;
  if (was !== S.playing) applyHidden(S);
  S.ui.play.textContent = S.playing ? "❚❚ Pause" : "▶ Play";
  S.ui.root.dataset.playing = S.playing ? "1" : "0";
  if (S.timer) { clearTimeout(S.timer); S.timer = null; }
  if (S.playing) {
    if (S.step >= S.payload.steps) { S.step = 0; showStep(S); }
    tick(S);
  }
}

function tick(S) {
  const speed = Number(S.ui.speed.value) || 1;
  S.timer = setTimeout(() => {
    if (!S.playing || !S.ui.root.isConnected) return;
    const stride = Math.max(1, Math.round(S.payload.steps / FRAMES));
    S.step = Math.min(S.step + stride, S.payload.steps);
    showStep(S);
    if (S.step >= S.payload.steps) setPlaying(S, false); else tick(S);
  }, FRAME_MS / speed);
}

function bumpSpeed(S, dir) {
  const i = SPEEDS.indexOf(Number(S.ui.speed.value));
  S.ui.speed.value = String(SPEEDS[Math.max(0, Math.min(SPEEDS.length - 1, (i < 0 ? 1 : i) + dir))]);
  if (S.playing) setPlaying(S, true);
}

function go(S, step) {
  S.step = Math.max(0, Math.min(Math.round(step), S.payload.steps));
  showStep(S);
}

function wire(S) {
  const u = S.ui;
  u.play.addEventListener("click", () => setPlaying(S, !S.playing));
  u.back.addEventListener("click", () => { setPlaying(S, false); go(S, S.step - 1); });
  u.fwd.addEventListener("click", () => { setPlaying(S, false); go(S, S.step + 1); });
  u.scrub.addEventListener("input", () => go(S, Number(u.scrub.value)));
  u.speed.addEventListener("change", () => { if (S.playing) setPlaying(S, true); });
  u.full.addEventListener("click", () => {
    if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
    else u.root.requestFullscreen().catch(() => {});
  });
  S.onFullscreen = () => { if (u.root.isConnected && S.payload) redraw(S); };
  document.addEventListener("fullscreenchange", S.onFullscreen);
  u.root.addEventListener("keydown", (e) => {
    if (e.target && e.target.tagName === "SELECT") return;
    const big = e.shiftKey ? 10 : 1;
    if (e.key === " ") setPlaying(S, !S.playing);
    else if (e.key === "ArrowRight") { setPlaying(S, false); go(S, S.step + big); }
    else if (e.key === "ArrowLeft") { setPlaying(S, false); go(S, S.step - big); }
    else if (e.key === "Home") go(S, 0);
    else if (e.key === "End") go(S, S.payload.steps);
    else if (e.key === "+" || e.key === "=") bumpSpeed(S, 1);
    else if (e.key === "-" || e.key === "_") bumpSpeed(S, -1);
    else if (e.key === "?") u.help.hidden = !u.help.hidden;
    else if (e.key === "Escape" && !u.help.hidden) u.help.hidden = true;
    else return;
    e.preventDefault();
  });
  let resizeTimer = null;
  S.observer = new ResizeObserver(() => {  // a new width (sidebar, window, phone rotation): lay the panels out again
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => { if (S.payload && Math.abs(u.root.clientWidth - S.width) > 2) redraw(S); }, 60);
  }).observe(u.root);
  // a click on a map (not a drag that zooms) moves the start there
  let down = null;
  u.plot.addEventListener("pointerdown", (e) => { down = [e.clientX, e.clientY]; });
  u.plot.addEventListener("click", (e) => {
    if (!down || Math.hypot(e.clientX - down[0], e.clientY - down[1]) > 4 || !S.gd || !S.gd._fullLayout) return;
    const fl = S.gd._fullLayout, box = S.gd.getBoundingClientRect();
    const px = e.clientX - box.left, py = e.clientY - box.top;
    for (let m = 0; m < S.nMaps; m++) {
      const [xa, ya] = axisName(m).map((a) => fl[layoutKey(a)]);
      if (!xa || !ya) continue;
      const ix = px - xa._offset, iy = py - ya._offset;
      if (ix < 0 || ix > xa._length || iy < 0 || iy > ya._length) continue;
      const x = xa.p2d(ix), y = ya.p2d(iy);
      if (Number.isFinite(x) && Number.isFinite(y)) S.send("start", { x, y });
      return;
    }
  });
  // the morph: drag to see the paths for every stop of one hyperparameter, computed by the engine in one batch
  u.morphInput.addEventListener("input", () => morphTo(S, Number(u.morphInput.value)));
  u.morphInput.addEventListener("change", () => {
    const m = S.payload.morph;
    if (!m) return;
    const i = Math.round(Number(u.morphInput.value));
    u.morphInput.value = String(i);
    morphTo(S, i);
    if (i !== m.at) S.send("morph", { run: m.run, hp: m.hp, value: m.stops[i] });
  });
}

// ---------------------------------------------------------------- morph
function lerp(a, b, t) {
  const n = Math.min(a.length, b.length), out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = a[i] + (b[i] - a[i]) * t;
  return out;
}

function fmt(v) {
  if (v === 0) return "0";
  const a = Math.abs(v);
  return a >= 1e-3 && a < 1e4 ? String(Number(v.toPrecision(3))) : v.toExponential(1).replace("e-", "e−");
}

function morphTo(S, pos) {
  const m = S.payload.morph, p = S.payload;
  if (!m || !S.drawn) return;
  const i = Math.max(0, Math.min(Math.floor(pos), m.blobs.length - 1)), j = Math.min(i + 1, m.blobs.length - 1);
  const a = G.blobs.get(m.blobs[i]), b = G.blobs.get(m.blobs[j]), t = pos - i;
  const keep = Math.round(pos);  // a release keeps the nearest stop: say that one, not a value between stops
  S.ui.morphValue.textContent = `${m.symbol} = ${fmt(m.stops[keep])}${keep === m.at ? " (now)" : ""}`;
  const run = p.runs.find((r) => r.id === m.run);
  if (!run || !a || !b) return;
  const d = { x: lerp(a.x, b.x, t), y: lerp(a.y, b.y, t), loss: lerp(a.loss, b.loss, t), steps: a.steps };
  d.lastFinite = Math.min(a.lastFinite, b.lastFinite);
  S.morphed = { ...d, id: run.id };
  const { xs, ys, traces } = headUpdate(S);
  const upd = [{ x: d.x, y: d.y }, { x: d.steps, y: d.loss }, ...xs.map((x, k) => ({ x, y: ys[k] }))];
  window.Plotly.animate(S.gd, { data: upd, traces: [S.pathTrace[run.id], S.lossTrace[run.id], ...traces] },
                        { frame: { duration: 0, redraw: false }, transition: { duration: 0 }, mode: "immediate" })
    .catch(() => {});
  S.ui.root.dataset.morph = String(pos);
}

function setupMorph(S) {
  const m = S.payload.morph, u = S.ui;
  S.morphed = null;
  if (!m) { u.morph.hidden = true; return; }
  u.morph.hidden = false;
  u.morph.style.setProperty("--morph-color", m.color);
  u.morphLabel.textContent = `Drag to morph ${m.label}`;
  u.morphInput.max = String(m.stops.length - 1);
  u.morphInput.value = String(m.at);
  u.morphValue.textContent = `${m.symbol} = ${fmt(m.stops[m.at])} (now)`;
  u.root.dataset.morph = String(m.at);
}

// ---------------------------------------------------------------- legend: HTML, so it wraps instead of covering the plot
function swatch(color, dash, width, length = 26) {
  const d = { solid: "", dash: "6,4", dot: "2,3", dashdot: "6,3,2,3" }[dash] || "";
  return `<svg width="${length}" height="10" aria-hidden="true"><line x1="1" y1="5" x2="${length - 1}" y2="5" stroke="${color}" ` +
         `stroke-width="${width}" stroke-dasharray="${d}"/></svg>`;
}

// many runs (all 18 optimizers): a compact legend, two rows at 1440 px rather than four above the chart: smaller type,
// shorter swatches, the notes about what some runs draw said in a word (the whole sentence in their tooltip)
const MANY = 8;

function legend(S) {
  const p = S.payload, box = S.ui.legend, many = p.runs.length > MANY;
  box.replaceChildren();
  box.classList.toggle("opr-compact", many);
  S.hidden = S.hidden || new Set();
  if (p.minima.length) box.appendChild(item("☆", many ? "minimum" : "global minimum", "global minimum"));
  box.appendChild(item("○", "start"));
  p.runs.forEach((r) => {
    const b = el("button", { type: "button", class: "opr-item", "data-run": r.id,
                             title: `${r.name}: show / hide this run`, "aria-pressed": S.hidden.has(r.id) ? "false" : "true" });
    b.innerHTML = swatch(r.color, r.dash, 3, many ? 14 : 26);
    b.appendChild(el("span", {}, r.name));
    b.addEventListener("click", () => {
      if (S.hidden.has(r.id)) S.hidden.delete(r.id); else S.hidden.add(r.id);
      b.setAttribute("aria-pressed", S.hidden.has(r.id) ? "false" : "true");
      applyHidden(S);
    });
    box.appendChild(b);
  });
  p.runs.forEach((r) => {  // what some runs draw beside their path, said once
    if (r.average) {
      const long = `${r.label} dotted: ${r.average}`;
      const s = el("span", { class: "opr-item opr-mark", title: long });
      s.innerHTML = swatch(r.color, "dot", 3, many ? 14 : 26);
      s.appendChild(el("span", {}, many ? `${r.label}: average` : long));
      box.appendChild(s);
    }
    if (r.probes) {
      const long = `${r.label}: where this step evaluated f`;
      box.appendChild(item("✕", many ? `${r.label}: evaluations` : long, long));
    }
  });
}

function item(mark, text, title = text) {
  const s = el("span", { class: "opr-item opr-mark", title });
  s.appendChild(el("b", {}, mark));
  s.appendChild(el("span", {}, text));
  return s;
}

function applyHidden(S) {
  if (!S.gd || !S.drawn) return;
  const p = S.payload, idx = [], vis = [];
  p.runs.forEach((r) => {
    const v = S.hidden.has(r.id) ? "legendonly" : true;
    // during Play the paths draw themselves as the race goes: the faint whole path waits for a pause
    idx.push(S.pathTrace[r.id], S.travelTrace[r.id], S.lossTrace[r.id]);
    vis.push(S.playing && v === true ? false : v, v, v);
    for (const extra of [S.avgTrace[r.id], S.probeTrace[r.id]]) {
      if (extra !== undefined) { idx.push(extra); vis.push(v); }
    }
  });
  window.Plotly.restyle(S.gd, { visible: vis }, idx).catch(() => {});
}

// ---------------------------------------------------------------- draw
async function redraw(S) {
  const p = S.payload, u = S.ui, t0 = performance.now();
  const Plotly = await loadPlotly(p.plotly);
  const fullscreen = document.fullscreenElement === u.root;
  S.width = u.root.clientWidth || 600;
  legend(S);
  const geo = geometry(p, fullscreen ? window.innerWidth - 24 : S.width, fullscreen, u.legend.offsetHeight);
  S.nMaps = geo.maps.length;
  const fig = figure(p, geo, S);
  // no modebar: it covered the panel titles and took the clicks meant for the chart; drag zooms, a double click resets
  const config = { displaylogo: false, responsive: false, scrollZoom: false, displayModeBar: false, doubleClick: "reset" };
  S.drawn = false;
  if (S.gd && S.gd.isConnected) {
    await Plotly.react(S.gd, fig.data, fig.layout, config);
  } else {
    u.plot.replaceChildren();
    S.gd = el("div", { class: "opr-gd" });
    u.plot.appendChild(S.gd);
    await Plotly.newPlot(S.gd, fig.data, fig.layout, config);
  }
  S.drawn = true;
  if ((S.hidden && S.hidden.size) || S.playing) applyHidden(S);
  S.draws = (S.draws || 0) + 1;
  u.root.dataset.draws = String(S.draws);
  u.root.dataset.drawMs = String(Math.round(performance.now() - t0));  // data in -> figure redrawn (for bench_ui)
  u.root.dataset.rev = p.rev;
  showStep(S);
}

// The address must hold the settings the page shows (a reload or a shared link opens them). The server hands the
// query of every finished run: back from another page Streamlit would have written it on the previous page's
// address, and after quick key presses a run cut short could leave the address one value behind. Wait until the
// browser shows the Playground (the default page, at the root), then replace the query if it says something else.
function syncUrl(query) {
  const deadline = performance.now() + 5000;
  const same = () => new URLSearchParams(location.search).toString() === new URLSearchParams(query).toString();
  const attempt = () => {
    if (same()) return;
    if (location.pathname.endsWith("/")) {
      history.replaceState(history.state, "", `${location.pathname}${query ? "?" + query : ""}`);
      return;
    }
    if (performance.now() < deadline) setTimeout(attempt, 50);
  };
  attempt();
}

function loadCss(url) {
  if (document.querySelector(`link[data-opr-css="${url}"]`)) return;
  const link = el("link", { rel: "stylesheet", href: new URL(url, location.href).href, "data-opr-css": url });
  document.head.appendChild(link);
}

export default function raceChart(component) {
  const { data: p, parentElement, setTriggerValue } = component;
  window.__optRaceCalledAt = performance.now();  // when this data reached the chart (bench_ui splits the latency)
  if (p && p.css) loadCss(p.css);
  if (p && typeof p.url === "string") syncUrl(p.url);
  let S = G.charts.get(parentElement);
  if (!S) {
    S = { ui: build(parentElement), step: 0, playing: false };
    G.charts.set(parentElement, S);
    wire(S);
  }
  S.send = setTriggerValue;
  if (!p || !p.runs) return undefined;
  remember(p.blobs);
  const need = referenced(p);
  const missing = [...need].filter((id) => !G.blobs.has(id));
  if (missing.length) {  // this browser lost what the server believes it sent (a reload, another tab): ask again
    S.ui.status.textContent = "Loading…";
    setTriggerValue("missing", missing);
    return undefined;
  }
  evict(need);
  S.ui.status.textContent = "";
  if (S.payload && S.payload.rev === p.rev && S.drawn) return cleanup(S, parentElement);  // a rerun that changed nothing
  const atEnd = !S.payload || S.step >= S.payload.steps;  // a finished race stays finished when it changes
  S.payload = p;
  S.step = atEnd ? p.steps : Math.min(S.step, p.steps);
  S.ui.scrub.max = String(p.steps);
  S.ui.root.classList.toggle("opr-present", !!p.present);
  setupMorph(S);
  redraw(S).then(() => { if (S.playing) setPlaying(S, true); })
    .catch((e) => { S.ui.status.textContent = `The chart could not be drawn: ${e.message || e}`; });
  return cleanup(S, parentElement);
}

// Streamlit calls this on unmount only (and on a call it has already superseded): tear down only a chart
// that has really left the page
function cleanup(S, parentElement) {
  return () => setTimeout(() => { if (!parentElement.isConnected) teardown(S, parentElement); }, 0);
}

function teardown(S, parentElement) {
  setPlaying(S, false);
  if (S.observer) S.observer.disconnect();
  document.removeEventListener("fullscreenchange", S.onFullscreen);
  if (S.gd && window.Plotly) window.Plotly.purge(S.gd);
  G.charts.delete(parentElement);
}
