// redraft web console, "Diagnostics" tab: recent traces (this node's GET /v1/traces, joined with
// the spans the other nodes recorded for the same trace ids, read from their HTTP ports at the
// same offset as /v1/cluster), SLOWLOG GET and LATENCY LATEST / DOCTOR of this node.
// Loaded after app.js (shares $, el, api, command, toast).
'use strict';

const diag = { timer: null, peerPorts: [] };

// The other nodes' HTTP origins, from this node's /v1/cluster (same rule as app.js's pollPeer).
async function peerOrigins() {
  const c = await api('GET', '/v1/cluster');
  const self = c.nodes.find((x) => x.self);
  if (!self) return [];
  const offset = Number(location.port || 80) - Number(self.addr.split(':').pop());
  const loopback = (h) => h === '127.0.0.1' || h === 'localhost' || h === '[::1]' || h === '::1';
  return c.nodes.filter((x) => !x.self && x.connected).map((x) => {
    let host = x.addr.slice(0, x.addr.lastIndexOf(':'));
    if (loopback(host) && loopback(location.hostname)) host = location.hostname;
    return `${location.protocol}//${host}:${Number(x.addr.slice(x.addr.lastIndexOf(':') + 1)) + offset}`;
  });
}

async function peerTraces(origin) {
  try {
    const r = await fetch(`${origin}/v1/traces?limit=200`, { mode: 'cors', credentials: 'omit', signal: AbortSignal.timeout(1500) });
    return r.ok ? await r.json() : [];
  } catch (_) {
    return [];
  }
}

const fmtUs = (us) => (us >= 1000 ? (us / 1000).toFixed(us >= 10000 ? 0 : 1) + ' ms' : us + ' µs');

function waterfall(spans) {
  const t0 = Math.min(...spans.map((s) => s.timestamp));
  const t1 = Math.max(...spans.map((s) => s.timestamp + s.duration));
  const total = Math.max(1, t1 - t0);
  const sorted = spans.slice().sort((a, b) => a.timestamp - b.timestamp || (a.parentId ? 1 : -1));
  return el('div', { class: 'waterfall' }, ...sorted.map((s) => {
    const bar = el('div', { class: 'bar' + (s.parentId ? '' : ' root') });
    bar.style.left = (100 * (s.timestamp - t0)) / total + '%';
    bar.style.width = Math.max(0.3, (100 * s.duration) / total) + '%';
    return el('div', { class: 'wf-row', dataset: { node: s.localEndpoint.serviceName, name: s.name } },
      el('span', { class: 'wf-label' }, `${s.localEndpoint.serviceName} · ${s.name}`),
      el('span', { class: 'wf-track' }, bar),
      el('span', { class: 'wf-dur' }, `+${fmtUs(s.timestamp - t0)} ${fmtUs(s.duration)}`));
  }));
}

async function refreshTraces() {
  let own;
  try {
    own = await api('GET', '/v1/traces?limit=20');
  } catch (e) {
    $('#traces-info').textContent = e.message;
    return;
  }
  let origins = [];
  try { origins = await peerOrigins(); } catch (_) { /* this node's spans only */ }
  const others = (await Promise.all(origins.map(peerTraces))).flat();
  const byId = new Map();
  for (const t of own) if (t.length) byId.set(t[0].traceId, t.slice());
  for (const t of others) {
    if (t.length && byId.has(t[0].traceId)) byId.get(t[0].traceId).push(...t);
  }
  const open = diag.open;
  const rows = [];
  for (const [id, spans] of byId) {
    const root = spans.find((s) => !s.parentId);
    const t0 = Math.min(...spans.map((s) => s.timestamp));
    const t1 = Math.max(...spans.map((s) => s.timestamp + s.duration));
    const nodes = new Set(spans.map((s) => s.localEndpoint.serviceName));
    const tr = el('tr', { class: 'trace', dataset: { trace: id, spans: String(spans.length), nodes: String(nodes.size) } },
      el('td', {}, el('a', { href: '#diag', onclick: (ev) => { ev.preventDefault(); diag.open = diag.open === id ? null : id; refreshTraces(); } }, id)),
      el('td', {}, new Date(t0 / 1000).toISOString().replace('T', ' ').slice(0, 23)),
      el('td', {}, root ? root.name : '(spans of a request received elsewhere)'),
      el('td', {}, fmtUs(t1 - t0)), el('td', {}, String(nodes.size)), el('td', {}, String(spans.length)));
    rows.push(tr);
    if (open === id) rows.push(el('tr', { class: 'trace-detail' }, el('td', { colspan: '6' }, waterfall(spans))));
  }
  $('#traces tbody').replaceChildren(...rows);
  $('#traces-info').textContent = byId.size ? `${byId.size} traces, spans from ${1 + origins.length} nodes` :
    'no traces yet: CLIENT TRACE ON on a connection, or CONFIG SET trace-sample-rate 0.01';
}

async function refreshSlowlog() {
  try {
    const entries = await command('SLOWLOG', 'GET', '20');
    $('#slowlog tbody').replaceChildren(...entries.map((e) => el('tr', {},
      el('td', {}, String(e[0])), el('td', {}, new Date(e[1] * 1000).toISOString().replace('T', ' ').slice(0, 19)),
      el('td', {}, fmtUs(e[2])), el('td', {}, e[3].join(' ')), el('td', {}, e[4] || ''),
      el('td', {}, e.length > 6 && Array.isArray(e[6]) ? e[6].map((v, i) => (i % 2 ? fmtUs(v) + ' ' : v + '=')).join('') : ''))));
    const [len, threshold] = await Promise.all([command('SLOWLOG', 'LEN'), command('CONFIG', 'GET', 'slowlog-log-slower-than')]);
    $('#slowlog-info').textContent = `${len} entries; threshold ${threshold[1]} µs (slowlog-log-slower-than)`;
  } catch (e) { $('#slowlog-info').textContent = e.message; }
}

async function refreshLatency() {
  try {
    const latest = await command('LATENCY', 'LATEST');
    $('#latency tbody').replaceChildren(...latest.map((e) => el('tr', {},
      el('td', {}, e[0]), el('td', {}, new Date(e[1] * 1000).toISOString().replace('T', ' ').slice(0, 19)),
      el('td', {}, e[2] + ' ms'), el('td', {}, e[3] + ' ms'))));
    $('#latency-doctor').textContent = await command('LATENCY', 'DOCTOR');
  } catch (e) { $('#latency-doctor').textContent = e.message; }
}

function refreshDiag() {
  if ($('#tab-diag').classList.contains('hidden')) return;
  refreshTraces();
  refreshSlowlog();
  refreshLatency();
}

$('#diag-refresh').addEventListener('click', refreshDiag);
window.addEventListener('hashchange', () => setTimeout(refreshDiag, 0));
setTimeout(refreshDiag, 0);
setInterval(refreshDiag, 3000);
