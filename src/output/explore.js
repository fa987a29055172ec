// The explorer of report.html (src/output/explore.rs): a control per axis picks a point, and the
// chart, numbers and table show it. Data from the page's #explore-data element; nothing loaded.
"use strict";
(function () {
  const D = JSON.parse(document.getElementById("explore-data").textContent);
  const $ = (id) => document.getElementById(id);
  const esc = (s) => String(s).replace(/[&<>"']/g, (c) => "&#" + c.charCodeAt(0) + ";");
  const at = D.axes.map(() => 0);
  const controls = D.axes.map((_, i) => $("explore-axis-" + i));
  const W = 900;
  const H = 380;
  const L = 70;
  const R = 20;

  function point() {
    return D.points.find((p) => p.at.every((v, i) => v === at[i])) || D.points[0];
  }

  function msText(v) {
    return v >= 1000 ? (v / 1000).toFixed(1) + " s" : v.toFixed(0) + " ms";
  }

  function marker(shape, xs, ys) {
    const x = Number(xs);
    const y = Number(ys);
    if (shape === "circle") return `<circle cx="${x}" cy="${y}" r="4" class="m-avg"/>`;
    if (shape === "triangle") return `<polygon points="${x},${y - 5} ${x + 5},${y + 4} ${x - 5},${y + 4}" class="m-max"/>`;
    return `<rect x="${x - 4}" y="${y - 4}" width="8" height="8" class="m-thr"/>`;
  }

  function panel(ms, ys, top, h, lo, hi, fmt, parts) {
    const n = ms.length;
    const x = (k) => L + (n > 1 ? (k / (n - 1)) * (W - L - R) : (W - L - R) / 2);
    const y = (v) => top + h - ((v - lo) / (hi - lo || 1)) * h;
    let s = `<line class="ax" x1="${L}" x2="${W - R}" y1="${top + h}" y2="${top + h}"/>`;
    for (const v of [lo, (lo + hi) / 2, hi]) {
      s += `<text x="${L - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${fmt(v)}</text>`;
      s += `<line class="gr" x1="${L}" x2="${W - R}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}"/>`;
    }
    for (const [vals, shape, dash, cls] of parts) {
      let d = "";
      vals.forEach((v, k) => {
        if (v === null) return;
        d += (d && vals[k - 1] !== null ? " L" : " M") + `${x(k).toFixed(1)},${y(v).toFixed(1)}`;
      });
      if (d) s += `<path d="${d}" class="${cls}"${dash ? ` stroke-dasharray="${dash}"` : ""}/>`;
      vals.forEach((v, k) => v !== null && (s += marker(shape, x(k).toFixed(1), y(v).toFixed(1))));
    }
    const every = Math.max(1, Math.ceil(n / 15));
    ms.forEach((m, k) => {
      if (k % every === 0) s += `<text x="${x(k).toFixed(1)}" y="${top + h + 14}" text-anchor="middle">${m}</text>`;
    });
    return s;
  }

  function drawChart(p) {
    const svg = $("explore-chart");
    const s = p.series;
    if (!s) {
      svg.setAttribute("viewBox", `0 0 ${W} 40`);
      svg.innerHTML = `<text x="10" y="24">No per-minute series here: the runs' minutes are in timeseries.csv.</text>`;
      return;
    }
    svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
    let hi = 1;
    s.max.concat(s.avg).forEach((v) => v !== null && (hi = Math.max(hi, v)));
    const thrHi = Math.max(1, ...s.throttled);
    let out = `<text x="${L}" y="14">IteratorAge of ${esc(s.consumer)}, per minute: Average ● and Maximum ▲</text>`;
    out += panel(s.minute, null, 24, 190, 0, hi, msText, [
      [s.max, "triangle", "6 4", "l-max"],
      [s.avg, "circle", "", "l-avg"],
    ]);
    out += `<text x="${L}" y="250">Throttled reads of stream ${esc(s.stream)} (all consumers), per minute ■</text>`;
    out += panel(s.minute, null, 258, 80, 0, thrHi, (v) => (v % 1 ? v.toFixed(1) : v.toFixed(0)), [[s.throttled, "square", "", "l-thr"]]);
    out += `<text x="${(L + W - R) / 2}" y="${H - 2}" text-anchor="middle">minute of the run</text>`;
    svg.innerHTML = out;
  }

  function drawNumbers(p) {
    let s = `<table><thead><tr><th class="text">metric</th><th>${esc(p.header)}</th>`;
    if (p.band) s += `<th>band over ${D.sets} assumption sets</th>`;
    s += "</tr></thead><tbody>";
    p.numbers.forEach(([k, v], i) => {
      s += `<tr><td class="text">${esc(k)}</td><td>${esc(v)}</td>`;
      if (p.band) s += `<td>${esc(p.band[i][1])}</td>`;
      s += "</tr>";
    });
    $("explore-numbers").innerHTML = s + "</tbody></table>";
    const t = p.series;
    if (!t) {
      $("explore-table").textContent = "";
      return;
    }
    let rows = "<table><thead><tr><th>minute</th><th>IteratorAge Average (ms)</th><th>IteratorAge Maximum (ms)</th><th>throttled reads</th></tr></thead><tbody>";
    t.minute.forEach((m, k) => {
      const v = (x) => (x === null ? "no data point" : x.toFixed(1));
      rows += `<tr><td>${m}</td><td>${v(t.avg[k])}</td><td>${v(t.max[k])}</td><td>${t.throttled[k]}</td></tr>`;
    });
    $("explore-table").innerHTML = rows + "</tbody></table>";
  }

  function draw() {
    const p = point();
    controls.forEach((c, i) => {
      if (!c) return;
      const text = D.axes[i].values[at[i]];
      const out = $("explore-axis-" + i + "-out");
      if (out) out.textContent = text;
      if (c.type === "range") c.setAttribute("aria-valuetext", `${D.axes[i].label} ${text}`);
    });
    const who = p.series ? `; chart: ${p.series.consumer} of ${p.series.consumers} consumer(s), replicate 0 (seed ${p.series.seed})` : "";
    $("explore-point").textContent = `Point ${p.name}${who}.`;
    drawChart(p);
    drawNumbers(p);
  }

  controls.forEach((c, i) => {
    if (!c) return;
    c.addEventListener(c.tagName === "SELECT" ? "change" : "input", () => {
      at[i] = Number(c.value);
      draw();
    });
  });
  draw();
})();
