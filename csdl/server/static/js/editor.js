// The filter editor: a native <textarea> (so typing, selection, undo, IME and screen readers work
// as everywhere) over a highlighted copy of the lines in view, with a line-number gutter,
// diagnostics underlined and explained on hover, and target completion.
//
// Only the visible lines are drawn, and tokens are updated incrementally, so the work per
// keystroke stays the same for a 20-line filter and a 1 MB one.

import { KINDS, TokenStream } from "./tokenizer.js";

const LONG_LINE = 2000; // longer lines are drawn only around the visible columns
const MARGIN_COLUMNS = 40;
const SEVERITY_RANK = { info: 1, warning: 2, error: 3 };

function escapeHtml(s) {
  return s.replace(/[&<>"]/g, (c) => (c === "&" ? "&amp;" : c === "<" ? "&lt;" : c === ">" ? "&gt;" : "&quot;"));
}

function lowerBound(array, n, value) {
  let lo = 0, hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (array[mid] < value) lo = mid + 1; else hi = mid;
  }
  return lo;
}

export class Editor {
  constructor(root, { tokenizer, targets = [], onChange = () => {}, onCursor = () => {} }) {
    this.root = root;
    this.input = root.querySelector("textarea");
    this.code = root.querySelector(".highlight-lines");
    this.gutter = root.querySelector(".gutter-lines");
    this.gutterBox = root.querySelector(".gutter");
    this.completion = root.querySelector(".completion");
    this.tooltip = root.querySelector(".tooltip");
    this.stream = new TokenStream(tokenizer);
    this.targets = targets; // [{name, type}] sorted by name
    this.onChange = () => {};
    this.onCursor = () => {};
    this.text = "";
    this.lineStarts = new Int32Array([0]);
    this.lineCount = 1;
    this.diagnostics = [];
    this.errorLines = new Map(); // line index -> "error" | "warning"
    this.frame = 0;
    this.items = [];
    this.active = -1;
    this.wordStart = 0;
    this.printing = false;
    this.measure();
    this.bind();
    this.setText("");
    this.onChange = onChange;
    this.onCursor = onCursor;
  }

  // --- metrics ---------------------------------------------------------------------------------

  measure() {
    const probe = document.createElement("span");
    probe.textContent = "x".repeat(100);
    probe.className = "probe";
    const pre = this.root.querySelector(".highlight");
    pre.appendChild(probe);
    const rect = probe.getBoundingClientRect();
    this.charWidth = rect.width / 100 || 8;
    probe.remove();
    const style = getComputedStyle(this.input);
    this.lineHeight = parseFloat(style.lineHeight) || 20;
    this.padLeft = parseFloat(style.paddingLeft) || 0;
  }

  // --- text --------------------------------------------------------------------------------------

  setText(text) {
    this.input.value = text;
    this.refreshText(true);
  }

  getText() {
    return this.text;
  }

  refreshText(reset = false) {
    const text = this.input.value;
    this.text = text;
    const starts = [0];
    let i = -1;
    while ((i = text.indexOf("\n", i + 1)) !== -1) starts.push(i + 1);
    this.lineStarts = Int32Array.from(starts);
    this.lineCount = starts.length;
    if (reset) this.stream.reset(text); else this.stream.update(text);
    // Diagnostics belong to the text they were computed for: drop them until the next check.
    if (this.diagnostics.length) this.setDiagnostics([]);
    this.schedule();
    this.onChange(text);
  }

  lineOf(offset) {
    return Math.max(0, lowerBound(this.lineStarts, this.lineCount, offset + 1) - 1);
  }

  lineEnd(line) {
    return line + 1 < this.lineCount ? this.lineStarts[line + 1] - 1 : this.text.length;
  }

  position(offset) {
    const line = this.lineOf(offset);
    return { line: line + 1, column: offset - this.lineStarts[line] + 1 };
  }

  // Replace [start, end) with `replacement` through the browser's editing, so Ctrl+Z undoes it.
  replaceRange(start, end, replacement) {
    const input = this.input;
    input.focus();
    input.setSelectionRange(start, end);
    let done = false;
    try {
      done = document.execCommand("insertText", false, replacement);
    } catch (_) {
      done = false;
    }
    if (!done || input.value.slice(start, start + replacement.length) !== replacement) {
      input.setRangeText(replacement, start, end, "end");
      this.refreshText();
    }
  }

  setCursor(offset, { focus = true } = {}) {
    const input = this.input;
    offset = Math.max(0, Math.min(offset, this.text.length));
    if (focus) input.focus({ preventScroll: true });
    input.setSelectionRange(offset, offset);
    this.reveal(offset);
    this.reportCursor();
  }

  reveal(offset) {
    const input = this.input;
    const line = this.lineOf(offset);
    const column = this.visualColumn(line, offset);
    const top = line * this.lineHeight;
    if (top < input.scrollTop || top + this.lineHeight > input.scrollTop + input.clientHeight) {
      input.scrollTop = Math.max(0, top - input.clientHeight / 3);
    }
    const x = column * this.charWidth;
    if (x < input.scrollLeft || x > input.scrollLeft + input.clientWidth - 4 * this.charWidth) {
      input.scrollLeft = Math.max(0, x - input.clientWidth / 3);
    }
    this.schedule();
  }

  visualColumn(line, offset) {
    const start = this.lineStarts[line];
    if (offset - start > LONG_LINE) return offset - start;
    let column = 0;
    for (let i = start; i < offset; i++) column = this.text.charCodeAt(i) === 9 ? column + 4 - (column % 4) : column + 1;
    return column;
  }

  offsetAtVisual(line, column) {
    const start = this.lineStarts[line];
    const end = this.lineEnd(line);
    if (end - start > LONG_LINE) return Math.min(end, start + column);
    let col = 0;
    for (let i = start; i < end; i++) {
      const next = this.text.charCodeAt(i) === 9 ? col + 4 - (col % 4) : col + 1;
      if (column < next) return i;
      col = next;
    }
    return end;
  }

  offsetAtPoint(clientX, clientY) {
    const rect = this.input.getBoundingClientRect();
    const y = clientY - rect.top + this.input.scrollTop;
    const x = clientX - rect.left + this.input.scrollLeft - this.padLeft;
    const line = Math.floor(y / this.lineHeight);
    if (line < 0 || line >= this.lineCount || x < 0) return -1;
    const column = Math.floor(x / this.charWidth);
    const offset = this.offsetAtVisual(line, column);
    return offset < this.lineEnd(line) ? offset : -1;
  }

  // --- diagnostics -------------------------------------------------------------------------------

  // Each: {start, end, severity, code, message, hint?} with start/end in this text's UTF-16 units.
  setDiagnostics(list) {
    this.diagnostics = list.slice().sort((a, b) => a.start - b.start || a.end - b.end);
    this.errorLines = new Map();
    for (const d of this.diagnostics) {
      const line = this.lineOf(Math.min(d.start, this.text.length));
      const current = this.errorLines.get(line);
      if (!current || SEVERITY_RANK[d.severity] > SEVERITY_RANK[current]) this.errorLines.set(line, d.severity);
    }
    this.schedule();
    this.reportCursor();
  }

  diagnosticsAt(offset) {
    return this.diagnostics.filter((d) => (d.start <= offset && offset < d.end) || (d.start === d.end && d.start === offset)
      || (d.end === d.start && offset === d.start - 1));
  }

  nextDiagnostic() {
    if (!this.diagnostics.length) return;
    const here = this.input.selectionStart;
    const next = this.diagnostics.find((d) => d.start > here) || this.diagnostics[0];
    this.setCursor(next.start);
  }

  // --- drawing ----------------------------------------------------------------------------------

  schedule() {
    if (!this.frame) this.frame = requestAnimationFrame(() => { this.frame = 0; this.render(); });
  }

  render(all = false) {
    const input = this.input;
    const lh = this.lineHeight;
    const first = all ? 0 : Math.max(0, Math.floor(input.scrollTop / lh));
    const visible = all ? this.lineCount : Math.ceil(input.clientHeight / lh) + 1;
    const last = Math.min(this.lineCount - 1, first + visible);
    const firstColumn = Math.max(0, Math.floor(input.scrollLeft / this.charWidth) - MARGIN_COLUMNS);
    const columns = Math.ceil(input.clientWidth / this.charWidth) + 2 * MARGIN_COLUMNS;
    const windowStart = this.lineStarts[first];
    const windowEnd = this.lineEnd(last);
    const diags = this.diagnostics.filter((d) => d.end >= windowStart && d.start <= windowEnd);
    const code = document.createDocumentFragment();
    const gutter = [];
    for (let line = first; line <= last; line++) {
      const start = this.lineStarts[line];
      const end = this.lineEnd(line);
      let from = start, to = end, pad = 0;
      if (!all && end - start > LONG_LINE) {
        from = Math.min(end, start + firstColumn);
        to = Math.min(end, from + columns);
        pad = (from - start) * this.charWidth;
      }
      const div = document.createElement("div");
      div.innerHTML = this.lineHtml(from, to, to === end, diags) || " ";
      if (pad) div.style.paddingLeft = `${pad}px`;
      code.appendChild(div);
      const mark = this.errorLines.get(line);
      gutter.push(`<div${mark ? ` class="has-${mark}"` : ""}>${line + 1}</div>`);
    }
    this.code.replaceChildren(code);
    this.gutter.innerHTML = gutter.join("");
    const dy = all ? 0 : first * lh - input.scrollTop;
    this.code.style.transform = all ? "" : `translate(${-input.scrollLeft}px, ${dy}px)`;
    this.gutter.style.transform = all ? "" : `translateY(${dy}px)`;
    // The gutter grows with the number of digits.
    this.gutterBox.style.minWidth = `${String(this.lineCount).length + 3}ch`;
  }

  lineHtml(from, to, atLineEnd, diags) {
    const t = this.stream.tokens;
    const text = this.text;
    const points = [from, to];
    let ti = this.stream.firstEndingAfter(from);
    for (let i = ti; i < t.length && t.starts[i] < to; i++) {
      if (t.starts[i] > from) points.push(t.starts[i]);
      if (t.ends[i] < to) points.push(t.ends[i]);
    }
    const local = diags.filter((d) => d.end > from && d.start < to && d.end > d.start);
    // Zero-width problems (a missing `}` at the end) and ones that only cover the line break get a marker.
    const empties = diags.filter((d) => d.start >= from && (d.start < to || (atLineEnd && d.start === to))
      && (d.start === d.end || (d.start === to && atLineEnd)));
    for (const d of local) {
      if (d.start > from) points.push(d.start);
      if (d.end < to) points.push(d.end);
    }
    for (const d of empties) points.push(d.start);
    points.sort((a, b) => a - b);
    const unique = points.filter((x, i) => i === 0 || x !== points[i - 1]);
    let html = "";
    for (let p = 0; p < unique.length; p++) {
      const a = unique[p];
      for (const d of empties) if (d.start === a) html += `<span class="d-empty d-${d.severity}"></span>`;
      const b = unique[p + 1];
      if (b === undefined || a >= to) continue;
      while (ti < t.length && t.ends[ti] <= a) ti++;
      const kind = ti < t.length && t.starts[ti] <= a ? KINDS[t.kinds[ti]] : "plain";
      let sev = "";
      for (const d of local) if (d.start <= a && d.end >= b && (!sev || SEVERITY_RANK[d.severity] > SEVERITY_RANK[sev])) sev = d.severity;
      const classes = (kind !== "plain" ? `t-${kind}` : "") + (sev ? ` d-${sev}` : "");
      const piece = escapeHtml(text.slice(a, b));
      html += classes ? `<span class="${classes.trim()}">${piece}</span>` : piece;
    }
    return html;
  }

  // --- events -----------------------------------------------------------------------------------

  bind() {
    const input = this.input;
    input.addEventListener("input", () => { this.refreshText(); this.updateCompletion(false); });
    input.addEventListener("scroll", () => { this.schedule(); this.closeCompletion(); });
    input.addEventListener("keydown", (event) => this.keydown(event));
    for (const name of ["keyup", "click", "select", "focus"]) input.addEventListener(name, () => this.reportCursor());
    input.addEventListener("mousemove", (event) => this.hover(event));
    input.addEventListener("mouseleave", () => { this.tooltip.hidden = true; });
    input.addEventListener("blur", () => setTimeout(() => { if (document.activeElement !== input) this.closeCompletion(); }, 150));
    this.completion.addEventListener("mousedown", (event) => {
      const li = event.target.closest("li");
      if (li) { event.preventDefault(); this.accept(Number(li.dataset.index)); }
    });
    new ResizeObserver(() => { this.measure(); this.schedule(); }).observe(this.root);
    window.addEventListener("beforeprint", () => { this.printing = true; this.render(this.lineCount <= 5000); });
    window.addEventListener("afterprint", () => { this.printing = false; this.render(); });
  }

  keydown(event) {
    const open = !this.completion.hidden;
    if (open) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        const n = this.items.length;
        this.select((this.active + (event.key === "ArrowDown" ? 1 : n - 1)) % n);
        return;
      }
      if (event.key === "Enter" || event.key === "Tab") {
        event.preventDefault();
        this.accept(this.active);
        return;
      }
      if (event.key === "Escape") {
        event.preventDefault();
        this.closeCompletion();
        return;
      }
    }
    if (event.key === " " && event.ctrlKey) {
      event.preventDefault();
      this.updateCompletion(true);
      return;
    }
    if (event.key === "F8") {
      event.preventDefault();
      this.nextDiagnostic();
      return;
    }
    if (event.key === "Escape") this.tooltip.hidden = true;
  }

  reportCursor() {
    const offset = this.input.selectionStart;
    const { line, column } = this.position(offset);
    const here = this.diagnosticsAt(offset);
    const message = here.length ? ` — ${here[0].code} ${here[0].message}` : "";
    this.onCursor({ offset, line, column, diagnostics: here, text: `Line ${line}, column ${column}${message}` });
  }

  hover(event) {
    const offset = this.offsetAtPoint(event.clientX, event.clientY);
    const here = offset < 0 ? [] : this.diagnosticsAt(offset);
    if (!here.length) { this.tooltip.hidden = true; return; }
    this.tooltip.replaceChildren(...here.slice(0, 3).map((d) => {
      const p = document.createElement("div");
      const code = document.createElement("span");
      code.className = "code";
      code.textContent = d.code;
      p.append(code, document.createTextNode(d.message));
      return p;
    }));
    const box = this.root.querySelector(".code").getBoundingClientRect();
    this.tooltip.style.left = `${Math.max(0, event.clientX - box.left + 12)}px`;
    this.tooltip.style.top = `${event.clientY - box.top + 16}px`;
    this.tooltip.hidden = false;
  }

  // --- completion -------------------------------------------------------------------------------

  wordBeforeCursor() {
    const cursor = this.input.selectionStart;
    if (cursor !== this.input.selectionEnd) return null;
    const head = this.text.slice(Math.max(0, cursor - 200), cursor);
    const m = /[A-Za-z0-9_.]*$/.exec(head);
    return { word: m[0], start: cursor - m[0].length, end: cursor };
  }

  // Targets stand at the start, after `(`, `{`, AND, OR and NOT.
  atTargetPosition(offset) {
    const i = this.stream.before(offset);
    if (i < 0) return true;
    const t = this.stream.tokens;
    const kind = KINDS[t.kinds[i]];
    if (kind === "logic") return true;
    if (kind === "bracket" || kind === "other") {
      const ch = this.text[t.starts[i]];
      return ch === "(" || ch === "{";
    }
    return false;
  }

  updateCompletion(explicit) {
    const found = this.wordBeforeCursor();
    if (!found || (!explicit && found.word.length < 2) || !this.atTargetPosition(found.start)) {
      this.closeCompletion();
      return;
    }
    const word = found.word.toLowerCase();
    const starts = [], inside = [];
    for (const target of this.targets) {
      if (target.name.startsWith(word)) starts.push(target);
      else if (word && target.name.includes(word)) inside.push(target);
      if (starts.length >= 60) break;
    }
    this.items = starts.concat(inside).slice(0, 60);
    if (!this.items.length || (this.items.length === 1 && this.items[0].name === word)) {
      this.closeCompletion();
      return;
    }
    this.wordStart = found.start;
    const list = this.completion;
    list.replaceChildren(...this.items.map((target, i) => {
      const li = document.createElement("li");
      li.id = `completion-${i}`;
      li.setAttribute("role", "option");
      li.dataset.index = String(i);
      const name = document.createElement("span");
      name.textContent = target.name;
      const type = document.createElement("span");
      type.className = "type";
      type.textContent = target.type;
      li.append(name, type);
      return li;
    }));
    const line = this.lineOf(found.start);
    const x = this.visualColumn(line, found.start) * this.charWidth + this.padLeft - this.input.scrollLeft;
    const y = (line + 1) * this.lineHeight - this.input.scrollTop + 2;
    list.style.left = `${Math.max(0, x)}px`;
    list.style.top = `${y}px`;
    list.hidden = false;
    this.input.setAttribute("aria-expanded", "true");
    this.select(0);
  }

  select(index) {
    this.active = index;
    for (const li of this.completion.children) li.setAttribute("aria-selected", String(Number(li.dataset.index) === index));
    const li = this.completion.children[index];
    if (li) {
      li.scrollIntoView({ block: "nearest" });
      this.input.setAttribute("aria-activedescendant", li.id);
    }
  }

  accept(index) {
    const item = this.items[index];
    if (!item) return;
    const end = this.input.selectionStart;
    this.closeCompletion();
    this.replaceRange(this.wordStart, end, item.name);
    this.closeCompletion();
  }

  closeCompletion() {
    if (this.completion.hidden) return;
    this.completion.hidden = true;
    this.input.setAttribute("aria-expanded", "false");
    this.input.removeAttribute("aria-activedescendant");
  }
}
