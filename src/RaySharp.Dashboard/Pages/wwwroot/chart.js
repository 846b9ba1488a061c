// The overview's throughput chart: tasks ended per interval, drawn as SVG bars (finished, failed stacked on top).
"use strict";

const chart = {
  throughput(data) {
    const buckets = data.buckets || [];
    const width = 900, height = 180, left = 36, bottom = 20, top = 10;
    const max = Math.max(1, ...buckets.map(b => b.finished + b.failed));
    const slot = (width - left) / Math.max(1, buckets.length);
    const y = n => (height - bottom) - (height - bottom - top) * n / max;
    const bars = buckets.map((b, i) => {
      const x = left + i * slot;
      const ok = `<rect x="${x.toFixed(1)}" y="${y(b.finished).toFixed(1)}" width="${(slot - 1).toFixed(1)}" height="${(y(0) - y(b.finished)).toFixed(1)}" fill="#2f6fde"><title>${b.finished} finished</title></rect>`;
      const bad = b.failed ? `<rect x="${x.toFixed(1)}" y="${y(b.finished + b.failed).toFixed(1)}" width="${(slot - 1).toFixed(1)}" height="${(y(b.finished) - y(b.finished + b.failed)).toFixed(1)}" fill="#c62828"><title>${b.failed} failed</title></rect>` : "";
      return ok + bad;
    }).join("");
    const minutes = buckets.length * (data.bucket_seconds || 5) / 60;
    const labels = `<text x="2" y="${top + 8}">${max}</text><text x="2" y="${height - bottom}">0</text>` +
      `<text x="${left}" y="${height - 5}">${minutes} min ago</text><text x="${width - 30}" y="${height - 5}">now</text>`;
    return `<svg class="chart" id="throughput" viewBox="0 0 ${width} ${height}" preserveAspectRatio="none" role="img" aria-label="tasks ended per ${data.bucket_seconds} s">${labels}${bars}</svg>`;
  },
};
