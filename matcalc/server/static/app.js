// app.js — the playground's behaviour: the problem's state (form ⇄ URL hash), requests to
// the JSON API (debounced, stale ones cancelled), tabs, keyboard, gallery.  Invariant: the
// page shows the answer to the latest problem only — each request aborts the one before,
// and an answer that arrives for an older problem is dropped.

import * as R from "./render.js";

const $ = (id) => document.getElementById(id);
const FIELDS = ["expr", "wrt", "shapes", "order", "layout", "dialect", "form"];
const DEFAULTS = {expr: "", wrt: "", shapes: "", order: "1", layout: "numerator",
  dialect: "", form: "", tab: "result"};
const TABS = ["result", "steps", "check", "latex", "json", "numpy", "pytorch", "jax"];
let supported = new Set(["order", "layout"]);
let timer = null, deriving = null, checking = null, seq = 0, lastKey = "";

// -- state: the form and the URL hash hold the same problem ---------------------------------
function readForm() {
  const s = {};
  for (const f of FIELDS) s[f] = $(f).value;
  s.tab = currentTab();
  return s;
}

function writeForm(s) {
  for (const f of FIELDS) $(f).value = s[f] ?? DEFAULTS[f];
  selectTab(TABS.includes(s.tab) ? s.tab : "result", false);
}

function toHash(s) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(s)) if (v !== DEFAULTS[k] && v !== "") q.set(k, v);
  return "#" + q.toString().replace(/\+/g, "%20")              // readable links: keep ( ) , @
    .replace(/%28/g, "(").replace(/%29/g, ")").replace(/%2C/g, ",").replace(/%40/g, "@");
}

function fromHash() {
  const q = new URLSearchParams(location.hash.slice(1));
  return Object.fromEntries(Object.keys(DEFAULTS).map((k) => [k, q.get(k) ?? DEFAULTS[k]]));
}

function saveHash(push = false) {
  const h = toHash(readForm());
  if (h !== location.hash && !(h === "#" && !location.hash)) {
    history[push ? "pushState" : "replaceState"](null, "", h === "#" ? location.pathname : h);
  }
}

// The request body: only what the user set beyond the defaults, and only options this
// build of matcalc accepts (GET /api/info lists them).
function body(s) {
  const b = {expr: s.expr, wrt: s.wrt, order: Number(s.order), layout: s.layout};
  if (s.shapes.trim()) b.shapes = s.shapes;
  for (const opt of ["dialect", "form"]) if (s[opt] && supported.has(opt)) b[opt] = s[opt];
  return b;
}

async function post(route, payload, signal) {
  const r = await fetch(`/api/${route}`, {method: "POST", signal,
    headers: {"Content-Type": "application/json"}, body: JSON.stringify(payload)});
  return r.json();
}

const status = (text) => { $("status").textContent = text; };

function offline(e) {
  return {kind: "error", message: `the playground server did not answer (${e.message})`,
    hint: "is `matcalc serve` still running?"};
}

// -- deriving -------------------------------------------------------------------------------
function schedule(delay = 300) {
  clearTimeout(timer);
  timer = setTimeout(derive, delay);
}

async function derive() {
  clearTimeout(timer);
  saveHash();
  const s = readForm();
  if (deriving) deriving.abort();
  const my = ++seq;
  if (!s.expr.trim()) {
    $("math").replaceChildren(); $("shapes-line").textContent = ""; $("error").hidden = true;
    R.showVariables([]); status("Type an expression, or pick an example.");
    return;
  }
  const key = JSON.stringify(body(s));
  if (key !== lastKey) { $("check-out").replaceChildren(); lastKey = key; }
  deriving = new AbortController();
  const t0 = performance.now();
  status("deriving…");
  try {
    if (!s.wrt.trim()) {
      const p = await post("parse", {expr: s.expr, shapes: s.shapes || undefined}, deriving.signal);
      if (my !== seq) return;
      if (p.error) { R.showError(p.error); status(""); return; }
      R.showVariables(p.variables, pick);
      status("Choose the variable to differentiate by.");
      return;
    }
    const data = await post("derive", {...body(s), with_check: $("with-check").checked},
      deriving.signal);
    if (my !== seq) return;
    if (data.error) { R.showError(data.error); status(""); return; }
    R.showAnswer(data);
    R.showVariables(Object.keys(data.shapes || {}), pick);
    status(`derived in ${Math.round(performance.now() - t0)} ms`);
  } catch (e) {
    if (e.name === "AbortError" || my !== seq) return;
    R.showError(offline(e)); status("");
  }
}

function pick(name) {
  $("wrt").value = name;
  derive();
}

async function check() {
  if (checking) checking.abort();
  const s = readForm();
  if (!s.expr.trim() || !s.wrt.trim()) return;
  selectTab("check", true);
  checking = new AbortController();
  const payload = body(s);
  if ($("sizes").value.trim()) payload.sizes = $("sizes").value;
  $("run-check").disabled = true; $("cancel-check").hidden = false;
  $("check-out").textContent = "checking… (SymPy and finite differences; at most 30 s)";
  try {
    R.showCheck(await post("check", payload, checking.signal));
  } catch (e) {
    $("check-out").textContent = e.name === "AbortError" ? "cancelled" : offline(e).message;
  } finally {
    $("run-check").disabled = false; $("cancel-check").hidden = true; checking = null;
  }
}

// -- tabs (ARIA tabs: arrows, Home, End move; the selected tab is the one in the tab order) --
function currentTab() {
  const t = document.querySelector('[role="tab"][aria-selected="true"]');
  return t ? t.id.slice(4) : "result";
}

function selectTab(name, focus) {
  for (const t of TABS) {
    const on = t === name;
    $(`tab-${t}`).setAttribute("aria-selected", on ? "true" : "false");
    $(`tab-${t}`).tabIndex = on ? 0 : -1;
    $(`panel-${t}`).hidden = !on;
  }
  $("with-check").parentElement.hidden = !R.BACKENDS.includes(name);
  if (focus) $(`tab-${name}`).focus();
  saveHash();
}

function onTabKey(e) {
  const i = TABS.indexOf(currentTab());
  const next = {ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: TABS.length - 1}[e.key];
  if (next === undefined) return;
  e.preventDefault();
  selectTab(TABS[(next + TABS.length) % TABS.length], true);
}

// -- gallery --------------------------------------------------------------------------------
async function loadGallery() {
  const examples = await (await fetch("/static/examples.json")).json();
  $("gallery").replaceChildren(...examples.map((ex) => {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "example";
    const code = document.createElement("code");
    code.textContent = ex.expr;
    const by = `by ${ex.wrt}${ex.order === 2 ? ", order 2" : ""}${ex.shapes ? "; " + ex.shapes : ""}`;
    const meta = document.createElement("span");
    meta.className = "meta";
    meta.textContent = `${ex.title} · ${by} · ${ex.source}`;
    b.append(code, meta);
    b.addEventListener("click", () => {
      writeForm({...DEFAULTS, ...ex, order: String(ex.order || 1), tab: currentTab()});
      saveHash(true);
      derive();
      const a = $("answer").getBoundingClientRect();
      if (a.top < 0 || a.top > innerHeight) $("answer").scrollIntoView({block: "start"});
    });
    return document.createElement("li").appendChild(b).parentElement;
  }));
}

async function loadInfo() {
  try {
    const info = await (await fetch("/api/info")).json();
    supported = new Set(info.options);
    $("version").textContent = `matcalc ${info.version}`;
  } catch (e) { /* the first derivation will say the server is gone */ }
  for (const opt of ["dialect", "form"]) {
    $(opt).disabled = !supported.has(opt);
    $(opt).title = supported.has(opt) ? "" : `this build of matcalc has no ${opt} option yet`;
  }
}

// -- wiring -------------------------------------------------------------------------------------
function wire() {
  for (const f of ["expr", "wrt", "shapes"]) $(f).addEventListener("input", () => schedule());
  for (const f of ["order", "layout", "dialect", "form"]) $(f).addEventListener("change", derive);
  $("with-check").addEventListener("change", derive);
  $("problem").addEventListener("submit", (e) => { e.preventDefault(); derive(); });
  $("problem").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.ctrlKey && !e.metaKey && e.target.tagName === "INPUT") {
      e.preventDefault(); derive();
    }
  });
  $("sizes").addEventListener("keydown", (e) => { if (e.key === "Enter") check(); });
  $("run-check").addEventListener("click", check);
  $("cancel-check").addEventListener("click", () => checking && checking.abort());
  $("tablist").addEventListener("keydown", onTabKey);
  for (const t of TABS) $(`tab-${t}`).addEventListener("click", () => selectTab(t, false));
  document.addEventListener("click", (e) => {
    const b = e.target.closest("button.copy");
    if (b) R.copyFrom(b.dataset.copy, b);
  });
  document.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); check(); }
    else if (e.key === "Escape" && checking) checking.abort();
    else if (e.key === "/" && !/^(INPUT|SELECT|TEXTAREA)$/.test(document.activeElement.tagName)) {
      e.preventDefault(); $("expr").focus();
    }
  });
  addEventListener("popstate", () => { writeForm(fromHash()); derive(); });
}

async function start() {
  wire();
  const s = fromHash();
  if (!location.hash) Object.assign(s, {expr: "max(0, w.x + b)", wrt: "w"});
  writeForm(s);
  await loadInfo();
  loadGallery();
  derive();
}

start();
