// The workbench page: wires the editor to the JSON endpoints and draws their answers.

import { ApiError, getJSON, postForm, postJSON } from "./api.js";
import { barChart, PALETTE } from "./charts.js";
import { Editor } from "./editor.js";
import { Tokenizer } from "./tokenizer.js";

const $ = (id) => document.getElementById(id);
const DRAFT_KEY = "csdl-workbench-draft";
const EXAMPLE = `// A first filter: edit it, and the problems, the DPU breakdown and the forecast follow.
tag "phones" { interaction.content contains_any "iphone, android, galaxy" }
tag "laptops" { interaction.content contains_any "macbook, thinkpad, chromebook" }

return {
  interaction.content contains_any "iphone, android, galaxy, macbook, thinkpad, chromebook"
  AND language.tag == "en"
}
`;

const state = {
  language: null,
  editor: null,
  checkSeq: 0,
  checkAbort: null,
  timer: 0,
  cost: null,
  preview: null,
  streams: [],
  selected: null,
};

// --- helpers ----------------------------------------------------------------------------------------

function node(tag, { className, text, attrs } = {}, ...children) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined && text !== null) el.textContent = String(text);
  if (attrs) for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  el.append(...children);
  return el;
}

function dpu(value) {
  if (value === null || value === undefined) return "?";
  return Number(value).toLocaleString("en-US", { maximumFractionDigits: 4 });
}

function count(value) {
  if (value === null || value === undefined) return "?";
  const n = Number(value);
  return Number.isInteger(n) ? n.toLocaleString("en-US") : n.toLocaleString("en-US", { maximumFractionDigits: 2 });
}

// Objects are delivered whole: a forecast's fractional count is shown rounded, with separators.
function whole(value) {
  if (value === null || value === undefined) return "?";
  return Math.round(Number(value)).toLocaleString("en-US");
}

// What the page shows where an operator (or a stored version) is absent, in tables and charts alike.
const ABSENT = "—";

// The forecast's reasons name the command line's options; the page names its own fields instead.
const PAGE_WORDS = [["--source-rate POSTS_PER_HOUR", "the “Source posts per hour” field above"], ["--source-rate", "“Source posts per hour”"]];

function inPageWords(text) {
  return PAGE_WORDS.reduce((out, [cli, page]) => out.split(cli).join(page), String(text));
}

function money(value) {
  return value === null || value === undefined ? "?" : `$${value}`;
}

function tableRows(table, rows) {
  table.tBodies[0].replaceChildren(...rows.map((cells) => node("tr", {}, ...cells.map((c, i) => {
    const td = node(i === 0 && cells.length > 2 ? "th" : "td", c instanceof Node ? {} : { text: c.text ?? c });
    if (c instanceof Node) td.appendChild(c);
    if (i === 0 && cells.length > 2) td.setAttribute("scope", "row");
    if (c.num) td.className = "num";
    return td;
  }))));
}

// Python counts offsets in code points, JavaScript strings in UTF-16 units.
function offsetConverter(text) {
  if (!/[\uD800-\uDFFF]/.test(text)) return (offset) => offset;
  const map = [];
  let unit = 0;
  for (const ch of text) {
    map.push(unit);
    unit += ch.length;
  }
  map.push(unit);
  return (offset) => map[Math.max(0, Math.min(offset, map.length - 1))];
}

function say(el, text, bad = false) {
  el.textContent = text;
  el.classList.toggle("bad", bad);
}

function describeError(error) {
  if (error instanceof ApiError) return error.message;
  return `the server did not answer (${error.message})`;
}

// --- checking -----------------------------------------------------------------------------------------

function scheduleCheck() {
  clearTimeout(state.timer);
  const size = state.editor.getText().length;
  // Bigger filters are checked a little less eagerly: typing stays smooth, the answer still comes.
  const delay = Math.min(1200, 250 + Math.floor(size / 2000));
  say($("check-state"), "checking…");
  document.body.dataset.checking = "true";
  state.timer = setTimeout(runCheck, delay);
}

async function runCheck() {
  const text = state.editor.getText();
  const seq = ++state.checkSeq;
  if (state.checkAbort) state.checkAbort.abort();
  const abort = new AbortController();
  state.checkAbort = abort;
  try {
    saveDraft(text);
    const answer = await postJSON("api/check", { csdl: text, cost: true }, { signal: abort.signal });
    if (seq !== state.checkSeq || text !== state.editor.getText()) return;
    showDiagnostics(text, answer.diagnostics);
    const errors = answer.errors;
    say($("check-state"), errors ? `${errors} error${errors > 1 ? "s" : ""}: fix ${errors > 1 ? "them" : "it"} to see the cost` : "no errors");
    if (answer.cost) {
      state.cost = answer.cost;
      showCost(answer.cost.report);
      await runBill();
    } else {
      clearCost("Fix the errors above to see the cost.");
      await runBill(); // the previous filter's forecast must not stay on the page
    }
  } catch (error) {
    if (error.name === "AbortError") return;
    if (seq === state.checkSeq) say($("check-state"), `check failed: ${describeError(error)}`, true);
  } finally {
    if (seq === state.checkSeq && text === state.editor.getText()) document.body.dataset.checking = "false";
  }
}

function showDiagnostics(text, diagnostics) {
  const toUnits = offsetConverter(text);
  const mapped = diagnostics.map((d) => ({
    ...d,
    start: toUnits(d.span.start),
    end: toUnits(d.span.end),
    fix: d.fix ? { ...d.fix, start: toUnits(d.fix.span.start), end: toUnits(d.fix.span.end) } : null,
  }));
  state.editor.setDiagnostics(mapped);
  $("diagnostics-count").textContent = String(mapped.length);
  const shown = mapped.slice(0, 300);
  const items = shown.map((d) => {
    const go = node("button", { className: "go", attrs: { type: "button", "data-line": String(d.line), "data-code": d.code } },
      node("span", { className: "where", text: `${d.line}:${d.column}` }),
      node("span", { className: "sev", text: d.severity }),
      node("span", { className: "code", text: `${d.code} ` }),
      node("span", { className: "message", text: d.message }),
      ...(d.hint ? [node("span", { className: "hint-text", text: d.hint })] : []));
    go.addEventListener("click", () => state.editor.setCursor(d.start));
    const li = node("li", { className: d.severity }, go);
    if (d.fix) {
      const fix = node("button", { className: "small fix", text: `Fix: ${d.fix.title || "apply the suggested change"}`, attrs: { type: "button" } });
      fix.addEventListener("click", () => {
        state.editor.replaceRange(d.fix.start, d.fix.end, d.fix.replacement);
      });
      li.appendChild(fix);
    }
    return li;
  });
  if (mapped.length > shown.length) items.push(node("li", { text: `… and ${mapped.length - shown.length} more` }));
  $("diagnostics").replaceChildren(...items);
}

// --- cost -----------------------------------------------------------------------------------------------

function clearCost(message) {
  state.cost = null;
  $("cost-total").textContent = "–";
  $("cost-total").dataset.dpu = "";
  $("cost-complete").textContent = message;
  barChart($("cost-chart"), []);
  tableRows($("cost-operators"), []);
  tableRows($("cost-tags"), []);
}

// A button that puts the cursor at a (line, column) of the cost report (columns count code points).
function goTo(span) {
  const button = node("button", { className: "small go-line", text: String(span.line), attrs: { type: "button", title: `Go to line ${span.line}, column ${span.column}` } });
  button.addEventListener("click", () => {
    const editor = state.editor;
    const line = Math.min(span.line, editor.lineCount) - 1;
    const start = editor.lineStarts[line];
    const text = editor.getText().slice(start, editor.lineEnd(line));
    let units = 0, points = 0;
    for (const ch of text) {
      if (points === span.column - 1) break;
      units += ch.length;
      points++;
    }
    editor.setCursor(start + units);
  });
  return button;
}

function showCost(report) {
  $("cost-total").textContent = dpu(report.dpu);
  $("cost-total").dataset.dpu = String(report.dpu);
  $("cost-complete").textContent = report.complete ? "" : "(incomplete: a referenced stream or tag import is unknown)";
  const rows = [];
  const chart = [];
  const firstSpan = new Map();
  for (const item of report.items) {
    const key = `${item.operator}\u0000${item.target}`;
    if (!firstSpan.has(key) && item.spans.length) firstSpan.set(key, item.spans[0]);
  }
  for (const [operator, entry] of Object.entries(report.detail)) {
    for (const [target, t] of Object.entries(entry.targets)) {
      const span = firstSpan.get(`${operator}\u0000${target}`);
      rows.push([operator, target, span ? goTo(span) : "", { text: count(t.count), num: true }, { text: dpu(t.dpu), num: true }]);
      chart.push({ label: `${operator} · ${target}`, values: [t.dpu === null ? null : Number(t.dpu)] });
    }
  }
  chart.sort((a, b) => (b.values[0] ?? -1) - (a.values[0] ?? -1));
  barChart($("cost-chart"), chart.slice(0, 25), { format: (v) => `${dpu(v)} DPU`, empty: "No priced conditions." });
  $("cost-chart").setAttribute("aria-label", `DPU by operator and target: ${chart.slice(0, 10).map((r) => `${r.label} ${dpu(r.values[0])}`).join("; ")}`);
  tableRows($("cost-operators"), rows);
  tableRows($("cost-tags"), report.tags.map((t) => [t.label, goTo(t), { text: dpu(t.full), num: true }, { text: dpu(t.charged), num: true }]));
  $("cost-warnings").replaceChildren(...report.warnings.map((w) => node("li", { text: `${w.code} ${w.message}` })));
}

// --- billing ------------------------------------------------------------------------------------------

function billRequest() {
  const form = $("bill-form");
  const data = Object.fromEntries(new FormData(form).entries());
  data.dpu = String(state.cost.dpu); // the cost just computed: the filter is not sent again
  for (const key of Object.keys(data)) if (data[key] === "") delete data[key];
  return data;
}

async function runBill() {
  if (!state.cost) {
    tableRows($("bill-table"), [["Fix the filter's errors first", ""]]);
    $("bill-notes").replaceChildren();
    return;
  }
  try {
    const answer = await postJSON("api/bill", billRequest());
    tableRows($("bill-table"), answer.lines.map(([label, value]) => [label, value]));
    $("bill-notes").replaceChildren(...answer.bill.notes.map((n) => node("li", { text: n })));
  } catch (error) {
    tableRows($("bill-table"), [["Forecast failed", describeError(error)]]);
    $("bill-notes").replaceChildren();
  }
}

function syncPlan() {
  const plan = $("bill-plan").value;
  for (const label of $("bill-form").querySelectorAll("[data-plan]")) label.hidden = label.dataset.plan !== plan;
}

// --- preview --------------------------------------------------------------------------------------------

async function runPreview(event) {
  event.preventDefault();
  const form = $("preview-form");
  const fd = new FormData();
  fd.set("csdl", state.editor.getText());
  fd.set("limit", form.elements.limit.value || "20");
  if (form.elements.source_rate.value) fd.set("source_rate", form.elements.source_rate.value);
  const upload = form.elements.posts.value === "upload";
  if (upload) {
    const file = $("preview-file").files[0];
    if (!file) { say($("preview-state"), "Choose a JSON Lines file to upload first.", true); return; }
    const limit = state.language.limits.upload_bytes;
    if (file.size > limit) { say($("preview-state"), `${file.name} is ${count(file.size)} bytes: the limit is ${count(limit)} bytes.`, true); return; }
    fd.set("file", file, file.name);
  }
  say($("preview-state"), "running…");
  $("preview-button").disabled = true;
  try {
    const answer = await postForm("api/preview", fd);
    showPreview(answer);
    say($("preview-state"), `${answer.summary.posts}: ${count(answer.summary.read)} posts in ${answer.summary.speed.seconds} s`);
  } catch (error) {
    say($("preview-state"), `preview failed: ${describeError(error)}`, true);
    if (error.body && error.body.diagnostics) showDiagnostics(state.editor.getText(), error.body.diagnostics);
  } finally {
    $("preview-button").disabled = false;
  }
}

function showPreview(answer) {
  const s = answer.summary;
  state.preview = answer;
  $("preview-results").hidden = false;
  $("preview-read").textContent = count(s.read);
  $("preview-matched").textContent = count(s.matched);
  $("preview-rate").textContent = `${(s.match_rate * 100).toFixed(2)} %`;
  $("preview-bad-count").textContent = count(s.bad_posts.count);
  const tags = Object.entries(s.tags);
  barChart($("preview-tags-chart"), tags.slice(0, 25).map(([name, n]) => ({ label: name, values: [n] })),
    { series: [{ name: "", color: PALETTE[2] }], format: count, empty: "No matched post carries a tag." });
  tableRows($("preview-tags"), tags.map(([name, n]) => [name, { text: count(n), num: true }]));
  $("preview-tags").hidden = !tags.length; // the chart says there are none; an empty table only squeezes its caption
  const fc = s.forecast;
  const rows = [];
  if (!fc.available) rows.push(["Forecast", `not available: ${inPageWords(fc.reason)}`]);
  else {
    rows.push(["Source posts per hour", `${count(fc.source_posts_per_hour)} (${fc.basis === "sample" ? `sample spans ${count(fc.sample_span_hours)} h` : "given"})`]);
    rows.push(["Deliveries per hour", count(fc.deliveries_per_hour)]);
    rows.push([`Deliveries per month (${fc.hours_per_month} h)`, whole(fc.deliveries_per_month)]);
    rows.push(["DPU (billed per hour)", `${dpu(fc.dpu)} (${dpu(fc.billed_dpu_per_hour)})`]);
    rows.push(["Processing per hour / month", `${money(fc.processing_per_hour)} / ${money(fc.processing_per_month)}`]);
    rows.push(["Licence per hour / month", `${money(fc.licence_per_hour)} / ${money(fc.licence_per_month)}`]);
    rows.push(["Total per hour / month", `${money(fc.total_per_hour)} / ${money(fc.total_per_month)}${fc.complete ? "" : " (incomplete)"}`]);
  }
  tableRows($("preview-forecast"), rows);
  $("preview-notes").replaceChildren(...(fc.notes || []).concat((s.warnings || []).map((w) => `${w.code} ${w.message}`)).map((n) => node("li", { text: inPageWords(n) })));
  $("bill-from-preview").disabled = !fc.available;
  const bad = s.bad_posts;
  const badItems = bad.details.slice(0, 200).map((b) => node("li", {},
    node("span", { className: "line", text: `line ${b.line}` }), document.createTextNode(`: ${b.code} ${b.message}`)));
  if (bad.count > badItems.length) badItems.push(node("li", { text: `… and ${count(bad.count - badItems.length)} more` }));
  if (!bad.count) badItems.push(node("li", { className: "muted", text: "none" }));
  $("preview-bad").replaceChildren(...badItems);
  $("preview-matches").replaceChildren(...answer.matches.map(matchItem));
  if (!answer.matches.length) $("preview-matches").appendChild(node("li", { className: "muted", text: "no post matched" }));
}

function matchItem(match) {
  const post = match.post || {};
  const inter = post.interaction && typeof post.interaction === "object" ? post.interaction : {};
  const author = inter.author && typeof inter.author === "object" ? (inter.author.username || inter.author.name || "") : "";
  const li = node("li", {}, node("p", { className: "meta", text: [`line ${match.line}`, inter.type, author && `@${author}`, inter.created_at].filter(Boolean).join(" · ") }));
  if (match.tags && match.tags.length) {
    li.appendChild(node("p", { className: "tags-of-post" }, ...match.tags.map((t) => node("span", { text: t }))));
  }
  const fields = match.highlights.length ? match.highlights : (typeof inter.content === "string" ? [{ target: "interaction.content", segments: [[inter.content, false]] }] : []);
  for (const field of fields) {
    const p = node("p", { className: "text" });
    for (const [text, hit] of field.segments) p.appendChild(hit ? node("mark", { text }) : document.createTextNode(text));
    li.append(node("p", { className: "field", text: field.target }), p);
  }
  const details = node("details", {}, node("summary", { text: "the post as JSON" }), node("pre", { text: JSON.stringify(post, null, 2) }));
  li.appendChild(details);
  return li;
}

// --- compile and stored streams -----------------------------------------------------------------------

async function compile() {
  try {
    const answer = await postJSON("api/compile", { csdl: state.editor.getText() });
    say($("compile-result"), "");
    $("compile-result").append("Stored as ", node("span", { className: "hash", text: answer.hash }), ` (${dpu(answer.dpu)} DPU).`);
    await loadStreams();
    await selectStream(answer.hash);
  } catch (error) {
    say($("compile-result"), `Not compiled: ${describeError(error)}`, true);
    if (error.body && error.body.diagnostics) showDiagnostics(state.editor.getText(), error.body.diagnostics);
  }
}

async function loadStreams() {
  try {
    const answer = await getJSON("api/streams");
    state.streams = answer.streams;
  } catch (error) {
    $("streams-list").replaceChildren(node("li", { className: "muted", text: `cannot list streams: ${describeError(error)}` }));
    return;
  }
  const list = state.streams.map((s) => {
    const button = node("button", { className: "small", attrs: { type: "button", "data-hash": s.hash } },
      node("span", { className: "hash", text: s.hash, attrs: { title: s.hash } }), node("br"),
      node("span", { className: "dpu", text: `${s.dpu === null ? "invalid" : `${dpu(s.dpu)} DPU`} · ${s.summary || ""}` }));
    button.addEventListener("click", () => selectStream(s.hash));
    return node("li", {}, button);
  });
  if (!list.length) list.push(node("li", { className: "muted", text: "No stored streams yet: Compile & store adds one." }));
  $("streams-list").replaceChildren(...list);
  const select = $("diff-base");
  const keep = select.value;
  select.replaceChildren(node("option", { text: "(choose a stored stream)", attrs: { value: "" } }),
    ...state.streams.map((s) => node("option", { text: `${s.hash.slice(0, 12)}… (${dpu(s.dpu)} DPU) ${s.summary || ""}`, attrs: { value: s.hash } })));
  select.value = state.streams.some((s) => s.hash === keep) ? keep : "";
}

async function selectStream(hash) {
  let stream;
  try {
    stream = await getJSON(`api/streams/${encodeURIComponent(hash)}`);
  } catch (error) {
    say($("compile-result"), `cannot open ${hash}: ${describeError(error)}`, true);
    return;
  }
  state.selected = stream;
  for (const b of $("streams-list").querySelectorAll("button[data-hash]")) b.setAttribute("aria-current", String(b.dataset.hash === hash));
  $("stream-detail").hidden = false;
  $("stream-detail-hash").textContent = stream.hash;
  const facts = [["DPU", stream.dpu === null ? "invalid" : dpu(stream.dpu)], ["Stored", stream.created_at || "?"], ["Lines", stream.csdl.split("\n").length]];
  $("stream-detail-facts").replaceChildren(...facts.flatMap(([k, v]) => [node("dt", { text: k }), node("dd", { text: v })]));
  const links = (hashes, empty) => (hashes.length ? hashes.map((h) => {
    const b = node("button", { className: "small hash", text: h, attrs: { type: "button" } });
    b.addEventListener("click", () => selectStream(h));
    return node("li", {}, b);
  }) : [node("li", { className: "muted", text: empty })]);
  $("stream-referenced-by").replaceChildren(...links(stream.referenced_by, "no stored stream references it"));
  $("stream-references").replaceChildren(...links(stream.references, "none"));
}

function openSelected() {
  if (!state.selected) return;
  state.editor.setText(state.selected.csdl);
  state.editor.setCursor(0);
  say($("compile-result"), `Opened ${state.selected.hash}.`);
}

// --- diff -----------------------------------------------------------------------------------------------

async function runDiff(event) {
  if (event) event.preventDefault();
  const base = $("diff-base").value;
  if (!base) { say($("diff-summary"), "Choose a stored stream to compare with.", true); return; }
  try {
    const answer = await postJSON("api/diff", { csdl: state.editor.getText(), base });
    showDiff(answer);
  } catch (error) {
    say($("diff-summary"), `cannot compare: ${describeError(error)}`, true);
  }
}

const SYMBOL = { added: "+", changed: "~", removed: "-", unchanged: " " };

function showDiff(answer) {
  const total = answer.diff.total;
  const pct = total.percent === null ? "" : ` (${total.percent > 0 ? "+" : ""}${total.percent} %)`;
  const change = Number(total.change);
  say($("diff-summary"), "");
  $("diff-summary").append(node("span", { className: "hash", text: answer.base.hash }),
    `: ${dpu(total.old)} DPU stored → ${dpu(total.new)} DPU now, ${change > 0 ? "+" : ""}${dpu(change)} DPU${pct}.`);
  const ops = new Map();
  const value = (e) => (e.dpu === null || e.dpu === undefined ? null : Number(e.dpu));
  for (const [op, e] of Object.entries(answer.base.detail || {})) ops.set(op, { old: value(e), now: null });
  for (const [op, e] of Object.entries(answer.current.detail || {})) ops.set(op, { ...(ops.get(op) || { old: null }), now: value(e) });
  const shown = (v) => (v === null ? ABSENT : dpu(v)); // as the chart draws a missing bar
  const status = new Map((answer.diff.files[0]?.operators || []).map((o) => [o.operator, o]));
  const rows = [...ops.entries()].map(([op, v]) => ({ label: `${SYMBOL[status.get(op)?.status || "unchanged"]} ${op}`, values: [v.old, v.now] }));
  rows.push({ label: "  TOTAL", values: [Number(total.old ?? 0), Number(total.new ?? 0)] });
  barChart($("diff-chart"), rows, { series: [{ name: "stored", color: PALETTE[1] }, { name: "now", color: PALETTE[0] }], format: (x) => `${dpu(x)} DPU` });
  tableRows($("diff-table"), [...ops.entries()].map(([op, v]) => {
    const s = status.get(op);
    return [SYMBOL[s?.status || "unchanged"], op, { text: shown(v.old), num: true }, { text: shown(v.now), num: true },
      { text: s ? dpu(s.change) : "0", num: true }, { text: s && s.percent !== null ? `${s.percent}` : "", num: true }];
  }).concat([["", "TOTAL", { text: dpu(total.old), num: true }, { text: dpu(total.new), num: true }, { text: dpu(total.change), num: true }, { text: total.percent ?? "", num: true }]]));
}

// --- format ---------------------------------------------------------------------------------------------

async function format() {
  try {
    const answer = await postJSON("api/format", { csdl: state.editor.getText() });
    if (answer.changed) {
      const editor = state.editor;
      editor.replaceRange(0, editor.getText().length, answer.csdl);
      editor.setCursor(0);
    }
    say($("compile-result"), answer.changed ? "Formatted." : "Already in the canonical format.");
  } catch (error) {
    say($("compile-result"), `Cannot format: ${describeError(error)}`, true);
  }
}

// --- start ----------------------------------------------------------------------------------------------

function saveDraft(text) {
  try {
    if (text.length < 200_000) localStorage.setItem(DRAFT_KEY, text);
  } catch (_) { /* storage full or disabled: drafts are a convenience */ }
}

function initialText() {
  try {
    const draft = localStorage.getItem(DRAFT_KEY);
    if (draft !== null) return draft;
  } catch (_) { /* no storage */ }
  return EXAMPLE;
}

async function start() {
  let language;
  try {
    language = await getJSON("api/language");
  } catch (error) {
    say($("check-state"), `cannot reach the server: ${describeError(error)}`, true);
    return;
  }
  state.language = language;
  $("sample-name").textContent = language.sample ? `(${language.sample})` : "(none configured)";
  $("upload-limit").textContent = `Up to ${count(language.limits.upload_bytes)} bytes; the file is read for this preview only and not kept.`;
  state.editor = new Editor($("editor"), {
    tokenizer: new Tokenizer(language.terminals),
    targets: language.targets,
    onChange: () => scheduleCheck(),
    onCursor: (info) => { $("cursor-status").textContent = info.text; },
  });
  window.csdlWorkbench = { editor: state.editor, state }; // for tests and the benchmark
  state.editor.setText(new URLSearchParams(location.search).has("blank") ? "" : initialText());
  $("format-button").addEventListener("click", format);
  $("compile-button").addEventListener("click", compile);
  $("print-button").addEventListener("click", () => window.print());
  $("bill-form").addEventListener("submit", (e) => { e.preventDefault(); runBill(); });
  $("bill-plan").addEventListener("change", () => { syncPlan(); runBill(); });
  $("bill-from-preview").addEventListener("click", () => {
    const fc = state.preview && state.preview.summary.forecast;
    // the month's deliveries over its hours: the bill then counts the objects the preview shows
    if (fc && fc.available) { $("bill-deliveries").value = String(Number(fc.deliveries_per_month) / Number(fc.hours_per_month)); runBill(); }
  });
  $("preview-form").addEventListener("submit", runPreview);
  $("preview-file").addEventListener("change", () => { $("preview-form").elements.posts.value = "upload"; });
  $("diff-form").addEventListener("submit", runDiff);
  $("streams-refresh").addEventListener("click", loadStreams);
  $("stream-open").addEventListener("click", openSelected);
  $("stream-compare").addEventListener("click", () => {
    if (!state.selected) return;
    $("diff-base").value = state.selected.hash;
    runDiff();
    $("diff-heading").scrollIntoView();
  });
  document.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key === "s") { event.preventDefault(); compile(); }
    if (event.altKey && event.shiftKey && (event.key === "F" || event.key === "f")) { event.preventDefault(); format(); }
  });
  syncPlan();
  await loadStreams();
  document.body.dataset.ready = "true";
}

start();
