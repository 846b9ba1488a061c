// Formatting helpers shared by the pages: every value from the API is escaped before it becomes HTML.
"use strict";

const fmt = {
  esc(value) {
    return String(value ?? "").replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  },
  bytes(n) {
    if (n === null || n === undefined) return "";
    const units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
  },
  num(n, digits = 1) {
    return n === null || n === undefined ? "" : Number(n).toFixed(digits).replace(/\.0+$/, "");
  },
  time(ms) {
    return ms ? new Date(ms).toLocaleTimeString() : "";
  },
  duration(start, end) {
    if (!start || !end) return "";
    const ms = end - start;
    return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(2)} s`;
  },
  shortId(id) {
    return id ? fmt.esc(String(id).slice(0, 12)) : "";
  },
  state(s) {
    return `<span class="state ${fmt.esc(s)}">${fmt.esc(s)}</span>`;
  },
  // A table from rows: columns are [header, row => html] pairs; the cell functions escape what they show.
  // rowAttributes gives each row's attributes (already escaped), e.g. a data-id the tests find rows by.
  table(columns, rows, empty = "None.", rowAttributes = () => "") {
    if (!rows.length) return `<p class="note">${fmt.esc(empty)}</p>`;
    const head = columns.map(c => `<th>${fmt.esc(c[0])}</th>`).join("");
    const body = rows.map(r => `<tr ${rowAttributes(r)}>${columns.map(c => `<td>${c[1](r)}</td>`).join("")}</tr>`).join("");
    return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
  },
  // A meter rather than a styled div: the page's content security policy allows no inline styles.
  bar(used, total) {
    return `<meter min="0" max="${Number(total) || 0}" value="${Number(used) || 0}"></meter>`;
  },
  counts(byState) {
    const entries = Object.entries(byState);
    return entries.length ? entries.map(([s, n]) => `${fmt.state(s)} ${n}`).join(" &nbsp; ") : '<span class="muted">none</span>';
  },
};
