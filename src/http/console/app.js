// redraft web console: plain JS, no build step, no CDN. Everything goes through the node's REST
// API (/v1/..., docs/http_api.md), which runs each action as the commands a Redis client would
// send: linearizable, replicated, ACL-checked.
'use strict';

const $ = (sel, root = document) => root.querySelector(sel);
const el = (tag, props = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') e.className = v;
    else if (k === 'dataset') Object.assign(e.dataset, v);
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
};
const enc = (k) => encodeURIComponent(k);
const short = (id) => (id ? id.replace(/^0+/, '').slice(0, 12) || '0' : '–');

function toast(msg, error = false) {
  const t = $('#toast');
  t.textContent = msg;
  t.className = 'toast' + (error ? ' error' : '');
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => t.classList.add('hidden'), 4000);
}

async function api(method, path, body, headers = {}) {
  const opts = { method, headers, credentials: 'same-origin' };
  if (body !== undefined) opts.body = typeof body === 'string' || body instanceof Blob ? body : JSON.stringify(body);
  const r = await fetch(path, opts);
  const text = await r.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch (_) { data = text; }
  if (!r.ok) {
    const msg = data && data.error ? data.error.message : `HTTP ${r.status}`;
    const err = new Error(msg);
    err.status = r.status;
    throw err;
  }
  return data;
}
const command = (...argv) => api('POST', '/v1/command', argv).then((d) => d.reply);

// ---------- tabs ----------
function showTab(name) {
  for (const s of document.querySelectorAll('.tab')) s.classList.toggle('hidden', s.id !== 'tab-' + name);
  for (const a of document.querySelectorAll('nav a')) a.classList.toggle('active', a.dataset.tab === name);
  if (name === 'keys' && !scanState.loaded) scan(true);
}
window.addEventListener('hashchange', () => showTab(location.hash.slice(1) || 'cluster'));

// ---------- cluster view ----------
const opsSeries = [];  // [ms, ops/s], the last 5 minutes
let lastStats = null;
const history = JSON.parse(sessionStorage.getItem('redraft-leaders') || '[]');
let lastLeader = history.length ? history[history.length - 1] : null;

async function refreshCluster() {
  let c;
  try {
    c = await api('GET', '/v1/cluster');
  } catch (e) {
    $('#status').textContent = e.status === 401 ? 'login required' : 'unreachable';
    $('#status').className = 'pill bad';
    return;
  }
  const now = Date.now();
  const n = c.node;
  $('#self').textContent = `node ${short(n.id)} · ${n.role} · term ${n.term}`;
  $('#status').textContent = c.leader ? 'leader known' : 'no leader';
  $('#status').className = 'pill ' + (c.leader ? 'ok' : 'bad');
  const leaderNode = c.nodes.find((x) => x.id === c.leader);
  $('#c-leader').textContent = c.leader ? `${short(c.leader)} (${leaderNode ? leaderNode.addr : '?'})` : 'none';
  $('#c-term').textContent = n.term;
  $('#c-index').textContent = `${n.commit_index} / ${n.applied_index} / ${n.last_index}`;
  // Other nodes' own figures, from their HTTP port (same offset from the client port as ours).
  const selfNode = c.nodes.find((x) => x.self);
  const offset = selfNode ? Number(location.port || 80) - Number(selfNode.addr.split(':').pop()) : null;
  if (offset !== null) for (const x of c.nodes) if (!x.self) pollPeer(x, offset);
  const leaderView = n.role === 'leader' ? c : (peers[c.leader] && peers[c.leader].data);
  const ownOps = opsSeries.length ? opsSeries[opsSeries.length - 1][1] : null;
  const tbody = $('#nodes tbody');
  tbody.replaceChildren(...c.nodes.map((x) => {
    const p = x.self ? { ok: true, data: c, ops: ownOps } : peers[x.id] || {};
    const f = p.ok && p.data ? p.data.node : {};
    const lv = leaderView ? leaderView.nodes.find((y) => y.id === x.id) || {} : {};
    const fmt = (v) => (v === undefined || v === null ? '–' : v);
    const cls = [x.role === 'leader' ? 'leader' : '', x.connected ? '' : 'down', x.self ? 'self' : ''].join(' ').trim();
    const actions = el('td', { class: 'actions' });
    if (x.role !== 'leader') {
      actions.append(el('button', { class: 'secondary', onclick: () => transfer(x) }, 'Make leader'));
    }
    actions.append(el('button', { class: 'danger', onclick: () => removeNode(x) }, 'Remove'));
    return el('tr', { class: cls, dataset: { id: x.id, role: x.role, connected: String(x.connected) } },
      el('td', {}, short(x.id)), el('td', {}, x.addr), el('td', {}, x.role),
      el('td', {}, x.connected ? 'up' : 'down'),
      el('td', {}, fmt(f.term)), el('td', {}, fmt(f.commit_index)), el('td', {}, fmt(f.applied_index)),
      el('td', {}, fmt(f.last_index)), el('td', {}, fmt(lv.match_index)), el('td', {}, fmt(lv.lag)),
      el('td', {}, p.ops === undefined || p.ops === null ? '–' : p.ops.toFixed(1)), actions);
  }));
  // ops/s from the node's command counter
  const total = c.stats.total_commands_processed;
  if (lastStats && total >= lastStats.total) {
    const ops = (total - lastStats.total) / ((now - lastStats.t) / 1000);
    opsSeries.push([now, ops]);
    $('#c-ops').textContent = ops.toFixed(ops < 10 ? 1 : 0);
  }
  lastStats = { t: now, total };
  while (opsSeries.length && opsSeries[0][0] < now - 300000) opsSeries.shift();
  drawChart();
  // Per-node ops/s and mean latency, this node's and each peer's (from its own /v1/cluster).
  const own = ownRates(c, now);
  for (const x of c.nodes) {
    const r = x.self ? own : peers[x.id];
    if (r && r.ok !== false && r.ops !== undefined && r.ops !== null) addPoint(x, now, r.ops, r.lat);
  }
  drawNodeCharts(now);
  // leader history
  if (c.leader && (!lastLeader || lastLeader.leader !== c.leader)) {
    lastLeader = { at: new Date().toISOString(), leader: c.leader, addr: leaderNode ? leaderNode.addr : '?', term: n.term };
    history.push(lastLeader);
    while (history.length > 50) history.shift();
    sessionStorage.setItem('redraft-leaders', JSON.stringify(history));
  }
  // The node's own record (GET /v1/cluster leader_history: every leader it learned of since it
  // started, newest first); the page's own observations only if the node has none.
  const addrOf = (id) => { const x = c.nodes.find((y) => y.id === id); return x ? x.addr : '?'; };
  const shown = c.leader_history && c.leader_history.length
    ? c.leader_history.map((h) => ({ at: new Date(h.at_ms).toISOString(), leader: h.leader, addr: addrOf(h.leader), term: h.term }))
    : history.slice().reverse();
  $('#leader-history').replaceChildren(...shown.map((h) =>
    el('li', {}, `${h.at.replace('T', ' ').slice(0, 19)} — leader ${short(h.leader)} (${h.addr}), term ${h.term}`)));
}

const peers = {};  // node id -> { ok, data (its /v1/cluster), t, total, ops }
async function pollPeer(node, offset) {
  let host = node.addr.slice(0, node.addr.lastIndexOf(':'));
  const port = Number(node.addr.slice(node.addr.lastIndexOf(':') + 1)) + offset;
  const loopback = (h) => h === '127.0.0.1' || h === 'localhost' || h === '[::1]' || h === '::1';
  if (loopback(host) && loopback(location.hostname)) host = location.hostname;  // same origin host
  const p = peers[node.id] || (peers[node.id] = {});
  if (p.inflight) return;
  p.inflight = true;
  try {
    const r = await fetch(`${location.protocol}//${host}:${port}/v1/cluster`,
      { mode: 'cors', credentials: 'omit', signal: AbortSignal.timeout(900) });
    if (!r.ok) throw new Error('HTTP ' + r.status);
    const d = await r.json();
    const now = Date.now(), total = d.stats.total_commands_processed;
    if (p.total !== undefined && total >= p.total) p.ops = (total - p.total) / ((now - p.t) / 1000);
    p.lat = meanLatency(p.cmd, d.stats);
    Object.assign(p, { ok: true, data: d, t: now, total, cmd: d.stats });
  } catch (_) {
    Object.assign(p, { ok: false, data: null, ops: null, total: undefined });
  } finally {
    p.inflight = false;
  }
}

// ---------- per-node charts (ops/s and mean latency, last 5 minutes) ----------
const nodeSeries = {};  // node id -> { addr, points: [[ms, ops, latency µs or null]] }
const palette = ['#2456c9', '#1f8a4c', '#c42b2b', '#b8860b', '#7b3fbf', '#0f8b8d'];
let ownCmd = null;
// Mean µs per command between two /v1/cluster readings (commandstats totals), null if none ran.
function meanLatency(before, after) {
  if (!before || after.command_calls === undefined || after.command_calls <= before.command_calls) return null;
  return (after.command_usec - before.command_usec) / (after.command_calls - before.command_calls);
}
function ownRates(c, now) {
  const r = { ops: opsSeries.length && opsSeries[opsSeries.length - 1][0] === now ? opsSeries[opsSeries.length - 1][1] : null,
    lat: meanLatency(ownCmd, c.stats) };
  ownCmd = c.stats;
  return r;
}
function addPoint(node, now, ops, lat) {
  const s = nodeSeries[node.id] || (nodeSeries[node.id] = { addr: node.addr, points: [] });
  s.points.push([now, ops, lat]);
  while (s.points.length && s.points[0][0] < now - 300000) s.points.shift();
}
function drawSeries(cv, idx, unit, now) {
  const ctx = cv.getContext('2d');
  const W = cv.width, H = cv.height, pad = 40;
  ctx.clearRect(0, 0, W, H);
  const ids = Object.keys(nodeSeries);
  const vals = ids.flatMap((id) => nodeSeries[id].points.map((p) => p[idx]).filter((v) => v !== null));
  const max = Math.max(unit === 'µs' ? 100 : 10, ...vals) * 1.1;
  ctx.strokeStyle = '#dde1e8'; ctx.fillStyle = '#6b7385'; ctx.font = '11px sans-serif'; ctx.lineWidth = 1;
  for (let i = 0; i <= 4; i++) {
    const y = H - pad + ((pad * 2 - H) * i) / 4;
    ctx.beginPath(); ctx.moveTo(pad, y); ctx.lineTo(W - 5, y); ctx.stroke();
    const v = (max * i) / 4;
    ctx.fillText(unit === 'µs' && v >= 1000 ? (v / 1000).toFixed(1) + 'ms' : String(Math.round(v)), 2, y + 4);
  }
  ids.forEach((id, k) => {
    const s = nodeSeries[id];
    ctx.strokeStyle = ctx.fillStyle = palette[k % palette.length];
    ctx.fillText(`${short(id)} (${s.addr})`, pad + 10 + k * 200, 12);
    ctx.lineWidth = 2;
    ctx.beginPath();
    let started = false;
    for (const p of s.points) {
      if (p[idx] === null) { started = false; continue; }
      const x = pad + ((W - pad - 5) * (p[0] - (now - 300000))) / 300000;
      const y = H - pad - ((H - pad * 2) * p[idx]) / max;
      if (!started) { ctx.moveTo(x, y); started = true; } else ctx.lineTo(x, y);
    }
    ctx.stroke();
  });
  cv.dataset.nodes = String(ids.filter((id) => nodeSeries[id].points.some((p) => p[idx] !== null)).length);
}
function drawNodeCharts(now) {
  drawSeries($('#node-ops-chart'), 1, 'ops/s', now);
  drawSeries($('#node-lat-chart'), 2, 'µs', now);
}

function drawChart() {
  const cv = $('#ops-chart');
  const ctx = cv.getContext('2d');
  const W = cv.width, H = cv.height, pad = 30;
  ctx.clearRect(0, 0, W, H);
  ctx.strokeStyle = '#dde1e8';
  ctx.fillStyle = '#6b7385';
  ctx.font = '11px sans-serif';
  const max = Math.max(10, ...opsSeries.map((p) => p[1])) * 1.1;
  for (let i = 0; i <= 4; i++) {
    const y = H - pad + ((pad * 2 - H) * i) / 4;
    ctx.beginPath(); ctx.moveTo(pad, y); ctx.lineTo(W - 5, y); ctx.stroke();
    ctx.fillText(String(Math.round((max * i) / 4)), 2, y + 4);
  }
  ctx.fillText('-5 min', pad, H - 8);
  ctx.fillText('now', W - 30, H - 8);
  if (opsSeries.length < 2) return;
  const now = Date.now();
  ctx.strokeStyle = '#2456c9';
  ctx.lineWidth = 2;
  ctx.beginPath();
  opsSeries.forEach(([t, v], i) => {
    const x = pad + ((W - pad - 5) * (t - (now - 300000))) / 300000;
    const y = H - pad - ((H - pad * 2) * v) / max;
    if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
  });
  ctx.stroke();
}

async function transfer(node) {
  if (!confirm(`Transfer leadership to ${short(node.id)} (${node.addr})?`)) return;
  try {
    await api('POST', '/v1/cluster/leader', { node_id: node.id });
    toast('leadership transfer started');
  } catch (e) { toast(e.message, true); }
}

async function removeNode(node) {
  if (!confirm(`Remove node ${short(node.id)} (${node.addr}) from the cluster? Its data stays on its disk.`)) return;
  try {
    await api('DELETE', '/v1/nodes/' + enc(node.id));
    toast('node removed');
  } catch (e) { toast(e.message, true); }
}

$('#add-node').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const host = $('#add-host').value.trim(), port = Number($('#add-port').value);
  if (!confirm(`Add the node at ${host}:${port} (it must run with cluster-join yes)?`)) return;
  try {
    await api('POST', '/v1/nodes', { host, port });
    toast(`node ${host}:${port} added (a learner until it catches up)`);
  } catch (e) { toast(e.message, true); }
});

// ---------- key browser ----------
const scanState = { cursor: '0', loaded: false };

async function scan(fresh) {
  if (fresh) { scanState.cursor = '0'; $('#keys tbody').replaceChildren(); }
  const q = new URLSearchParams({ match: $('#scan-match').value || '*', cursor: scanState.cursor, count: '200' });
  if ($('#scan-type').value) q.set('type', $('#scan-type').value);
  try {
    const r = await api('GET', '/v1/keys?' + q);
    scanState.loaded = true;
    scanState.cursor = r.cursor;
    for (const k of r.keys) {
      $('#keys tbody').append(el('tr', { dataset: { key: k.key } },
        el('td', {}, el('a', { href: '#keys', onclick: (e) => { e.preventDefault(); viewKey(k.key); } }, k.key)),
        el('td', {}, k.type), el('td', {}, k.ttl_ms < 0 ? '–' : `${Math.ceil(k.ttl_ms / 1000)} s`),
        el('td', {}, el('button', { class: 'danger', onclick: () => deleteKey(k.key) }, 'Delete'))));
    }
    $('#scan-more').disabled = r.cursor === '0';
    $('#scan-info').textContent = `${$('#keys tbody').children.length} keys shown` + (r.cursor === '0' ? ' (scan complete)' : '');
  } catch (e) { toast(e.message, true); }
}
$('#scan-form').addEventListener('submit', (e) => { e.preventDefault(); scan(true); });
$('#scan-more').addEventListener('click', () => scan(false));

async function deleteKey(key) {
  if (!confirm(`Delete key "${key}"?`)) return;
  try {
    await api('DELETE', '/v1/keys/' + enc(key));
    toast(`deleted ${key}`);
    $('#key-view').classList.add('hidden');
    scan(true);
  } catch (e) { toast(e.message, true); }
}

let current = null;
async function viewKey(key) {
  let v;
  try { v = await api('GET', `/v1/keys/${enc(key)}?format=json`); } catch (e) { return toast(e.message, true); }
  current = v;
  $('#key-view').classList.remove('hidden');
  $('#kv-name').textContent = key;
  const ttl = v.ttl_ms < 0 ? 'no TTL' : `TTL ${Math.ceil(v.ttl_ms / 1000)} s`;
  $('#kv-meta').textContent = `${v.type} · ${ttl}` + (v.type === 'string' ? ` · ${v.bytes} bytes · ${v.content_type} · ETag ${v.etag}` : '');
  $('#kv-ttl').value = v.ttl_ms < 0 ? 0 : Math.ceil(v.ttl_ms / 1000);
  $('#kv-download').href = '/v1/keys/' + enc(key);
  $('#kv-download').setAttribute('download', key.replace(/[\/\\]/g, '_'));
  $('#kv-download').classList.toggle('hidden', v.type !== 'string');
  const ed = $('#kv-editor');
  ed.replaceChildren();
  const reload = () => viewKey(key);
  const run = async (...argv) => { try { await command(...argv); reload(); } catch (e) { toast(e.message, true); } };
  const addForm = (labels, fn) => {
    const inputs = labels.map((l) => el('input', { placeholder: l }));
    ed.append(el('div', { class: 'row' }, ...inputs,
      el('button', { onclick: () => fn(...inputs.map((i) => i.value)) }, 'Add')));
  };
  const table = (head, rows) => el('table', {}, el('thead', {}, el('tr', {}, ...head.map((h) => el('th', {}, h)))),
    el('tbody', {}, ...rows.map((r) => el('tr', {}, ...r.map((c) => el('td', {}, c))))));
  const del = (fn) => el('button', { class: 'danger', onclick: fn }, '×');
  if (v.type === 'string') {
    const printable = v.value !== null && v.bytes < 1048576 && !/[\u0000-\u0008\u000e-\u001f\ufffd]/.test(v.value);
    if (printable) {
      const ta = el('textarea', { id: 'kv-text' });
      ta.value = v.value;
      ed.append(ta, el('div', { class: 'row' }, el('button', { onclick: async () => {
        try {
          await api('PUT', '/v1/keys/' + enc(key), ta.value, { 'Content-Type': v.content_type, 'If-Match': v.etag });
          toast('saved'); reload();
        } catch (e) { toast(e.status === 412 ? 'the value changed meanwhile: reloaded' : e.message, true); reload(); }
      } }, 'Save')));
    } else {
      ed.append(el('p', { class: 'muted' }, 'Binary value: use Download, or replace it from the Files tab.'));
    }
  } else if (v.type === 'hash') {
    ed.append(table(['field', 'value', ''], Object.entries(v.value).map(([f, x]) => [f, x, del(() => run('HDEL', key, f))])));
    addForm(['field', 'value'], (f, x) => run('HSET', key, f, x));
  } else if (v.type === 'list') {
    ed.append(table(['#', 'element', ''], v.value.map((x, i) => {
      const inp = el('input', { value: x });
      return [String(i), inp, el('span', {}, el('button', { class: 'secondary', onclick: () => run('LSET', key, String(i), inp.value) }, 'Set'),
        del(() => run('LREM', key, '1', x)))];
    })));
    addForm(['element (pushed at the tail)'], (x) => run('RPUSH', key, x));
  } else if (v.type === 'set') {
    ed.append(table(['member', ''], v.value.map((m) => [m, del(() => run('SREM', key, m))])));
    addForm(['member'], (m) => run('SADD', key, m));
  } else if (v.type === 'zset') {
    ed.append(table(['member', 'score', ''], v.value.map((z) => [z.member, z.score, del(() => run('ZREM', key, z.member))])));
    addForm(['member', 'score'], (m, s) => run('ZADD', key, s, m));
  } else if (v.type === 'stream') {
    ed.append(table(['id', 'fields', ''], v.value.map((x) => [x.id, JSON.stringify(x.fields), del(() => run('XDEL', key, x.id))])));
    addForm(['field', 'value'], (f, x) => run('XADD', key, '*', f, x));
  } else {
    ed.append(el('pre', {}, JSON.stringify(v.value, null, 2)));
  }
}

$('#kv-ttl-set').addEventListener('click', async () => {
  if (!current) return;
  try {
    await api('PUT', `/v1/keys/${enc(current.key)}/ttl?ttl=${Number($('#kv-ttl').value) || 0}`);
    toast('TTL set');
    viewKey(current.key);
  } catch (e) { toast(e.message, true); }
});
$('#kv-delete').addEventListener('click', () => current && deleteKey(current.key));

$('#new-key').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const key = $('#nk-name').value, ttl = Number($('#nk-ttl').value) || 0;
  try {
    await api('PUT', `/v1/keys/${enc(key)}` + (ttl > 0 ? `?ttl=${ttl}` : ''), $('#nk-value').value, { 'Content-Type': 'text/plain; charset=utf-8' });
    toast(`set ${key}`);
    scan(true);
  } catch (e) { toast(e.message, true); }
});

// ---------- files ----------
$('#upload-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const file = $('#up-file').files[0];
  if (!file) return;
  const key = $('#up-key').value || file.name;
  const ttl = Number($('#up-ttl').value) || 0;
  const xhr = new XMLHttpRequest();
  xhr.open('PUT', `/v1/keys/${enc(key)}` + (ttl > 0 ? `?ttl=${ttl}` : ''));
  xhr.setRequestHeader('Content-Type', file.type || 'application/octet-stream');
  const bar = $('#up-progress'), status = $('#up-status');
  bar.value = 0;
  status.textContent = `uploading ${file.name} (${file.size} bytes)…`;
  $('#up-go').disabled = true;
  xhr.upload.onprogress = (e) => { if (e.lengthComputable) bar.value = (100 * e.loaded) / e.total; };
  xhr.onload = () => {
    $('#up-go').disabled = false;
    let r = {};
    try { r = JSON.parse(xhr.responseText); } catch (_) { /* not JSON */ }
    if (xhr.status === 200 || xhr.status === 201) {
      bar.value = 100;
      status.textContent = `stored "${r.key}": ${r.bytes} bytes, ${r.content_type}, ETag ${r.etag}`;
      status.dataset.done = 'yes';
      $('#dl-key').value = key;
    } else {
      status.textContent = `upload failed: ${r.error ? r.error.message : 'HTTP ' + xhr.status}`;
      status.dataset.done = 'error';
    }
  };
  xhr.onerror = () => { $('#up-go').disabled = false; status.textContent = 'upload failed (network)'; status.dataset.done = 'error'; };
  delete status.dataset.done;
  xhr.send(file);
});

$('#download-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const key = $('#dl-key').value;
  const a = $('#dl-link');
  a.href = '/v1/keys/' + enc(key);
  a.setAttribute('download', key.replace(/[\/\\]/g, '_'));
  a.click();
});

// ---------- start ----------
showTab(location.hash.slice(1) || 'cluster');
refreshCluster();
setInterval(refreshCluster, 1000);
