// BullMQ 5 (with its ioredis) against redraft: a Queue producing through one node and Workers
// consuming through others (argv: producer port, then worker ports). BullMQ runs Lua scripts
// (EVALSHA), lists, sorted sets, BZPOPMIN and streams (its event stream: XADD ... MAXLEN ~).
// A QueueEvents on the producer's node (XREAD BLOCK on the event stream) must receive every job's
// completed or failed event, written by workers on other nodes; every tenth job fails.
// Prints one JSON line: jobs done, results, counts, the event stream's length, the events
// QueueEvents received, errors.
const { Queue, QueueEvents, Worker } = require('bullmq');

const [producerPort, ...workerPorts] = process.argv.slice(2).map(Number);
const conn = port => ({ host: '127.0.0.1', port, maxRetriesPerRequest: null });
const N = 60;
const FAILING = n => n % 10 === 0;

(async () => {
  const errs = [];
  const q = new Queue('q', { connection: conn(producerPort) });
  const qe = new QueueEvents('q', { connection: conn(producerPort) });
  const completedEvents = new Map();
  const failedEvents = new Map();
  qe.on('completed', ({ jobId, returnvalue }) => completedEvents.set(jobId, returnvalue));
  qe.on('failed', ({ jobId, failedReason }) => failedEvents.set(jobId, failedReason));
  qe.on('error', e => errs.push('events: ' + e.message));
  await qe.waitUntilReady();
  const results = new Map();
  const failed = new Set();
  const workers = workerPorts.map(port => {
    const w = new Worker('q', async job => {
      if (FAILING(job.data.n)) throw new Error('boom ' + job.data.n);
      return job.data.n * 2;
    }, { connection: conn(port), concurrency: 4 });
    w.on('error', e => errs.push('worker: ' + e.message));
    w.on('completed', (job, r) => results.set(job.data.n, r));
    w.on('failed', job => failed.add(job.data.n));
    return w;
  });
  const ids = new Map();
  for (let i = 0; i < N; i++) ids.set((await q.add('j', { n: i })).id, i);
  const t0 = Date.now();
  const settled = () => results.size + failed.size >= N && completedEvents.size + failedEvents.size >= N;
  while (!settled() && Date.now() - t0 < 30000) await new Promise(r => setTimeout(r, 100));
  const counts = await q.getJobCounts('completed', 'failed', 'waiting', 'active');
  const client = await q.client;
  const events = await client.xlen('bull:q:events');
  const okResults = [...results.entries()].every(([n, r]) => r === n * 2);
  // Every event names a job of ours with the outcome its worker saw (BullMQ sends returnvalue as
  // JSON text through the stream).
  const okEvents = [...completedEvents.entries()].every(([id, r]) => String(r) === String(ids.get(id) * 2)) &&
    [...failedEvents.entries()].every(([id, reason]) => reason === 'boom ' + ids.get(id));
  console.log(JSON.stringify({ done: results.size, failed: failed.size, okResults, counts, events,
    completedEvents: completedEvents.size, failedEvents: failedEvents.size, okEvents,
    errs: [...new Set(errs)].slice(0, 5) }));
  await qe.close();
  await Promise.all(workers.map(w => w.close()));
  await q.close();
  process.exit(0);
})().catch(e => { console.log(JSON.stringify({ fail: e.message })); process.exit(1); });
