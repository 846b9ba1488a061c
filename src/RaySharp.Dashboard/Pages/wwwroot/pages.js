// The dashboard's pages: each reads the APIs and returns its HTML; app.js draws it about once a second.
"use strict";

const TASK_EVENTS_OFF = "No task events: no task has run yet, or the cluster runs with RAYSHARP_ENABLE_TASK_EVENTS=0.";

function countBy(rows, key) {
  const counts = {};
  for (const r of rows) counts[r[key]] = (counts[r[key]] || 0) + 1;
  return counts;
}

// A summarize reply is per node in Ray's shape; the pages show the cluster's.
function clusterSummary(reply) {
  return reply.node_id_to_summary ? reply.node_id_to_summary.cluster : reply;
}

function sumStateCounts(reply) {
  const summary = clusterSummary(reply);
  const counts = {};
  for (const entry of Object.values(summary.summary || {})) {
    for (const [state, n] of Object.entries(entry.state_counts || {})) counts[state] = (counts[state] || 0) + n;
  }
  return counts;
}

const pages = {
  async overview() {
    const [nodes, actors, tasks, throughput, events] = await Promise.all([
      api.list("nodes"), api.list("actors"), api.get("/api/v0/tasks/summarize"),
      api.get("/api/v0/tasks/throughput"), api.list("cluster_events", [], 50)]);
    const alive = nodes.filter(n => n.state === "ALIVE");
    const total = {}, free = {};
    for (const n of alive) {
      for (const [k, v] of Object.entries(n.resources_total || {})) total[k] = (total[k] || 0) + v;
      for (const [k, v] of Object.entries(n.resources_available || {})) free[k] = (free[k] || 0) + v;
    }
    // Placement-group bundle resources ("CPU_group_...") are parts of the node resources: shown once, as those.
    const names = Object.keys(total).filter(k => !k.includes("_group_") && !k.startsWith("node:") && k !== "object_store_memory").sort((a, b) => a === "CPU" ? -1 : b === "CPU" ? 1 : a.localeCompare(b));
    const resources = names.map(k => {
      const used = total[k] - (free[k] || 0);
      const isMemory = k === "memory" || k === "object_store_memory";
      const text = isMemory ? `${fmt.bytes(used)} / ${fmt.bytes(total[k])}` : `${fmt.num(used, 2)} / ${fmt.num(total[k], 2)}`;
      return `<div class="card"><h3>${fmt.esc(k)} used</h3><div class="big" id="resource-${fmt.esc(k)}">${text}</div>${fmt.bar(used, total[k])}</div>`;
    }).join("");
    const storeUsed = alive.reduce((s, n) => s + (n.object_store_used_bytes || 0), 0);
    const storeTotal = alive.reduce((s, n) => s + (n.object_store_total_bytes || 0), 0);
    const taskCounts = sumStateCounts(tasks);
    const taskTotal = Object.values(taskCounts).reduce((a, b) => a + b, 0);
    return `
      <h2>Cluster</h2>
      <div class="cards">
        <div class="card"><h3>Nodes</h3><div class="big"><span id="nodes-alive">${alive.length}</span> alive</div>
          <div class="muted"><span id="nodes-dead">${nodes.length - alive.length}</span> dead</div></div>
        ${resources}
        <div class="card"><h3>Object store used</h3><div class="big" id="object-store">${fmt.bytes(storeUsed)} / ${fmt.bytes(storeTotal)}</div>${fmt.bar(storeUsed, storeTotal)}</div>
      </div>
      <h2>Tasks by state</h2>
      <div class="card" id="task-states">${taskTotal ? fmt.counts(taskCounts) : fmt.esc(TASK_EVENTS_OFF)}</div>
      <h2>Actors by state</h2>
      <div class="card" id="actor-states">${fmt.counts(countBy(actors, "state"))}</div>
      <h2>Tasks ended per ${fmt.esc(throughput.bucket_seconds)} s, last 5 minutes</h2>
      ${chart.throughput(throughput)}
      <h2>Cluster events</h2>
      <div id="cluster-events">${fmt.table([
        ["Time", e => fmt.esc(fmt.time(e.time_ms))],
        ["Severity", e => fmt.state(e.severity)],
        ["Source", e => fmt.esc(e.source_type)],
        ["Event", e => fmt.esc(e.event_type)],
        ["Message", e => fmt.esc(e.message)],
      ], events, "No events yet.")}</div>`;
  },

  async nodes() {
    const [nodes, workers] = await Promise.all([api.list("nodes"), api.list("workers", ["is_alive=true"])]);
    const rows = nodes.map(n => {
      const mine = workers.filter(w => w.node_id === n.node_id && w.worker_type === "WORKER");
      const drivers = workers.filter(w => w.node_id === n.node_id && w.worker_type === "DRIVER");
      const amount = (k, v) => k === "memory" || k === "object_store_memory" ? fmt.bytes(v) : fmt.num(v, 2);
      const resources = Object.entries(n.resources_total || {}).filter(([k]) => !k.includes("_group_") && !k.startsWith("node:"))
        .map(([k, v]) => `${fmt.esc(k)}: ${fmt.esc(amount(k, v - ((n.resources_available || {})[k] || 0)))} / ${fmt.esc(amount(k, v))}`).join(", ");
      const node = `<tr data-node="${fmt.esc(n.node_id)}">
        <td class="id">${fmt.shortId(n.node_id)}${n.is_head_node ? ' <span class="muted">(head)</span>' : ""}</td>
        <td>${fmt.esc(n.node_ip)}</td><td>${fmt.state(n.state)}${n.state_message ? `<div class="muted">${fmt.esc(n.state_message)}</div>` : ""}</td>
        <td>${n.cpu_percent != null ? `${fmt.num(n.cpu_percent)} % of ${fmt.esc(n.cpu_count)} cores` : ""}</td>
        <td>${n.mem_used_bytes != null ? `${fmt.bytes(n.mem_used_bytes)} / ${fmt.bytes(n.mem_total_bytes)}` : ""}</td>
        <td>${n.object_store_used_bytes != null ? `${fmt.bytes(n.object_store_used_bytes)} / ${fmt.bytes(n.object_store_total_bytes)}` : ""}</td>
        <td>${fmt.esc(n.raylet_pid)}${n.raylet_rss_bytes ? ` <span class="muted">${fmt.num(n.raylet_cpu_percent)} % CPU, ${fmt.bytes(n.raylet_rss_bytes)}</span>` : ""}</td>
        <td>${resources}</td></tr>`;
      const procs = [...drivers, ...mine].map(w => `<tr class="sub" data-worker-pid="${fmt.esc(w.pid)}">
        <td class="id">&nbsp;&nbsp;${fmt.esc(w.worker_type.toLowerCase())} ${fmt.shortId(w.worker_id)}</td><td>pid ${fmt.esc(w.pid)}</td>
        <td>${w.worker_type === "DRIVER" ? "" : w.idle ? '<span class="muted">idle</span>' : "leased"}</td>
        <td>${w.cpu_percent != null ? `${fmt.num(w.cpu_percent)} %` : ""}</td><td>${w.rss_bytes ? fmt.bytes(w.rss_bytes) : ""}</td>
        <td colspan="3" class="mono">${w.job_id ? "job " + fmt.esc(w.job_id) : ""}</td></tr>`).join("");
      return node + procs;
    }).join("");
    return `<h2>Nodes</h2><table id="nodes-table"><thead><tr><th>Node / process</th><th>IP</th><th>State</th><th>CPU</th><th>Memory</th>
      <th>Object store</th><th>Raylet pid</th><th>Resources used / total</th></tr></thead><tbody>${rows}</tbody></table>
      <p class="note">CPU: the machine's use over the last second (a worker's: since the previous refresh; 100 % is one core). Memory as the memory monitor counts it.</p>`;
  },

  async jobs() {
    const jobs = await api.list("jobs");
    jobs.sort((a, b) => (b.start_time || 0) - (a.start_time || 0));
    return `<h2>Jobs</h2>` + fmt.table([
      ["Job", j => `<span class="mono">${fmt.esc(j.job_id || "")}</span>`],
      ["Submission", j => `<span class="mono">${fmt.esc(j.submission_id || "")}</span>`],
      ["Type", j => fmt.esc(j.type)],
      ["Status", j => fmt.state(j.status)],
      ["Entrypoint", j => `<span class="mono">${fmt.esc(j.entrypoint)}</span>`],
      ["Driver pid", j => fmt.esc(j.driver_info ? j.driver_info.pid : "")],
      ["Started", j => fmt.esc(fmt.time(j.start_time))],
      ["Ended", j => fmt.esc(fmt.time(j.end_time))],
      ["Message", j => fmt.esc(j.message || "")],
    ], jobs, "No jobs yet.");
  },

  async actors() {
    const actors = await api.list("actors");
    return `<h2>Actors</h2><div class="card">${fmt.counts(countBy(actors, "state"))}</div><h2>All actors</h2>` + fmt.table([
      ["Actor", a => `<span class="mono">${fmt.shortId(a.actor_id)}</span>`],
      ["Class", a => fmt.esc(a.class_name)],
      ["Name", a => fmt.esc(a.name)],
      ["State", a => fmt.state(a.state)],
      ["Node", a => `<span class="mono">${fmt.shortId(a.node_id)}</span>`],
      ["Pid", a => fmt.esc(a.pid)],
      ["Restarts", a => fmt.esc(a.num_restarts)],
      ["Death cause", a => fmt.esc(a.death_cause || "")],
      ["Output", a => a.pid ? `<a href="#logs?actor_id=${encodeURIComponent(a.actor_id)}">out</a> <a href="#logs?actor_id=${encodeURIComponent(a.actor_id)}&suffix=err">err</a>` : ""],
    ], actors, "No actors.", a => `data-actor="${fmt.esc(a.actor_id)}" data-state="${fmt.esc(a.state)}"`);
  },

  async tasks() {
    const [summary, failed, recent] = await Promise.all([
      api.get("/api/v0/tasks/summarize"), api.list("tasks", ["state=FAILED"], 100), api.list("tasks", [], 10000)]);
    const counts = sumStateCounts(summary);
    const newest = (a, b) => (b.creation_time_ms || 0) - (a.creation_time_ms || 0);
    failed.sort(newest);
    recent.sort(newest);
    const common = [
      ["Task", t => `<span class="mono">${fmt.shortId(t.task_id)}</span>${t.attempt_number ? ` <span class="muted">attempt ${fmt.esc(t.attempt_number)}</span>` : ""}`],
      ["Name", t => fmt.esc(t.name)],
      ["Type", t => fmt.esc(t.type)],
      ["State", t => fmt.state(t.state)],
      ["Node", t => `<span class="mono">${fmt.shortId(t.node_id)}</span>`],
      ["Worker pid", t => fmt.esc(t.worker_pid)],
      ["Duration", t => fmt.esc(fmt.duration(t.start_time_ms, t.end_time_ms))],
    ];
    const withError = [...common, ["Error", t => `${fmt.esc(t.error_type)}<pre class="stack">${fmt.esc(t.error_message)}</pre>`]];
    return `<h2>Tasks by state</h2><div class="card" id="task-states">${Object.keys(counts).length ? fmt.counts(counts) : fmt.esc(TASK_EVENTS_OFF)}</div>
      <h2>Failed tasks</h2><div id="failed-tasks">${fmt.table(withError, failed, "No failed tasks.", t => `data-task="${fmt.esc(t.task_id)}"`)}</div>
      <h2>Recent tasks</h2><div id="recent-tasks">${fmt.table(common, recent.slice(0, 100), "No tasks.", t => `data-task="${fmt.esc(t.task_id)}"`)}</div>`;
  },

  async objects() {
    const [reply, objects] = await Promise.all([api.get("/api/v0/objects/summarize"), api.list("objects", [], 1000)]);
    const summary = clusterSummary(reply);
    const groups = Object.entries(summary.summary || {}).map(([site, s]) => ({ site, ...s }));
    return `<h2>Memory summary</h2>
      <p class="note">${fmt.esc(summary.total_objects)} objects, ${fmt.esc(fmt.num(summary.total_size_mb, 3))} MiB in total, grouped by where they were created.</p>` +
      fmt.table([
        ["Call site", g => `<span class="mono">${fmt.esc(g.site)}</span>`],
        ["Objects", g => fmt.esc(g.total_objects)],
        ["Size", g => `${fmt.esc(fmt.num(g.total_size_mb, 3))} MiB`],
        ["Task states", g => fmt.counts(g.task_state_counts || {})],
        ["Reference types", g => fmt.esc(Object.entries(g.ref_type_counts || {}).map(([k, n]) => `${k}: ${n}`).join(", "))],
      ], groups, "No objects.") +
      `<h2>Objects</h2>` + fmt.table([
        ["Object", o => `<span class="mono">${fmt.shortId(o.object_id)}</span>`],
        ["Size", o => fmt.esc(fmt.bytes(o.object_size))],
        ["Reference", o => fmt.esc(o.reference_type)],
        ["Held by", o => `${fmt.esc(o.type)} pid ${fmt.esc(o.pid)}`],
        ["Node IP", o => fmt.esc(o.ip)],
        ["Call site", o => `<span class="mono">${fmt.esc(o.call_site)}</span>`],
        ["Spilled", o => o.spilled ? "yes" : ""],
      ], objects, "No objects.");
  },

  // Logs: each node's logs as links; with a selection in the hash (node_id and filename, or actor_id, task_id,
  // job_id or pid, and suffix=err), its last 1,000 lines, read again at each refresh so new lines appear.
  async logs() {
    const params = new URLSearchParams(location.hash.split("?")[1] || "");
    const selectors = ["filename", "actor_id", "task_id", "job_id", "pid"];
    if (selectors.some(k => params.get(k))) {
      const query = new URLSearchParams();
      for (const k of [...selectors, "node_id", "suffix"]) if (params.get(k)) query.set(k, params.get(k));
      query.set("lines", "1000");
      const what = selectors.filter(k => params.get(k)).map(k => `${k} ${params.get(k)}`).join(", ");
      let text;
      try {
        text = await api.text(`/api/v0/logs/file?${query}`);
      } catch (error) {
        if (error instanceof AuthNeeded) throw error;
        return `<h2>Log</h2><p><a href="#logs">All logs</a></p><p class="error" id="log-error">${fmt.esc(error.message)}</p>`;
      }
      return `<h2>Log: ${fmt.esc(what)}${params.get("suffix") === "err" ? " (stderr)" : ""}</h2>
        <p><a href="#logs">All logs</a> <span class="muted">the last 1,000 lines, refreshed every second</span></p>
        <pre class="log" id="log-text">${fmt.esc(text)}</pre>`;
    }
    const byNode = await api.get("/api/v0/logs");
    const sections = Object.entries(byNode).map(([node, files]) => `<h3>Node <span class="mono">${fmt.esc(node)}</span></h3>` + fmt.table([
      ["Log", f => `<a class="mono" href="#logs?node_id=${encodeURIComponent(node)}&filename=${encodeURIComponent(f.name)}">${fmt.esc(f.name)}</a>`],
      ["Size", f => fmt.esc(fmt.bytes(f.size))],
      ["Modified", f => fmt.esc(fmt.time(f.modified_ms))],
    ], files, "No logs.", f => `data-log="${fmt.esc(f.name)}"`)).join("");
    return `<h2>Logs</h2><p class="note">Each node's logs: its raylet's, and each worker's stdout (.out) and stderr (.err). An actor's output is also linked from the Actors page.</p>${sections}`;
  },
};
