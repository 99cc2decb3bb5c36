#!/usr/bin/env node
// Load generator for the HTTP port (REST API): N keep-alive connections, each sending one request
// at a time, for a fixed duration. Prints requests/s and latency percentiles.
//   node tools/http_bench.js --url http://127.0.0.1:8001 [--op get|put] [--conns 16] [--secs 5] [--size 64]
// get: GET /v1/keys/bench:k<i> (written first); put: PUT /v1/keys/bench:k<i> with --size bytes.
'use strict';
const http = require('http');

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => {
  if (a.startsWith('--')) acc.push([a.slice(2), all[i + 1]]);
  return acc;
}, []));
const url = new URL(args.url || 'http://127.0.0.1:8001');
const op = args.op || 'get';
const conns = Number(args.conns || 16);
const secs = Number(args.secs || 5);
const body = Buffer.alloc(Number(args.size || 64), 'x');
const keys = 100;

function request(agent, method, path, data) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, method, path, agent,
      headers: data ? { 'Content-Type': 'application/octet-stream', 'Content-Length': data.length } : {} }, (res) => {
      res.on('data', () => {});
      res.on('end', () => (res.statusCode < 300 ? resolve() : reject(new Error('HTTP ' + res.statusCode))));
    });
    req.on('error', reject);
    if (data) req.end(data); else req.end();
  });
}

(async () => {
  const setup = new http.Agent({ keepAlive: true, maxSockets: 1 });
  for (let i = 0; i < keys; i++) await request(setup, 'PUT', `/v1/keys/bench:k${i}`, body);
  setup.destroy();
  const lat = [];
  let done = 0;
  const end = Date.now() + secs * 1000;
  const worker = async (w) => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    let i = w;
    while (Date.now() < end) {
      const t0 = process.hrtime.bigint();
      const path = `/v1/keys/bench:k${i++ % keys}`;
      if (op === 'put') await request(agent, 'PUT', path, body);
      else await request(agent, 'GET', path);
      lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
      done++;
    }
    agent.destroy();
  };
  const t0 = Date.now();
  await Promise.all(Array.from({ length: conns }, (_, w) => worker(w)));
  const el = (Date.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  const p = (q) => lat[Math.min(lat.length - 1, Math.floor(q * lat.length))].toFixed(2);
  console.log(`${op} conns=${conns} size=${body.length}: ${(done / el).toFixed(0)} req/s  p50=${p(0.5)}ms p99=${p(0.99)}ms (${done} requests)`);
})().catch((e) => { console.error(e.message); process.exit(1); });
