// Horizontal bar charts as SVG, built with DOM calls (no markup strings, nothing inline for the
// CSP to refuse). Colours are from the Okabe-Ito palette, and every bar carries its value as text,
// so no reading depends on telling colours apart.

const SVG = "http://www.w3.org/2000/svg";
export const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"];

function el(name, attributes = {}, text) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

function clip(text, max) {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

// rows: [{label, values: [number|null, ...], title?}]; series: [{name, color}].
export function barChart(container, rows, { series = [{ name: "", color: PALETTE[0] }], format = String, empty = "Nothing to show.", labelChars = 38 } = {}) {
  container.replaceChildren();
  if (!rows.length) {
    const p = document.createElement("p");
    p.className = "empty";
    p.textContent = empty;
    container.appendChild(p);
    return null;
  }
  // Drawn at the container's width in CSS pixels, so the 12-pixel labels stay 12 pixels at any
  // zoom (a scaled-down picture would shrink its text).
  const width = Math.max(300, Math.min(900, container.clientWidth || 720));
  const labelWidth = Math.round(Math.min(270, width * 0.42));
  const valueWidth = 90;
  labelChars = Math.min(labelChars, Math.floor(labelWidth / 7));
  const barHeight = 16;
  const gap = 4;
  const groupGap = 10;
  const legend = series.length > 1 ? 24 : 0;
  const group = series.length * (barHeight + gap) - gap;
  const height = legend + rows.length * (group + groupGap) + 4;
  const max = Math.max(1e-9, ...rows.flatMap((r) => r.values.filter((v) => v !== null && v !== undefined)));
  const plot = width - labelWidth - valueWidth;
  const svg = el("svg", { viewBox: `0 0 ${width} ${height}`, width, height, role: "presentation", focusable: "false" });
  if (legend) {
    let x = labelWidth;
    for (const s of series) {
      svg.appendChild(el("rect", { x, y: 4, width: 14, height: 14, fill: s.color, stroke: "#000", "stroke-width": 0.5 }));
      const t = el("text", { x: x + 20, y: 16 }, s.name);
      svg.appendChild(t);
      x += 30 + s.name.length * 7.5;
    }
  }
  rows.forEach((row, i) => {
    const top = legend + i * (group + groupGap);
    const label = el("text", { x: labelWidth - 8, y: top + group / 2 + 4, "text-anchor": "end" }, clip(row.label, labelChars));
    label.appendChild(el("title", {}, row.title || row.label));
    svg.appendChild(label);
    series.forEach((s, k) => {
      const value = row.values[k];
      const y = top + k * (barHeight + gap);
      if (value === null || value === undefined) {
        svg.appendChild(el("text", { x: labelWidth + 4, y: y + barHeight - 4, class: "value absent" }, "—"));
        return;
      }
      const w = Math.max(value > 0 ? 2 : 0, (value / max) * (plot - 8));
      const bar = el("rect", { x: labelWidth, y, width: w, height: barHeight, fill: row.colors ? row.colors[k] : s.color, stroke: "#000", "stroke-width": 0.5 });
      bar.appendChild(el("title", {}, `${row.title || row.label}${s.name ? ` (${s.name})` : ""}: ${format(value)}`));
      svg.appendChild(bar);
      svg.appendChild(el("text", { x: labelWidth + w + 6, y: y + barHeight - 4, class: "value" }, format(value)));
    });
  });
  container.appendChild(svg);
  return svg;
}
