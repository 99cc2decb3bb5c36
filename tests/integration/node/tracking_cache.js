// A client-side cache on node-redis 4 (RESP2): reads through a data connection with
// CLIENT TRACKING ON REDIRECT <id of a subscriber>, whose __redis__:invalidate messages (node-redis
// decodes them: an array of keys, or null after a flush) evict the cache. Writes come from a client
// of ANOTHER server (argv[3]: another node of the cluster; the same port for redis-server).
// Usage: node tracking_cache.js <port> <writer port> <prefix>
const { createClient } = require('redis');

const [port, writerPort, prefix] = process.argv.slice(2);
const deadline = (ms, what) => new Promise((_, rej) => setTimeout(() => rej(new Error(`timed out: ${what}`)), ms));

async function main() {
  const sub = createClient({ url: `redis://127.0.0.1:${port}` });
  const data = createClient({ url: `redis://127.0.0.1:${port}` });
  const writer = createClient({ url: `redis://127.0.0.1:${writerPort}` });
  for (const c of [sub, data, writer]) { c.on('error', () => {}); await c.connect(); }
  const cache = new Map();
  const waiters = [];
  const id = await sub.clientId();  // before SUBSCRIBE: a RESP2 subscriber runs nothing else
  await sub.subscribe('__redis__:invalidate', (keys) => {
    if (keys === null) cache.clear(); else for (const k of keys) cache.delete(k);
    waiters.splice(0).forEach((w) => w(keys));
  });
  const invalidation = () => new Promise((res) => waiters.push(res));
  await data.sendCommand(['CLIENT', 'TRACKING', 'ON', 'REDIRECT', String(id)]);
  const redir = await data.sendCommand(['CLIENT', 'GETREDIR']);
  if (Number(redir) !== id) throw new Error(`GETREDIR ${redir} != ${id}`);
  const get = async (k) => {
    if (cache.has(k)) return cache.get(k);
    const v = await data.get(k);
    cache.set(k, v);
    return v;
  };
  const key = `${prefix}user:1`;
  await writer.set(key, 'v1');
  for (let round = 2; round <= 20; round++) {
    const seen = await get(key);
    if (seen !== `v${round - 1}`) throw new Error(`round ${round}: cached ${seen}`);
    const inv = invalidation();
    await writer.set(key, `v${round}`);
    const keys = await Promise.race([inv, deadline(10000, `round ${round}: no invalidation of ${key}`)]);
    if (!keys || !keys.includes(key)) throw new Error(`round ${round}: invalidation ${JSON.stringify(keys)}`);
    if (cache.has(key)) throw new Error('not evicted');
  }
  await get(key);
  const inv = invalidation();
  await writer.flushAll();
  const keys = await Promise.race([inv, deadline(10000, 'no invalidation after FLUSHALL')]);
  if (keys !== null) throw new Error(`flush: ${JSON.stringify(keys)}`);
  if (cache.size !== 0) throw new Error('cache not emptied by the flush');
  for (const c of [sub, data, writer]) await c.quit();
  console.log('OK');
}

main().catch((e) => { console.error(e.stack || String(e)); process.exit(1); });
