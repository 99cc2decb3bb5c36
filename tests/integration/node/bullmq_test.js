// BullMQ 5 (with its ioredis) against redraft: a Queue producing through one node and Workers
// consuming through others (argv: producer port, then worker ports). BullMQ runs Lua scripts
// (EVALSHA), lists, sorted sets, BZPOPMIN and streams (its event stream: XADD ... MAXLEN ~).
// Prints one JSON line: jobs done, results, counts, the event stream's length, errors.
const { Queue, Worker } = require('bullmq');

const [producerPort, ...workerPorts] = process.argv.slice(2).map(Number);
const conn = port => ({ host: '127.0.0.1', port, maxRetriesPerRequest: null });
const N = 60;

(async () => {
  const errs = [];
  const q = new Queue('q', { connection: conn(producerPort) });
  const results = new Map();
  const workers = workerPorts.map(port => {
    const w = new Worker('q', async job => job.data.n * 2, { connection: conn(port), concurrency: 4 });
    w.on('error', e => errs.push('worker: ' + e.message));
    w.on('completed', (job, r) => results.set(job.data.n, r));
    return w;
  });
  for (let i = 0; i < N; i++) await q.add('j', { n: i });
  const t0 = Date.now();
  while (results.size < N && Date.now() - t0 < 30000) await new Promise(r => setTimeout(r, 100));
  const counts = await q.getJobCounts('completed', 'failed', 'waiting', 'active');
  const client = await q.client;
  const events = await client.xlen('bull:q:events');
  const okResults = [...results.entries()].every(([n, r]) => r === n * 2);
  console.log(JSON.stringify({ done: results.size, okResults, counts, events, errs: [...new Set(errs)].slice(0, 5) }));
  await Promise.all(workers.map(w => w.close()));
  await q.close();
  process.exit(0);
})().catch(e => { console.log(JSON.stringify({ fail: e.message })); process.exit(1); });
