// ioredis 5 against a running redraft node (started by tests/integration/test_node_clients.py):
//   node ioredis_test.js PORT OTHER_PORT PREFIX
// PORT is the node under test (the single node, or a follower of a cluster); OTHER_PORT is another
// connection (the same node, or another node of the cluster) that makes the WATCH conflict.
// Prints one summary line and exits 0, or prints what differed and exits 1.
"use strict";
const Redis = require("ioredis");
const assert = require("assert");

const [port, otherPort] = process.argv.slice(2, 4).map(Number);
const P = process.argv[4] || "io";
const opts = { host: "127.0.0.1", commandTimeout: 20000, maxRetriesPerRequest: 1, lazyConnect: true,
  retryStrategy: () => null };
const done = [];

function check(name, actual, expected) {
  try {
    assert.deepStrictEqual(actual, expected);
  } catch (e) {
    throw new Error(`${name}: got ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
  }
}

async function main() {
  const a = new Redis({ ...opts, port });
  const b = new Redis({ ...opts, port: otherPort });
  await a.connect();
  await b.connect();
  try {
    // multi(): EXEC's results are [err, result] pairs in command order.
    await a.del(`${P}:m`, `${P}:ml`);
    const res = await a.multi().set(`${P}:m`, "1").incr(`${P}:m`).rpush(`${P}:ml`, "x", "y")
      .lrange(`${P}:ml`, 0, -1).get(`${P}:m`).exec();
    check("multi exec", res, [[null, "OK"], [null, 2], [null, 2], [null, ["x", "y"]], [null, "2"]]);
    // An error inside EXEC (WRONGTYPE) is that command's result; the others still run.
    const mixed = await a.multi().set(`${P}:m`, "5").lpush(`${P}:m`, "z").get(`${P}:m`).exec();
    check("multi exec[0]", mixed[0], [null, "OK"]);
    if (!(mixed[1][0] instanceof Error) || !/^WRONGTYPE/.test(mixed[1][0].message))
      throw new Error(`multi exec[1]: expected a WRONGTYPE error, got ${JSON.stringify(mixed[1])}`);
    check("multi exec[2]", mixed[2], [null, "5"]);
    // A queued-command error aborts the whole transaction (EXECABORT) and nothing runs.
    let aborted = null;
    try {
      await a.multi().set(`${P}:m`, "6").call("NOSUCHCOMMAND").exec();
    } catch (e) {
      aborted = e;
    }
    if (!aborted || !/EXECABORT/.test(aborted.message))
      throw new Error(`multi with an unknown command: expected EXECABORT, got ${aborted && aborted.message}`);
    check("value after EXECABORT", await a.get(`${P}:m`), "5");
    done.push("multi");

    // WATCH: untouched -> EXEC runs; changed by another connection (another node) -> null result.
    await a.set(`${P}:w`, "10");
    await a.watch(`${P}:w`);
    check("watch, no conflict", await a.multi().incr(`${P}:w`).exec(), [[null, 11]]);
    await a.watch(`${P}:w`);
    await b.set(`${P}:w`, "100");
    check("watch conflict", await a.multi().incr(`${P}:w`).exec(), null);
    check("value after the conflict", await a.get(`${P}:w`), "100");
    // UNWATCH clears it.
    await a.watch(`${P}:w`);
    await a.unwatch();
    await b.set(`${P}:w`, "200");
    check("after unwatch", await a.multi().incr(`${P}:w`).exec(), [[null, 201]]);
    done.push("watch");

    // pipeline() of 1000 commands: replies in order.
    const pipe = a.pipeline();
    for (let i = 0; i < 500; i++) pipe.set(`${P}:p:${i}`, `v${i}`);
    for (let i = 0; i < 500; i++) pipe.get(`${P}:p:${i}`);
    const pres = await pipe.exec();
    check("pipeline length", pres.length, 1000);
    for (let i = 0; i < 500; i++) {
      check(`pipeline set ${i}`, pres[i], [null, "OK"]);
      check(`pipeline get ${i}`, pres[500 + i], [null, `v${i}`]);
    }
    done.push("pipeline(1000)");

    // scanStream over 2000 keys: every key seen (duplicates allowed by SCAN's contract).
    const N = 2000;
    const fill = a.pipeline();
    for (let i = 0; i < N; i++) fill.set(`${P}:s:${i}`, i);
    for (const [err] of await fill.exec()) if (err) throw err;
    const seen = new Set();
    await new Promise((resolve, reject) => {
      const s = a.scanStream({ match: `${P}:s:*`, count: 100 });
      s.on("data", (keys) => keys.forEach((k) => seen.add(k)));
      s.on("end", resolve);
      s.on("error", reject);
    });
    check("scanStream keys seen", seen.size, N);
    for (let i = 0; i < N; i++) if (!seen.has(`${P}:s:${i}`)) throw new Error(`scanStream missed ${P}:s:${i}`);
    done.push(`scanStream(${N})`);

    // Collections round trip.
    const h = `${P}:h`, l = `${P}:l`, s = `${P}:set`, z = `${P}:z`;
    await a.del(h, l, s, z);
    check("hset", await a.hset(h, { f1: "a", f2: "b", f3: "c" }), 3);
    check("hgetall", await a.hgetall(h), { f1: "a", f2: "b", f3: "c" });
    check("hincrby", await a.hincrby(h, "n", 5), 5);
    check("hincrbyfloat", await a.hincrbyfloat(h, "fl", "1.5"), "1.5");
    check("hdel", await a.hdel(h, "f2"), 1);
    check("hmget", await a.hmget(h, "f1", "f2", "n"), ["a", null, "5"]);
    check("rpush", await a.rpush(l, "1", "2", "3"), 3);
    check("lpush", await a.lpush(l, "0"), 4);
    check("lrange", await a.lrange(l, 0, -1), ["0", "1", "2", "3"]);
    check("lpop count", await a.lpop(l, 2), ["0", "1"]);
    check("lmove", await a.lmove(l, l, "RIGHT", "LEFT"), "3");
    check("lrange after lmove", await a.lrange(l, 0, -1), ["3", "2"]);
    check("sadd", await a.sadd(s, "x", "y", "z", "x"), 3);
    check("smembers", (await a.smembers(s)).sort(), ["x", "y", "z"]);
    check("smismember", await a.smismember(s, "x", "q"), [1, 0]);
    check("zadd", await a.zadd(z, 3, "c", 1, "a", 2, "b"), 3);
    check("zrange withscores", await a.zrange(z, 0, -1, "WITHSCORES"), ["a", "1", "b", "2", "c", "3"]);
    check("zincrby", await a.zincrby(z, "2.5", "a"), "3.5");
    check("zrangebyscore", await a.zrangebyscore(z, "(2", "+inf"), ["c", "a"]);
    check("zpopmin", await a.zpopmin(z), ["b", "2"]);
    check("types", await Promise.all([h, l, s, z].map((k) => a.type(k))), ["hash", "list", "set", "zset"]);
    // The same through one pipeline and one transaction (mixed types in one EXEC).
    const tx = await a.multi().hget(h, "f1").llen(l).scard(s).zscore(z, "c").exec();
    check("collections in multi", tx, [[null, "a"], [null, 2], [null, 3], [null, "3"]]);
    done.push("hash/list/set/zset");

    // Cleanup of what this run wrote.
    const del = a.pipeline();
    for (let i = 0; i < N; i++) del.del(`${P}:s:${i}`);
    for (let i = 0; i < 500; i++) del.del(`${P}:p:${i}`);
    await del.exec();
  } finally {
    a.disconnect();
    b.disconnect();
  }
  console.log(`ioredis ${require("ioredis/package.json").version} OK on port ${port}: ${done.join(", ")}`);
}

main().catch((e) => {
  console.error(`ioredis FAIL on port ${port} after [${done.join(", ")}]: ${e.message}`);
  process.exit(1);
});
