// render.js — draws the server's answers into the page: the typeset result, the error with
// its caret, the steps, LaTeX, JSON, code and check report.  Owns no state and sends no
// request.  Invariant: text from the server or the user is set with textContent; only the
// MathML made by matcalc's printer (which escapes every text node) is set as markup.

const $ = (id) => document.getElementById(id);
export const BACKENDS = ["numpy", "pytorch", "jax"];

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v; else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c);
  return e;
}

const inner = (math) => (math || "").replace(/^<math[^>]*>|<\/math>$/g, "");

// The equation ∂/∂w input = result: the result's MathML from the JSON schema when it has one
// (result.mathml), else the one the playground server adds.
// With split, the two sides go on two lines (for a window too narrow for one).
export function equationMathML(data, split = false) {
  const pg = (data.playground || {}).mathml || {};
  const result = (data.result && data.result.mathml) || pg.result;
  if (!result) return null;
  if (!pg.lhs) return `<math display="block">${inner(result)}</math>`;
  if (split) {
    return `<math display="block"><mrow>${inner(pg.lhs)}<mo>=</mo></mrow></math>` +
      `<math display="block" class="rhs"><mrow>${inner(result)}</mrow></math>`;
  }
  return `<math display="block"><mrow>${inner(pg.lhs)}<mo>=</mo>${inner(result)}</mrow></math>`;
}

export function showAnswer(data) {
  $("error").hidden = true;
  const mathml = equationMathML(data);
  const box = $("math");
  box.classList.remove("stale");
  if (mathml) {
    box.innerHTML = mathml;
    box.classList.toggle("split", box.scrollWidth > box.clientWidth + 1);
    if (box.classList.contains("split")) box.innerHTML = equationMathML(data, true);
  } else {
    box.replaceChildren(el("code", {class: "plain"}, data.result.text));
  }
  const pg = data.playground || {};
  $("shapes-line").textContent = pg.shapes_line || `shape ${data.shape.join("×")} (${data.layout} layout)`;
  $("text-out").textContent = pg.text || data.result.text;
  $("notes").replaceChildren(...(pg.notes || []).concat(
    (pg.ignored || []).length ? [`ignored options: ${pg.ignored.join(", ")}`] : [])
    .map((n) => el("li", {}, n)));
  showSteps(data.steps || []);
  const latex = pg.latex || {};
  $("latex-result").textContent = data.result.latex || "";
  $("latex-equation").textContent = latex.equation || "";
  $("latex-steps").textContent = latex.steps || "";
  const schema = Object.fromEntries(Object.entries(data).filter(([k]) => k !== "playground"));
  $("json-out").textContent = JSON.stringify(schema, null, 2);
  for (const b of BACKENDS) showCode(b, (pg.code || {})[b]);
}

function showSteps(steps) {
  $("steps").replaceChildren(...steps.map((s) => {
    const li = el("li", {class: `step ${s.kind}`}, el("span", {class: "step-text"}, s.text));
    if (s.rule || s.source) {
      const why = s.source && s.source !== s.rule ? s.source : s.rule;
      li.append(el("span", {class: "rule"}, why));
    }
    return li;
  }));
}

function showCode(backend, code) {
  const panel = $(`panel-${backend}`);
  const pre = el("pre", {class: "out code", id: `code-${backend}`});
  const bar = el("div", {class: "bar"}, el("span", {}, `${panel.getAttribute("aria-labelledby")
    .slice(4)}.py: f_and_grad(…) returns (value, derivative)`));
  if (code && code.source) {
    pre.textContent = code.source;
    bar.append(el("button", {type: "button", class: "copy", "data-copy": pre.id}, "Copy"));
  } else {
    pre.textContent = code ? `# ${code.error}${code.hint ? "\n# hint: " + code.hint : ""}`
      : "# no code was asked for";
  }
  panel.replaceChildren(bar, pre);
}

// An error: the message, the offending line with the span marked and a caret run under it
// (the caret line repeats the text before the span invisibly, so it lines up in any font),
// and the hint.
export function showError(err) {
  const box = $("error");
  box.hidden = false;
  $("math").classList.add("stale");
  box.querySelector(".error-msg").textContent = `${err.kind || "error"}: ${err.message}`;
  const src = box.querySelector(".error-src");
  src.replaceChildren();
  if (err.text != null && Array.isArray(err.span)) {
    const chars = Array.from(err.text);             // the span counts code points
    let [start, end] = err.span;
    start = Math.max(0, Math.min(start, chars.length));
    end = Math.max(start, Math.min(end, chars.length));
    const lineStart = chars.lastIndexOf("\n", start - 1) + 1;
    let lineEnd = chars.indexOf("\n", start);
    if (lineEnd < 0) lineEnd = chars.length;
    const stop = Math.min(end, lineEnd);
    const before = chars.slice(lineStart, start).join("");
    const bad = chars.slice(start, stop).join("");
    const after = chars.slice(stop, lineEnd).join("");
    src.append(el("span", {class: "src-line"}, before, el("mark", {}, bad), after), "\n",
      el("span", {class: "caret-line", "aria-hidden": "true"},
        el("span", {class: "pad"}, before), "^".repeat(Math.max(1, stop - start))));
    src.hidden = false;
  } else {
    src.hidden = true;
  }
  const hint = box.querySelector(".error-hint");
  hint.textContent = err.hint ? `hint: ${err.hint}` : "";
  hint.hidden = !err.hint;
}

export function showVariables(names, onPick) {
  const box = $("vars");
  if (!names || !names.length) { box.replaceChildren(); return; }
  const chosen = new Set($("wrt").value.split(",").map((w) => w.trim()));
  box.replaceChildren("Differentiate by: ", ...names.map((n) => {
    const b = el("button", {type: "button", class: "chip", "data-var": n,
      "aria-pressed": chosen.has(n) ? "true" : "false"}, n);
    b.addEventListener("click", () => onPick(n));
    return b;
  }));
}

const fmtErr = (x) => (x == null ? "–" : x.toExponential(1));

export function showCheck(data) {
  const out = $("check-out");
  if (data.error) {
    out.replaceChildren(el("p", {class: "bad"}, `${data.error.message}`),
      ...(data.error.hint ? [el("p", {}, `hint: ${data.error.hint}`)] : []));
    return;
  }
  const c = data.check;
  const rows = c.methods.map((m) => {
    const status = m.passed === null ? "skipped" : m.passed ? "passed" : "FAILED";
    const sizes = Object.entries(m.sizes || {}).map(([k, v]) => `${k}=${v}`).join(", ");
    return el("tr", {class: status.toLowerCase()}, el("td", {}, m.name), el("td", {}, status),
      el("td", {}, sizes), el("td", {}, fmtErr(m.worst_error)),
      el("td", {}, `${m.seconds.toFixed(2)} s`), el("td", {}, m.note || ""));
  });
  const head = el("tr", {}, ...["method", "result", "sizes", "worst error", "time", "note"]
    .map((h) => el("th", {scope: "col"}, h)));
  out.replaceChildren(
    el("p", {class: c.passed ? "good verdict" : "bad verdict"},
      c.passed ? "✓ proved: every method that ran agrees with the closed form"
        : "✗ the check did not pass"),
    el("div", {class: "scroll"}, el("table", {}, el("thead", {}, head), el("tbody", {}, ...rows))));
}

export async function copyFrom(id, button) {
  const text = $(id).textContent;
  try {
    await navigator.clipboard.writeText(text);
  } catch (e) {                                     // not a secure context (--host): fall back
    const area = el("textarea", {class: "offscreen"});
    area.value = text;
    document.body.append(area);
    area.select();
    document.execCommand("copy");
    area.remove();
  }
  const label = button.textContent;
  button.textContent = "Copied";
  setTimeout(() => { button.textContent = label; }, 1500);
}
