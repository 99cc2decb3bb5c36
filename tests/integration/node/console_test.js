// The web console in headless Chromium (Debian's chromium, driven by puppeteer-core), started by
// tests/integration/test_http_console.py with a JSON config: { url, pids: {nodeIndex: pid},
// leader_pid, file, download_dir, artifacts }. Exits 0 when every check passed.
'use strict';
const fs = require('fs');
const path = require('path');
const puppeteer = require('puppeteer-core');

const cfg = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const shot = async (page, name) => {
  const file = path.join(cfg.artifacts, name + '.png');
  await page.screenshot({ path: file, fullPage: true });
  console.log('screenshot', file);
};
const check = (cond, msg) => { if (!cond) throw new Error('check failed: ' + msg); console.log('ok:', msg); };

async function rows(page) {
  return page.$$eval('#nodes tbody tr', (trs) => trs.map((t) => ({ role: t.dataset.role, connected: t.dataset.connected })));
}

(async () => {
  const browser = await puppeteer.launch({
    executablePath: cfg.chromium || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--window-size=1280,900'],
  });
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    page.on('dialog', (d) => d.accept());  // confirmations
    page.on('pageerror', (e) => { console.error('page error:', e.message); process.exitCode = 1; });
    await page.goto(cfg.url, { waitUntil: 'load' });

    // 1. The cluster view: 3 nodes, exactly one leader, all links up.
    await page.waitForFunction(() => document.querySelectorAll('#nodes tbody tr').length === 3 &&
      document.querySelectorAll('#nodes tbody tr[data-connected="true"]').length === 3, { timeout: 20000 });
    let r = await rows(page);
    check(r.length === 3, 'the cluster view shows 3 nodes');
    check(r.filter((x) => x.role === 'leader').length === 1, 'exactly one leader');
    await page.waitForFunction(() => document.querySelectorAll('#leader-history li').length >= 1, { timeout: 10000 });
    // Every node's own term and indexes (read from its HTTP port), and the leader's lag figures.
    await page.waitForFunction(() => [...document.querySelectorAll('#nodes tbody tr')].every((tr) =>
      tr.children[4].textContent !== '–' && tr.children[9].textContent !== '–'), { timeout: 15000 });
    check(true, 'every node shows its term, indexes and lag');
    await new Promise((res) => setTimeout(res, 8000));  // some points of the ops/s chart
    await page.waitForFunction(() => document.querySelector('#node-ops-chart').dataset.nodes === '3' &&
      Number(document.querySelector('#node-lat-chart').dataset.nodes) >= 2, { timeout: 15000 });
    check(true, 'per-node ops/s (3 nodes) and latency charts are drawn');
    await shot(page, 'console-cluster');

    // 2. Kill a node (not the one serving the page): the view changes (its link goes down).
    process.kill(cfg.kill_pid, 'SIGKILL');
    await page.waitForFunction(() => document.querySelectorAll('#nodes tbody tr[data-connected="false"]').length === 1,
      { timeout: 30000 });
    r = await rows(page);
    check(r.filter((x) => x.connected === 'false').length === 1, 'the killed node shows as down');
    await shot(page, 'console-node-down');

    // 3. Upload a 5 MB binary through the page, with progress, then download it back.
    await page.goto(cfg.url + '#files', { waitUntil: 'load' });
    const input = await page.$('#up-file');
    await input.uploadFile(cfg.file);
    await page.type('#up-key', 'uploads/blob.bin');
    await page.click('#up-go');
    await page.waitForFunction(() => document.querySelector('#up-status').dataset.done, { timeout: 60000 });
    const status = await page.$eval('#up-status', (e) => [e.dataset.done, e.textContent]);
    check(status[0] === 'yes', 'upload stored: ' + status[1]);
    check(await page.$eval('#up-progress', (e) => e.value) === 100, 'upload progress reached 100%');
    await shot(page, 'console-upload');
    const cdp = await page.createCDPSession();
    await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: cfg.download_dir, eventsEnabled: true });
    const finished = new Promise((resolve, reject) => {
      cdp.on('Browser.downloadProgress', (e) => {
        if (e.state === 'completed') resolve();
        if (e.state === 'canceled') reject(new Error('download canceled'));
      });
    });
    await page.click('#download-form button[type=submit]');
    await Promise.race([finished, new Promise((_, rej) => setTimeout(() => rej(new Error('download timeout')), 60000))]);
    const got = path.join(cfg.download_dir, 'uploads_blob.bin');
    check(fs.existsSync(got), 'the download was saved as ' + got);
    check(Buffer.compare(fs.readFileSync(got), fs.readFileSync(cfg.file)) === 0, 'the download is byte-identical');

    // 4. The key browser finds it (type, TTL) and opens it.
    await page.goto(cfg.url + '#keys', { waitUntil: 'load' });
    await page.evaluate(() => { document.querySelector('#scan-match').value = 'uploads/*'; });
    await page.click('#scan-form button[type=submit]');
    await page.waitForSelector('#keys tbody tr[data-key="uploads/blob.bin"]', { timeout: 10000 });
    await page.click('#keys tbody tr[data-key="uploads/blob.bin"] a');
    await page.waitForFunction(() => document.querySelector('#kv-meta').textContent.includes('5242880 bytes'), { timeout: 10000 });
    check(true, 'the key browser shows the uploaded value');
    await shot(page, 'console-keys');

    // 5. Diagnostics: recent traces of the served node (a sampled share of the load, written to a
    // follower and forwarded), joined with the leader's spans of the same trace; a trace opens as a
    // waterfall across nodes. SLOWLOG (threshold 0 on that node) and LATENCY DOCTOR are shown.
    await page.goto(cfg.url + '#diag', { waitUntil: 'load' });
    await page.waitForFunction(() => [...document.querySelectorAll('#traces tbody tr.trace')]
      .some((tr) => Number(tr.dataset.nodes) >= 2), { timeout: 20000 });
    check(true, 'a recent trace holds spans from 2 nodes (the served follower and the leader)');
    // Open multi-node traces until one is a forwarded write: on a loaded machine an election may
    // have made the served node the leader for a while, and its own writes are not forwarded.
    let names = [];
    const tried = [];
    for (const deadline = Date.now() + 30000; Date.now() < deadline;) {
      const id = await page.$$eval('#traces tbody tr.trace', (trs, tried) => {
        const tr = trs.find((t) => Number(t.dataset.nodes) >= 2 && !tried.includes(t.dataset.trace));
        if (!tr) return null;
        tr.querySelector('a').click();
        return tr.dataset.trace;
      }, tried);
      if (!id) { await new Promise((r) => setTimeout(r, 500)); continue; }
      tried.push(id);
      const sel = `#traces tr.trace[data-trace="${id}"] + tr.trace-detail .waterfall .wf-row`;
      try {
        await page.waitForFunction((sel) => document.querySelectorAll(sel).length >= 6, { timeout: 10000 }, sel);
      } catch (_) { continue; }
      names = await page.$$eval(sel, (rs) => rs.map((r) => r.dataset.name));
      if (names.includes('forward')) break;
    }
    check(names.includes('forward') && names.includes('raft.leader_fsync') && names.includes('raft.quorum_commit'),
      'the waterfall shows the follower\'s forward and the leader\'s fsync and commit: ' + names.join(',') +
      ` (${tried.length} traces opened)`);
    await page.waitForFunction(() => document.querySelectorAll('#slowlog tbody tr').length >= 1, { timeout: 10000 });
    check(true, 'the SLOWLOG panel lists entries');
    await page.waitForFunction(() => document.querySelector('#latency-doctor').textContent.length > 0, { timeout: 10000 });
    check(true, 'LATENCY DOCTOR is shown');
    await shot(page, 'console-diagnostics');
    const traces = path.join(cfg.artifacts, 'console-traces.png');  // the README's picture
    await (await page.$('#traces')).screenshot({ path: traces });
    console.log('screenshot', traces);
  } finally {
    await browser.close();
  }
})().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(1);
});
