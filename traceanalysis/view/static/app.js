// traceanalysis view: the page over /api/*. Every piece of trace text goes into the DOM
// through textContent, never as markup.
"use strict";

const BEHAVIOUR_COLOURS = ["#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9",
  "#7b3294", "#6b4e16"];
const LEXICON_COLOURS = ["#fff09a", "#bfeec0", "#ffd3de", "#cfe0ff", "#e6d8ff", "#ffe0b8",
  "#c9f1ef"];
const RUN_COLOURS = ["#3a3a3a", "#8c6d31", "#8a8a8a", "#5c4033", "#b3a48a", "#1f3a4d"];
const state = { facets: null, offset: 0, total: 0, poffset: 0, ptotal: 0, colours: {} };
const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") node.className = v;
    else if (k === "style") node.style.cssText = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

async function api(path, params) {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) if (v !== "" && v !== null && v !== undefined) qs.append(k, v);
  const start = performance.now();
  const res = await fetch(path + (qs.toString() ? "?" + qs : ""));
  const body = await res.json();
  $("status").textContent = `${path} ${Math.round(performance.now() - start)} ms`;
  if (!res.ok) throw new Error(body.error || res.statusText);
  return body;
}

function colour(kind, label) {
  return state.colours[kind + ":" + label] || "#999";
}

function assignColours(f) {
  f.behaviors.forEach((b, i) => { state.colours["beh:" + b] = BEHAVIOUR_COLOURS[i % BEHAVIOUR_COLOURS.length]; });
  f.lexicons.forEach((l, i) => { state.colours["lex:" + l] = LEXICON_COLOURS[i % LEXICON_COLOURS.length]; });
  f.runs.forEach((r, i) => { state.colours["run:" + r] = RUN_COLOURS[i % RUN_COLOURS.length]; });
}

function fillSelect(id, values, labels) {
  const select = $(id);
  select.replaceChildren(el("option", { value: "" }, "any"));
  values.forEach((v, i) => select.append(el("option", { value: v }, labels ? labels[i] : v)));
}

function legend(f) {
  const box = $("legend");
  box.replaceChildren(el("h3", {}, "Behaviours (underlines, stacked)"));
  for (const b of f.behaviors) {
    box.append(el("div", { class: "key" }, el("span", { class: "sw beh-sw", "data-label": b,
      style: `background:${colour("beh", b)}` }), b.replaceAll("_", " ")));
  }
  box.append(el("h3", {}, "Lexicon hits (background)"));
  if (!f.has_lexicon_spans) box.append(el("p", { class: "note" }, "This report stores no lexicon_spans (written before they existed): rerun report to see lexicon hits. The filter works."));
  for (const l of f.lexicons) {
    box.append(el("div", { class: "key" }, el("span", { class: "sw lex-sw", "data-label": l,
      style: `background:${colour("lex", l)}` }), l.replaceAll("_", " ")));
  }
  box.append(el("h3", {}, "Other"));
  box.append(el("div", { class: "key" }, el("span", { class: "sw", style: "outline:2px dashed #111" }), "search hit"));
  box.append(el("div", { class: "key" }, el("span", { class: "sw", style: "border:2px double #111" }), "answer box"));
}

function filters() {
  const f = { q: $("q").value.trim(), limit: $("f-limit").value, offset: state.offset };
  for (const key of ["run", "role", "correct", "grade_status", "difficulty", "behavior", "lexicon", "step"]) {
    f[key] = $("f-" + key).value;
  }
  f.problem = $("f-problem").value.trim();
  return f;
}

// One piece of text [a, b) of the code points `cps`, cut at every mark edge.
function renderText(cps, marks, a, b) {
  const inside = marks.filter((m) => m[0] < b && m[1] > a);
  const edges = new Set([a, b]);
  for (const m of inside) { edges.add(Math.max(m[0], a)); edges.add(Math.min(m[1], b)); }
  const points = [...edges].sort((x, y) => x - y);
  const box = el("div", { class: "text" });
  for (let i = 0; i + 1 < points.length; i++) {
    const [s, e] = [points[i], points[i + 1]];
    const piece = cps.slice(s, e).join("");
    const active = inside.filter((m) => m[0] <= s && m[1] >= e);
    if (!active.length) { box.append(piece); continue; }
    box.append(markSpan(piece, active));
  }
  return box;
}

function markSpan(piece, active) {
  const beh = [...new Set(active.filter((m) => m[2] === "beh").map((m) => m[3]))].sort();
  const lex = [...new Set(active.filter((m) => m[2] === "lex").map((m) => m[3]))].sort();
  const span = el("span", { class: "m" }, piece);
  const shadows = beh.map((b, i) => `inset 0 -${3 * (i + 1)}px 0 ${colour("beh", b)}`);
  if (shadows.length) { span.style.boxShadow = shadows.join(", "); span.style.paddingBottom = `${3 * beh.length - 2}px`; }
  if (lex.length === 1) span.style.backgroundColor = colour("lex", lex[0]);
  if (lex.length > 1) {
    const step = 100 / lex.length;
    span.style.backgroundImage = "linear-gradient(" + lex.map((l, i) =>
      `${colour("lex", l)} ${i * step}% ${(i + 1) * step}%`).join(", ") + ")";
  }
  if (beh.length) { span.classList.add("beh"); span.dataset.beh = beh.join(" "); }
  if (lex.length) { span.classList.add("lex"); span.dataset.lex = lex.join(" "); }
  if (active.some((m) => m[2] === "hit")) span.classList.add("hit");
  if (active.some((m) => m[2] === "ans")) span.classList.add("ans");
  span.title = [...beh.map((b) => "behaviour: " + b.replaceAll("_", " ")), ...lex.map((l) => "lexicon: " + l)].join("; ");
  return span;
}

function verdict(row) {
  if (row.correct === true) return el("span", { class: "verdict ok" }, "correct");
  if (row.correct === false) return el("span", { class: "verdict bad" }, "incorrect");
  return el("span", { class: "verdict na" }, "ungraded");
}

function card(row, opts) {
  const text = row.response || "";
  const cps = Array.from(text);
  const marks = (row.marks || []).slice();
  const parts = row.parts || { reasoning: null, final: [0, cps.length], answer: null };
  if (parts.answer) marks.push([parts.answer[0], parts.answer[1], "ans", "answer"]);
  const dcol = state.facets.difficulty_column;
  const meta = el("div", { class: "meta" },
    el("span", { class: "run" }, row.run), row.role ? el("span", {}, row.role) : null,
    opts && opts.compact ? null : el("a", { href: "#compare=" + encodeURIComponent(row.problem_id), class: "problem-link",
      "data-problem": row.problem_id }, row.problem_id),
    el("span", {}, "sample " + row.sample_idx), verdict(row),
    row.grade_status ? el("span", { class: "status" }, "status: " + row.grade_status) : null,
    dcol && row[dcol] ? el("span", {}, "difficulty " + row[dcol]) : null,
    row.step !== null && row.step !== undefined ? el("span", {}, "step " + row.step) : null,
    row.n_tokens !== undefined && row.n_tokens !== null ? el("span", {}, row.n_tokens + " tokens") : null);
  const answer = el("div", { class: "answer" }, "answer ", el("code", { class: "extracted" }, row.extracted ?? "—"),
    "  gold ", el("code", { class: "gold" }, row.gold ?? "—"));
  const node = el("article", { class: "sample", "data-run": row.run, "data-problem": row.problem_id,
    style: `--run:${colour("run", row.run)}` }, meta, answer);
  if (parts.reasoning) {
    node.append(el("div", { class: "part reasoning" }, el("div", { class: "part-label" }, "reasoning"),
      renderText(cps, marks, parts.reasoning[0], parts.reasoning[1])));
  }
  if (parts.final) {
    const label = parts.reasoning ? "final answer part" : "response";
    node.append(el("div", { class: "part final" }, el("div", { class: "part-label" }, label),
      renderText(cps, marks, parts.final[0], parts.final[1])));
  } else {
    node.append(el("div", { class: "part-label" }, "no final part (the reasoning never closed)"));
  }
  return node;
}

let loading = 0;  // the newest request; older answers are dropped

function showSamples(data) {
  const list = $("list");
  list.replaceChildren(...data.rows.map((r) => card(r)));
  if (!data.rows.length && data.total !== null) list.append(el("div", { class: "empty" }, "No response matches these filters."));
  const limit = Number($("f-limit").value);
  const end = state.offset + data.rows.length;
  const of = data.total === null ? "… (counting the matches)" : `${data.total.toLocaleString()} responses`;
  const text = data.total === 0 ? "0 responses" : `${(state.offset + 1).toLocaleString()}–${end.toLocaleString()} of ${of}`;
  $("summary").textContent = text; $("summary2").textContent = text;
  for (const id of ["prev", "prev2"]) $(id).disabled = state.offset === 0;
  for (const id of ["next", "next2"]) $(id).disabled = data.total === null || state.offset + limit >= data.total;
}

async function loadSamples() {
  const mine = ++loading;
  const params = filters();
  writeHash(params);
  try {
    if (params.q) {  // a new search: its first page first, the total after one scan
      const quick = await api("/api/samples", { ...params, count: "false" });
      if (mine !== loading) return;
      showSamples(quick);
      if (quick.total !== null) { state.total = quick.total; return; }
    }
    const data = await api("/api/samples", params);
    if (mine !== loading) return;
    state.total = data.total;
    showSamples(data);
  } catch (err) {
    if (mine === loading) $("list").replaceChildren(el("div", { class: "error" }, String(err.message || err)));
  }
}

function page(delta) {
  const limit = Number($("f-limit").value);
  state.offset = Math.max(0, Math.min(state.offset + delta * limit, Math.max(0, state.total - 1)));
  loadSamples().then(() => window.scrollTo(0, 0));
}

function cell(c) {
  if (!c) return "—";
  if (!c.n_graded) return `${c.n} ungraded`;
  return `${c.n_correct}/${c.n_graded}` + (c.n_graded < c.n ? ` (+${c.n - c.n_graded} ungraded)` : "");
}

async function loadProblems() {
  const data = await api("/api/problems", { q: $("pq").value.trim(), offset: state.poffset, limit: 100 });
  state.ptotal = data.total;
  const runs = state.facets.runs;
  $("problems").tHead.replaceChildren(el("tr", {}, el("th", {}, "problem"), el("th", {}, "gold"),
    el("th", {}, "difficulty"), ...runs.map((r) => el("th", {}, r + " correct"))));
  $("problems").tBodies[0].replaceChildren(...data.rows.map((p) => el("tr", { "data-problem": p.problem_id,
    onclick: () => openProblem(p.problem_id) }, el("td", {}, p.problem_id), el("td", {}, p.gold ?? "—"),
    el("td", {}, p.difficulty_bin ?? "—"),
    ...runs.map((r) => el("td", {}, cell(p.runs[r]))))));
  $("psummary").textContent = `${data.total ? state.poffset + 1 : 0}–${Math.min(state.poffset + 100, data.total)} of ${data.total} problems`;
  $("pprev").disabled = state.poffset === 0;
  $("pnext").disabled = state.poffset + 100 >= data.total;
}

function show(view) {
  for (const id of ["samples-view", "problems-view", "problem-view"]) $(id).hidden = id !== view;
  $("tab-samples").classList.toggle("active", view === "samples-view");
  $("tab-problems").classList.toggle("active", view === "problems-view");
}

async function openProblem(pid) {
  show("problem-view");
  if (location.hash !== "#compare=" + encodeURIComponent(pid)) history.pushState(null, "", "#compare=" + encodeURIComponent(pid));
  $("pv-title").textContent = "Problem " + pid;
  $("pv-grid").replaceChildren();
  try {
    const p = await api("/api/problem", { id: pid });
    $("pv-info").replaceChildren(el("div", {}, "gold ", el("code", { class: "gold" }, p.gold ?? "—"),
      p.difficulty_bin ? `   difficulty ${p.difficulty_bin}` : ""),
      p.prompt ? el("div", { class: "prompt" }, p.prompt) : null);
    $("pv-grid").replaceChildren(...p.runs.map((r) => el("section", { class: "run-col", "data-run": r.run,
      style: `--run:${colour("run", r.run)}` },
      el("h3", {}, r.run + " ", el("small", {}, `${r.role || ""} · ${r.n_correct_shown}/${r.n_shown} correct` +
        (r.n_samples > r.n_shown ? ` (first ${r.n_shown} of ${r.n_samples})` : ""))),
      ...r.samples.map((s) => card(s, { compact: true })))));
  } catch (err) {
    $("pv-grid").replaceChildren(el("div", { class: "error" }, String(err.message || err)));
  }
}

const HASH_KEYS = ["run", "role", "correct", "grade_status", "difficulty", "behavior", "lexicon", "step"];

// The samples view's filters live in the URL (#run=rlvr&q=wait&offset=50): a view can be
// bookmarked or shared; #compare=ID is one problem side by side.
function writeHash(params) {
  const qs = new URLSearchParams();
  for (const k of [...HASH_KEYS, "q", "problem"]) if (params[k]) qs.set(k, params[k]);
  if (state.offset) qs.set("offset", String(state.offset));
  const hash = qs.toString() ? "#" + qs : "";
  if (location.hash !== hash) history.replaceState(null, "", hash || location.pathname);
}

function readHash() {
  const qs = new URLSearchParams(location.hash.slice(1));
  for (const k of HASH_KEYS) {
    const select = $("f-" + k);
    const value = qs.get(k) || "";
    select.value = [...select.options].some((o) => o.value === value) ? value : "";
  }
  $("q").value = qs.get("q") || "";
  $("f-problem").value = qs.get("problem") || "";
  state.offset = Math.max(0, Number(qs.get("offset")) || 0);
}

function route() {
  const m = location.hash.match(/^#compare=(.*)$/);
  if (m) { openProblem(decodeURIComponent(m[1])); return; }
  show("samples-view");
  readHash();
  loadSamples();
}

async function init() {
  const f = await api("/api/facets");
  state.facets = f;
  assignColours(f);
  fillSelect("f-run", f.runs);
  fillSelect("f-role", f.roles);
  fillSelect("f-correct", f.has_correct ? ["true", "false", "null"] : [], ["correct", "incorrect", "ungraded"]);
  fillSelect("f-grade_status", f.grade_statuses);
  fillSelect("f-difficulty", f.difficulty_bins);
  fillSelect("f-behavior", f.behaviors, f.behaviors.map((b) => b.replaceAll("_", " ")));
  fillSelect("f-lexicon", f.lexicons);
  fillSelect("f-step", f.steps.map(String));
  $("step-box").hidden = !f.has_step;
  legend(f);
  const reload = () => { state.offset = 0; loadSamples(); };
  for (const id of ["f-run", "f-role", "f-correct", "f-grade_status", "f-difficulty", "f-behavior", "f-lexicon", "f-step", "f-limit"]) {
    $(id).addEventListener("change", reload);
  }
  let timer = null;
  for (const id of ["q", "f-problem"]) {
    $(id).addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(reload, 350); });
    $(id).addEventListener("keydown", (e) => { if (e.key === "Enter") { clearTimeout(timer); reload(); } });
  }
  let ptimer = null;
  $("pq").addEventListener("input", () => { clearTimeout(ptimer); ptimer = setTimeout(() => { state.poffset = 0; loadProblems(); }, 300); });
  $("reset").addEventListener("click", () => {
    for (const s of document.querySelectorAll("#filters select")) if (s.id !== "f-limit") s.value = "";
    $("q").value = ""; $("f-problem").value = ""; reload();
  });
  $("prev").addEventListener("click", () => page(-1)); $("prev2").addEventListener("click", () => page(-1));
  $("next").addEventListener("click", () => page(1)); $("next2").addEventListener("click", () => page(1));
  $("pprev").addEventListener("click", () => { state.poffset = Math.max(0, state.poffset - 100); loadProblems(); });
  $("pnext").addEventListener("click", () => { state.poffset += 100; loadProblems(); });
  $("tab-samples").addEventListener("click", () => { show("samples-view"); loadSamples(); });
  $("tab-problems").addEventListener("click", () => { show("problems-view"); loadProblems(); });
  $("back").addEventListener("click", () => history.back());
  document.addEventListener("click", (e) => {
    const link = e.target.closest("a.problem-link");
    if (link) { e.preventDefault(); openProblem(link.dataset.problem); }
  });
  window.addEventListener("popstate", route);
  route();
}

init().catch((err) => { $("list").replaceChildren(el("div", { class: "error" }, String(err.message || err))); });
