// Drawing shared by the web view (GET /) and the plan report (pce plan
// --html): SVG built in the page, no library, nothing fetched from
// elsewhere.
"use strict";
const SVGNS = "http://www.w3.org/2000/svg";

function el(tag, attrs, parent) {
  const e = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (parent) parent.appendChild(e);
  return e;
}

function text(parent, x, y, s, attrs) {
  const t = el("text", Object.assign({ x, y, "font-size": 11, "font-family": "sans-serif" }, attrs || {}), parent);
  t.textContent = s;
  return t;
}

function clear(svg) {
  while (svg.firstChild) svg.removeChild(svg.firstChild);
}

// A utilization's colour: green at 0, yellow at 0.5, red at 1 and above;
// grey where there is none (no bandwidth, nothing reserved).
function colour(u) {
  if (u == null || !isFinite(u)) return "#a8b0b8";
  const t = Math.max(0, Math.min(1, u));
  return `hsl(${Math.round(120 * (1 - t))},78%,${u > 1 ? 32 : 42}%)`;
}

function pct(u) {
  return (u * 100).toFixed(1) + "%";
}

// "A->B" or "A->B [10.0.0.1]": the two node names.
function ends(linkName) {
  const m = /^(.*?)->(.*?)(?: \[.*\])?$/.exec(linkName);
  return m ? [m[1], m[2]] : null;
}

// Node positions (force-directed, deterministic): attraction along links,
// repulsion between nodes near each other (a grid keeps it linear), a
// cooling step. Returns {name: [x, y]} in a 1000 x 700 box.
function layout(nodes, links) {
  const n = nodes.length;
  const index = new Map(nodes.map((d, i) => [d.name, i]));
  const edges = [];
  const seen = new Set();
  for (const l of links) {
    const a = index.get(l.from), b = index.get(l.to);
    if (a == null || b == null || a === b) continue;
    const key = a < b ? a + "," + b : b + "," + a;
    if (!seen.has(key)) { seen.add(key); edges.push([a, b]); }
  }
  const W = 1000, H = 700;
  const k = Math.sqrt((W * H) / Math.max(n, 1)) * 0.8;
  const x = new Float64Array(n), y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    // A golden-angle spiral: spread, and the same every time.
    const r = Math.sqrt((i + 0.5) / n) * Math.min(W, H) * 0.45;
    const a = i * 2.399963;
    x[i] = W / 2 + r * Math.cos(a);
    y[i] = H / 2 + r * Math.sin(a);
  }
  const iterations = n > 1000 ? 80 : 250;
  const dx = new Float64Array(n), dy = new Float64Array(n);
  const cell = 2 * k;
  for (let it = 0; it < iterations; it++) {
    dx.fill(0); dy.fill(0);
    const grid = new Map();
    for (let i = 0; i < n; i++) {
      const g = Math.floor(x[i] / cell) + "," + Math.floor(y[i] / cell);
      if (!grid.has(g)) grid.set(g, []);
      grid.get(g).push(i);
    }
    for (let i = 0; i < n; i++) {
      const gx = Math.floor(x[i] / cell), gy = Math.floor(y[i] / cell);
      for (let ox = -1; ox <= 1; ox++) for (let oy = -1; oy <= 1; oy++) {
        const list = grid.get((gx + ox) + "," + (gy + oy));
        if (!list) continue;
        for (const j of list) {
          if (j === i) continue;
          let ddx = x[i] - x[j], ddy = y[i] - y[j];
          let d2 = ddx * ddx + ddy * ddy;
          if (d2 < 1e-6) { ddx = (i - j) * 0.01; ddy = 0.01; d2 = ddx * ddx + ddy * ddy; }
          const f = (k * k) / d2;
          dx[i] += ddx * f; dy[i] += ddy * f;
        }
      }
    }
    for (const [a, b] of edges) {
      const ddx = x[a] - x[b], ddy = y[a] - y[b];
      const d = Math.sqrt(ddx * ddx + ddy * ddy) + 1e-9;
      const f = d / k;
      dx[a] -= ddx * f; dy[a] -= ddy * f;
      dx[b] += ddx * f; dy[b] += ddy * f;
    }
    const t = (W / 10) * (1 - it / iterations) + 1;
    for (let i = 0; i < n; i++) {
      // A pull to the centre keeps pieces of the graph in view.
      dx[i] += (W / 2 - x[i]) * 0.01; dy[i] += (H / 2 - y[i]) * 0.01;
      const d = Math.sqrt(dx[i] * dx[i] + dy[i] * dy[i]) + 1e-9;
      const m = Math.min(d, t);
      x[i] += (dx[i] / d) * m; y[i] += (dy[i] / d) * m;
    }
  }
  let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
  for (let i = 0; i < n; i++) {
    minX = Math.min(minX, x[i]); maxX = Math.max(maxX, x[i]);
    minY = Math.min(minY, y[i]); maxY = Math.max(maxY, y[i]);
  }
  const pad = 50, sx = (W - 2 * pad) / Math.max(maxX - minX, 1), sy = (H - 2 * pad) / Math.max(maxY - minY, 1);
  const out = {};
  const r1 = (v) => Math.round(v * 10) / 10;
  nodes.forEach((d, i) => { out[d.name] = [r1(pad + (x[i] - minX) * sx), r1(pad + (y[i] - minY) * sy)]; });
  return out;
}

// The topology: one line per pair of nodes in the colour of its busiest
// direction (`util(linkName, link)`), nodes as dots (grey when down).
// Returns a function that draws a path (node names) over it.
function drawTopology(svg, topo, pos, util, opts) {
  opts = opts || {};
  clear(svg);
  svg.setAttribute("viewBox", "0 0 1000 700");
  const pairs = new Map();
  for (const l of topo.links) {
    if (!pos[l.from] || !pos[l.to]) continue;
    const key = l.from < l.to ? l.from + "\u0000" + l.to : l.to + "\u0000" + l.from;
    const name = l.name || l.from + "->" + l.to;
    const u = util(name, l);
    const p = pairs.get(key) || { a: l.from, b: l.to, u: null, up: true, names: [] };
    if (u != null && (p.u == null || u > p.u)) p.u = u;
    p.up = p.up && l.up !== false;
    p.names.push(name + (u != null ? " " + pct(u) : ""));
    pairs.set(key, p);
  }
  const lines = el("g", { class: "links" }, svg);
  const width = topo.nodes.length > 300 ? 1.2 : 2.5;
  for (const p of pairs.values()) {
    const [x1, y1] = pos[p.a], [x2, y2] = pos[p.b];
    const line = el("line", {
      x1, y1, x2, y2,
      stroke: p.up ? colour(p.u) : "#d0d4d8",
      "stroke-width": width,
      "stroke-dasharray": p.up ? "" : "4 3",
      class: "link",
      "data-a": p.a, "data-b": p.b,
      "data-utilization": p.u == null ? "" : p.u.toFixed(4),
    }, lines);
    el("title", {}, line).textContent = p.names.join("\n");
  }
  const dots = el("g", { class: "nodes" }, svg);
  const r = topo.nodes.length > 300 ? 2.2 : 5;
  for (const nd of topo.nodes) {
    const [cx, cy] = pos[nd.name];
    const c = el("circle", { cx, cy, r, fill: nd.up === false ? "#bbb" : "#345", class: "node", "data-name": nd.name }, dots);
    el("title", {}, c).textContent = nd.name + (nd.router_id ? " " + nd.router_id : "");
    if (topo.nodes.length <= 60) text(dots, cx + 7, cy - 6, nd.name, { fill: "#234" });
  }
  const overlay = el("g", { class: "path" }, svg);
  return function highlight(names) {
    clear(overlay);
    const pts = names.filter(n => pos[n]).map(n => pos[n]);
    if (pts.length < 2) return;
    el("polyline", {
      points: pts.map(p => p.join(",")).join(" "),
      fill: "none", stroke: "#1565c0", "stroke-width": 5, "stroke-opacity": 0.75,
      "stroke-linejoin": "round", class: "selected-path",
    }, overlay);
    for (const p of pts) el("circle", { cx: p[0], cy: p[1], r: 5, fill: "#1565c0" }, overlay);
  };
}

// A histogram of utilizations in 10% steps, the last step "100% and
// more"; `series`: [{label, values, colour}].
function histogram(svg, series, title) {
  clear(svg);
  const W = 640, H = 260, L = 48, B = 40, T = 28;
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  const bins = 11;
  const counts = series.map(s => {
    const c = new Array(bins).fill(0);
    for (const u of s.values) c[Math.min(bins - 1, Math.floor(u * 10 + 1e-9))]++;
    return c;
  });
  const max = Math.max(1, ...counts.flat());
  text(svg, L, 16, title, { "font-size": 13, "font-weight": "bold" });
  const bw = (W - L - 10) / bins;
  counts.forEach((c, s) => {
    c.forEach((v, i) => {
      const h = (v / max) * (H - B - T);
      const w = bw / series.length - 2;
      const rect = el("rect", { x: L + i * bw + s * (w + 1) + 1, y: H - B - h, width: w, height: h, fill: series[s].colour }, svg);
      el("title", {}, rect).textContent = `${series[s].label}: ${v} links`;
    });
  });
  for (let i = 0; i < bins; i++) text(svg, L + i * bw + 4, H - B + 14, i < 10 ? `${i * 10}%` : "100%+", { "font-size": 10 });
  text(svg, L, H - 6, "utilization", { "font-size": 11 });
  el("line", { x1: L, y1: H - B, x2: W - 10, y2: H - B, stroke: "#555" }, svg);
  text(svg, 4, T + 8, String(max), { "font-size": 10 });
  text(svg, 4, H - B, "0", { "font-size": 10 });
  series.forEach((s, i) => {
    el("rect", { x: W - 170, y: 8 + i * 14, width: 10, height: 10, fill: s.colour }, svg);
    text(svg, W - 155, 17 + i * 14, s.label, { "font-size": 10 });
  });
}

// Horizontal bars: [{label, value, colour?, note?}], largest first.
function bars(svg, items, title, format) {
  clear(svg);
  const W = 640, row = 16, T = 32, L = 230;
  const H = T + Math.max(items.length, 1) * row + 10;
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  text(svg, 4, 16, title, { "font-size": 13, "font-weight": "bold" });
  if (!items.length) { text(svg, 4, T + 12, "none", { fill: "#666" }); return; }
  const max = Math.max(...items.map(i => i.value), 1e-9);
  items.forEach((it, i) => {
    const y = T + i * row;
    text(svg, 4, y + 11, it.label.length > 36 ? it.label.slice(0, 35) + "\u2026" : it.label, { "font-size": 10 });
    const w = Math.max(1, (it.value / max) * (W - L - 70));
    const rect = el("rect", { x: L, y: y + 2, width: w, height: row - 4, fill: it.colour || "#5472d3" }, svg);
    el("title", {}, rect).textContent = it.label + (it.note ? " (" + it.note + ")" : "");
    text(svg, L + w + 4, y + 11, format(it.value), { "font-size": 10 });
  });
}
