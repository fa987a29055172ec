// The teaching page's script (src/output/teach_page.rs): animates the runs `sim teach` stored in
// the page's #data element. It loads nothing and writes only into this page.
"use strict";
(function () {
  const D = JSON.parse(document.getElementById("data").textContent);
  const $ = (id) => document.getElementById(id);
  const values = D.axis.values;
  const END = D.window.length_s * 1000;
  const state = { kind: D.kinds[0].id, idx: 0, t: END, playing: false, speed: 1, last: null };
  const DASH = ["", "6 3", "2 3", "10 3 2 3", "1 5", "12 6"];
  const W = 1000;
  const LEFT = 70;
  const RIGHT = 60;
  const x = (t) => LEFT + (t / END) * (W - LEFT - RIGHT);
  const fmt = (v, d) => Number(v).toFixed(d === undefined ? 1 : d);
  const esc = (s) => String(s).replace(/[&<>"']/g, (c) => "&#" + c.charCodeAt(0) + ";");
  const secs = (ms) => (ms >= 1000 ? fmt(ms / 1000, 1) + " s" : fmt(ms, 0) + " ms");

  function run() {
    return D.runs[state.kind][state.idx];
  }

  function axisTicks(h, bottom) {
    let s = "";
    for (let k = 0; k <= END / 1000; k++) {
      const xx = x(k * 1000);
      s += `<line class="grid" x1="${xx}" x2="${xx}" y1="6" y2="${bottom}"/>`;
      s += `<text x="${xx}" y="${h - 6}" text-anchor="middle">${fmt(D.window.at_s + k, 0)} s</text>`;
    }
    return s;
  }

  function mark(c) {
    const xx = x(c[0]);
    const y = 30 + c[1] * 28;
    switch (c[2]) {
      case 0:
        return `<circle class="ok" cx="${xx}" cy="${y}" r="4.5"/>`;
      case 1:
        return `<circle class="empty" cx="${xx}" cy="${y}" r="4.5"/>`;
      case 2:
        return `<g class="thr"><line x1="${xx - 5}" y1="${y - 5}" x2="${xx + 5}" y2="${y + 5}"/><line x1="${xx - 5}" y1="${y + 5}" x2="${xx + 5}" y2="${y - 5}"/></g>`;
      default:
        return `<polygon class="push" points="${xx},${y - 6} ${xx + 5},${y} ${xx},${y + 6} ${xx - 5},${y}"/>`;
    }
  }

  function drawLanes(r) {
    const h = 30 + r.lanes.length * 28 + 20;
    const svg = $("lanes");
    svg.setAttribute("viewBox", `0 0 ${W} ${h}`);
    let s = axisTicks(h, h - 22);
    r.lanes.forEach((name, i) => {
      const y = 30 + i * 28;
      s += `<line class="axis" x1="${LEFT}" x2="${W - RIGHT}" y1="${y}" y2="${y}"/>`;
      s += `<text x="${LEFT - 8}" y="${y + 4}" text-anchor="end">${esc(name)}</text>`;
    });
    for (const c of r.calls) {
      if (c[0] > state.t) break;
      s += mark(c);
    }
    s += `<line class="head" x1="${x(state.t)}" x2="${x(state.t)}" y1="6" y2="${h - 22}"/>`;
    svg.innerHTML = s;
  }

  function lineOf(ts, ys, y, cls, dash) {
    const pts = [];
    for (let k = 0; k < ts.length && ts[k] <= state.t; k++) pts.push(`${fmt(x(ts[k]))},${fmt(y(ys[k]))}`);
    if (pts.length < 2) return "";
    return `<polyline class="${cls}" points="${pts.join(" ")}"${dash ? ` stroke-dasharray="${dash}"` : ""}/>`;
  }

  // Labels at the playhead's end of each line, moved apart so that none overlaps another.
  function labels(ts, lines, y) {
    let k = 0;
    while (k + 1 < ts.length && ts[k + 1] <= state.t) k++;
    const at = lines.map(([ys, text]) => ({ y: y(ys[k]), text }));
    at.sort((a, b) => a.y - b.y);
    for (let i = 1; i < at.length; i++) at[i].y = Math.max(at[i].y, at[i - 1].y + 13);
    return at.map((l) => `<text x="${fmt(x(ts[k]) + 4)}" y="${fmt(l.y + 4)}">${esc(l.text)}</text>`).join("");
  }

  function chart(id, h, lo, hi, unit, body) {
    const svg = $(id);
    svg.setAttribute("viewBox", `0 0 ${W} ${h}`);
    const y = (v) => h - 24 - ((v - lo) / (hi - lo || 1)) * (h - 40);
    let s = axisTicks(h, h - 24);
    for (const v of [lo, (lo + hi) / 2, hi]) {
      s += `<text x="${LEFT - 8}" y="${fmt(y(v) + 4)}" text-anchor="end">${unit(v)}</text>`;
    }
    s += body(y);
    s += `<line class="head" x1="${x(state.t)}" x2="${x(state.t)}" y1="6" y2="${h - 24}"/>`;
    svg.innerHTML = s;
  }

  function drawRecords(r) {
    const all = r.written.concat(...r.read);
    const lo = Math.min(0, ...all);
    const hi = Math.max(1, ...all);
    chart("records", 240, lo, hi, (v) => fmt(v, 0), (y) => {
      let s = lineOf(r.t, r.written, y, "written");
      r.read.forEach((ys, i) => {
        s += `<g style="stroke:#57606a">${lineOf(r.t, ys, y, "line", DASH[i % DASH.length])}</g>`;
      });
      return s + labels(r.t, [[r.written, "written"]].concat(r.read.map((ys, i) => [ys, r.lanes[i] + " read"])), y);
    });
  }

  function drawAges(r) {
    let hi = 1;
    r.behind.forEach((ys) => ys.forEach((v) => (hi = Math.max(hi, v))));
    r.calls.forEach((c) => c[4] !== null && (hi = Math.max(hi, c[4])));
    chart("ages", 220, 0, hi, secs, (y) => {
      let s = "";
      r.behind.forEach((ys, i) => {
        s += `<g style="stroke:#57606a">${lineOf(r.t, ys, y, "line", DASH[i % DASH.length])}</g>`;
      });
      s += labels(r.t, r.behind.map((ys, i) => [ys, r.lanes[i]]), y);
      for (const c of r.calls) {
        if (c[0] > state.t) break;
        if (c[4] !== null) s += `<circle class="ok" cx="${fmt(x(c[0]))}" cy="${fmt(y(c[4]))}" r="2.5"/>`;
      }
      return s;
    });
  }

  // The calls made in [from, to], counted by what happened to them.
  function count(r, from, to) {
    const n = { asked: 0, served: 0, throttled: 0, pushes: 0, byLane: r.lanes.map(() => 0) };
    for (const c of r.calls) {
      if (c[0] < from) continue;
      if (c[0] > to) break;
      if (c[2] === 3) n.pushes++;
      else {
        n.asked++;
        if (c[2] === 2) {
          n.throttled++;
          n.byLane[c[1]]++;
        } else n.served++;
      }
    }
    return n;
  }

  function sampleAt(r) {
    let k = 0;
    while (k + 1 < r.t.length && r.t[k + 1] <= state.t) k++;
    return k;
  }

  function drawBudget(r) {
    const n = count(r, state.t - 1000, state.t);
    let s = `<strong>The last second:</strong> ${n.asked} calls asked, ${n.served} served, ${n.throttled} throttled`;
    if (r.limit !== null && n.asked > 0) {
      s += ` (the shard serves ${r.limit} a second) `;
      for (let k = 0; k < Math.max(r.limit, n.served); k++) s += `<span class="slot${k < n.served ? " used" : ""}"></span>`;
      for (let k = 0; k < n.throttled; k++) s += `<span class="slot over" title="throttled"></span>`;
    }
    if (n.pushes > 0) s += `; ${n.pushes} pushes, on each reader's own pipe`;
    $("budget").innerHTML = s;
  }

  function caption(r) {
    const k = sampleAt(r);
    let worst = 0;
    r.behind.forEach((ys, i) => ys[k] > r.behind[worst][k] && (worst = i));
    const lag = r.behind.length
      ? `${r.lanes[worst]} is furthest behind: its oldest unread record is ${secs(r.behind[worst][k])} old.`
      : "";
    const who = `${r.readers} reader${r.readers === 1 ? "" : "s"}`;
    const whole = state.t >= END;
    const from = whole ? 0 : Math.floor(state.t / 1000) * 1000;
    const n = count(r, from, state.t);
    const span = whole ? `Over these ${fmt(END / 1000, 0)} s` : `In second ${from / 1000 + 1} of ${fmt(END / 1000, 0)} (so far)`;
    const perS = whole ? ` (${fmt(n.asked / (END / 1000))} a second)` : "";
    let s;
    if (n.asked === 0 && n.pushes > 0) {
      s = `${span}, ${who} received ${n.pushes} pushes over enhanced fan-out: each has its own pipe, so there is no shared call budget to overflow and nothing is throttled.`;
    } else if (r.limit === null) {
      s = `${span}, ${who} made ${n.asked} calls${perS}; the stream sets no call limit.`;
    } else {
      const shared = r.shared.filter((v) => v).length;
      const want = r.poll_ms ? shared * (1000 / r.poll_ms) : 0;
      const would = want ? `${who} polling every ${fmt(r.poll_ms, 0)} ms would ask for ${fmt(want, 0)} calls a second; the shard serves at most ${r.limit} in any one second, all readers together. ` : "";
      s = `${would}${span}, they asked for ${n.asked} calls${perS}: ${n.served} served`;
      if (n.throttled > 0) {
        const lanes = n.byLane.map((v, i) => (v ? `${r.lanes[i]} ${v}` : "")).filter((v) => v);
        s += `, ${n.throttled} throttled (✕: ${lanes.join(", ")}); a throttled reader backs off and falls behind.`;
      } else s += `, none throttled: the budget holds.`;
    }
    return `${s} ${lag}`;
  }

  function drawParams(r) {
    let s = "<table><tbody>";
    s += `<tr><th>experiment</th><td>${esc(D.experiment)} (${esc(D.file)})</td></tr>`;
    s += `<tr><th>${esc(D.axis.label)}</th><td>${r.readers} (axis <code>${esc(D.axis.path)}</code>)</td></tr>`;
    if (D.others.length) s += `<tr><th>other axes</th><td>${esc(D.others.join(", "))}</td></tr>`;
    for (const [k, v] of r.params) s += `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`;
    s += `<tr><th>window</th><td>${fmt(D.window.length_s, 0)} s from ${fmt(D.window.at_s, 0)} s into the run; shard sampled every ${fmt(D.window.step_ms, 0)} ms</td></tr>`;
    $("params").innerHTML = s + "</tbody></table>";
  }

  function draw() {
    const r = run();
    $("readers-out").textContent = values[state.idx];
    $("readers").setAttribute("aria-valuetext", `${values[state.idx]} ${D.axis.label}`);
    $("clock").textContent = `t = ${fmt(D.window.at_s + state.t / 1000, 1)} s`;
    $("play").textContent = state.playing ? "Pause" : "Play";
    $("play").setAttribute("aria-pressed", String(state.playing));
    if (r.error) {
      $("caption").innerHTML = `<span class="error">This combination does not run: ${esc(r.error)}</span>`;
      ["lanes", "records", "ages"].forEach((id) => ($(id).innerHTML = ""));
      $("budget").textContent = "";
      $("params").textContent = "";
      return;
    }
    drawLanes(r);
    drawBudget(r);
    drawRecords(r);
    drawAges(r);
    $("caption").textContent = caption(r);
    drawParams(r);
  }

  function frame(now) {
    if (!state.playing) return;
    if (state.last !== null) state.t = Math.min(END, state.t + (now - state.last) * state.speed);
    state.last = now;
    if (state.t >= END) state.playing = false;
    draw();
    if (state.playing) requestAnimationFrame(frame);
  }

  function play(on) {
    if (on && state.t >= END) state.t = 0;
    state.playing = on;
    state.last = null;
    draw();
    if (on) requestAnimationFrame(frame);
  }

  function step() {
    play(false);
    state.t = state.t >= END ? 0 : Math.min(END, (Math.floor(state.t / D.window.step_ms + 1e-9) + 1) * D.window.step_ms);
    draw();
  }

  const slider = $("readers");
  slider.max = String(values.length - 1);
  const two = values.indexOf(2);
  state.idx = two >= 0 ? two : 0;
  slider.value = String(state.idx);
  slider.addEventListener("input", () => {
    state.idx = Number(slider.value);
    draw();
  });
  document.querySelectorAll('input[name="kind"]').forEach((el) =>
    el.addEventListener("change", () => {
      state.kind = el.value;
      draw();
    })
  );
  $("play").addEventListener("click", () => play(!state.playing));
  $("step").addEventListener("click", step);
  $("restart").addEventListener("click", () => {
    state.t = 0;
    draw();
  });
  $("speed").addEventListener("change", () => (state.speed = Number($("speed").value)));
  document.addEventListener("keydown", (e) => {
    if (e.target !== document.body) return;
    if (e.key === " ") {
      e.preventDefault();
      play(!state.playing);
    } else if (e.key === "ArrowRight") step();
  });
  $("stepms").textContent = fmt(D.window.step_ms, 0);
  draw();
})();
