// node-redis 4 (the npm package "redis") against a running redraft node (started by
// tests/integration/test_node_clients.py):
//   node node_redis_test.js PORT OTHER_PORT PREFIX
// PORT is the node under test (the single node, or a follower of a cluster); OTHER_PORT is another
// connection (the same node, or another node of the cluster) that makes the WATCH conflict.
// Prints one summary line and exits 0, or prints what differed and exits 1.
"use strict";
const { createClient, WatchError } = require("redis");
const assert = require("assert");

const [port, otherPort] = process.argv.slice(2, 4).map(Number);
const P = process.argv[4] || "nr";
const done = [];

function check(name, actual, expected) {
  try {
    assert.deepStrictEqual(actual, expected);
  } catch (e) {
    throw new Error(`${name}: got ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
  }
}

function client(p) {
  const c = createClient({ socket: { host: "127.0.0.1", port: p, connectTimeout: 10000, reconnectStrategy: false },
    commandsQueueMaxLength: 10000 });
  c.on("error", (e) => { console.error(`node-redis FAIL on port ${port}: connection error: ${e.message}`); process.exit(1); });
  return c;
}

async function main() {
  const a = client(port);
  const b = client(otherPort);
  await a.connect();
  await b.connect();
  try {
    // multi().exec(): the replies in command order.
    await a.del([`${P}:m`, `${P}:ml`]);
    const res = await a.multi().set(`${P}:m`, "1").incr(`${P}:m`).rPush(`${P}:ml`, ["x", "y"])
      .lRange(`${P}:ml`, 0, -1).get(`${P}:m`).exec();
    check("multi exec", res, ["OK", 2, 2, ["x", "y"], "2"]);
    // An error inside EXEC: node-redis rejects with MultiErrorReply naming the failed command;
    // the other commands ran.
    let multiErr = null;
    try {
      await a.multi().set(`${P}:m`, "5").lPush(`${P}:m`, "z").get(`${P}:m`).exec();
    } catch (e) {
      multiErr = e;
    }
    if (!multiErr || !Array.isArray(multiErr.replies))
      throw new Error(`multi with WRONGTYPE inside: expected a MultiErrorReply, got ${multiErr}`);
    check("MultiErrorReply.errorIndexes", multiErr.errorIndexes, [1]);
    check("MultiErrorReply.replies[0,2]", [multiErr.replies[0], multiErr.replies[2]], ["OK", "5"]);
    if (!/^WRONGTYPE/.test(multiErr.replies[1].message))
      throw new Error(`MultiErrorReply.replies[1]: ${multiErr.replies[1].message}`);
    done.push("multi().exec()");

    // executeIsolated + WATCH: a conflict from another connection (another node) -> WatchError.
    await a.set(`${P}:w`, "10");
    const ok = await a.executeIsolated(async (iso) => {
      await iso.watch(`${P}:w`);
      return iso.multi().incr(`${P}:w`).exec();
    });
    check("isolated watch, no conflict", ok, [11]);
    let watchErr = null;
    try {
      await a.executeIsolated(async (iso) => {
        await iso.watch(`${P}:w`);
        check("watched value", await iso.get(`${P}:w`), "11");
        await b.set(`${P}:w`, "100");
        return iso.multi().incr(`${P}:w`).exec();
      });
    } catch (e) {
      watchErr = e;
    }
    if (!(watchErr instanceof WatchError))
      throw new Error(`watch conflict: expected WatchError, got ${watchErr ? watchErr.stack : "success"}`);
    check("value after the conflict", await a.get(`${P}:w`), "100");
    done.push("executeIsolated/WATCH conflict -> WatchError");

    // multi().execAsPipeline() of 1000 commands, and 1000 auto-pipelined commands.
    const m = a.multi();
    for (let i = 0; i < 500; i++) m.set(`${P}:p:${i}`, `v${i}`);
    for (let i = 0; i < 500; i++) m.get(`${P}:p:${i}`);
    const pres = await m.execAsPipeline();
    check("execAsPipeline length", pres.length, 1000);
    for (let i = 0; i < 500; i++) {
      check(`pipeline set ${i}`, pres[i], "OK");
      check(`pipeline get ${i}`, pres[500 + i], `v${i}`);
    }
    const auto = await Promise.all(Array.from({ length: 1000 }, (_, i) => a.incr(`${P}:auto`)));
    check("auto-pipelined INCRs", auto, Array.from({ length: 1000 }, (_, i) => i + 1));
    done.push("execAsPipeline(1000), auto-pipelining(1000)");

    // scanIterator over 2000 keys: node-redis 4 turns SCAN cursors into JS numbers.
    const N = 2000;
    const fill = a.multi();
    for (let i = 0; i < N; i++) fill.set(`${P}:s:${i}`, String(i));
    await fill.execAsPipeline();
    const seen = new Set();
    for await (const k of a.scanIterator({ MATCH: `${P}:s:*`, COUNT: 100 })) seen.add(k);
    check("scanIterator keys seen", seen.size, N);
    for (let i = 0; i < N; i++) if (!seen.has(`${P}:s:${i}`)) throw new Error(`scanIterator missed ${P}:s:${i}`);
    // The cursors themselves: every one is a safe integer that round-trips through a JS number.
    let cursor = 0, steps = 0;
    do {
      const r = await a.scan(cursor, { MATCH: `${P}:s:*`, COUNT: 100 });
      if (!Number.isSafeInteger(r.cursor)) throw new Error(`SCAN cursor ${r.cursor} is not a safe integer`);
      cursor = r.cursor;
      steps++;
    } while (cursor !== 0 && steps < 10000);
    check("SCAN finished", cursor, 0);
    // HSCAN / SSCAN / ZSCAN iterators over collections of 2000.
    const hk = `${P}:bigh`, sk = `${P}:bigs`, zk = `${P}:bigz`;
    await a.del([hk, sk, zk]);
    const big = Array.from({ length: N }, (_, i) => `m${i}`);
    await a.hSet(hk, Object.fromEntries(big.map((x) => [x, "1"])));
    await a.sAdd(sk, big);
    await a.zAdd(zk, big.map((x, i) => ({ score: i, value: x })));
    const hs = new Set(), ss = new Set(), zs = new Set();
    for await (const { field } of a.hScanIterator(hk, { COUNT: 50 })) hs.add(field);
    for await (const x of a.sScanIterator(sk, { COUNT: 50 })) ss.add(x);
    for await (const { value } of a.zScanIterator(zk, { COUNT: 50 })) zs.add(value);
    check("hScanIterator/sScanIterator/zScanIterator sizes", [hs.size, ss.size, zs.size], [N, N, N]);
    done.push(`scanIterator(${N}) + hScan/sScan/zScan iterators`);

    // Collections round trip.
    const h = `${P}:h`, l = `${P}:l`, s = `${P}:set`, z = `${P}:z`;
    await a.del([h, l, s, z]);
    check("hSet", await a.hSet(h, { f1: "a", f2: "b", f3: "c" }), 3);
    check("hGetAll", { ...(await a.hGetAll(h)) }, { f1: "a", f2: "b", f3: "c" });
    check("hIncrBy", await a.hIncrBy(h, "n", 5), 5);
    check("hIncrByFloat", await a.hIncrByFloat(h, "fl", 1.5), "1.5");
    check("hDel", await a.hDel(h, "f2"), 1);
    check("hmGet", await a.hmGet(h, ["f1", "f2", "n"]), ["a", null, "5"]);
    check("rPush", await a.rPush(l, ["1", "2", "3"]), 3);
    check("lPush", await a.lPush(l, "0"), 4);
    check("lRange", await a.lRange(l, 0, -1), ["0", "1", "2", "3"]);
    check("lPopCount", await a.lPopCount(l, 2), ["0", "1"]);
    check("lMove", await a.lMove(l, l, "RIGHT", "LEFT"), "3");
    check("lRange after lMove", await a.lRange(l, 0, -1), ["3", "2"]);
    check("sAdd", await a.sAdd(s, ["x", "y", "z", "x"]), 3);
    check("sMembers", (await a.sMembers(s)).sort(), ["x", "y", "z"]);
    check("sIsMember", await a.sIsMember(s, "y"), true);
    check("smIsMember", await a.smIsMember(s, ["x", "q"]), [true, false]);
    check("zAdd", await a.zAdd(z, [{ score: 3, value: "c" }, { score: 1, value: "a" }, { score: 2, value: "b" }]), 3);
    check("zRangeWithScores", await a.zRangeWithScores(z, 0, -1),
      [{ value: "a", score: 1 }, { value: "b", score: 2 }, { value: "c", score: 3 }]);
    check("zIncrBy", await a.zIncrBy(z, 2.5, "a"), 3.5);
    check("zRangeByScore", await a.zRangeByScore(z, "(2", "+inf"), ["c", "a"]);
    check("zPopMin", await a.zPopMin(z), { value: "b", score: 2 });
    check("zScore", await a.zScore(z, "c"), 3);
    check("types", await Promise.all([h, l, s, z].map((k) => a.type(k))), ["hash", "list", "set", "zset"]);
    const tx = await a.multi().hGet(h, "f1").lLen(l).sCard(s).zScore(z, "c").exec();
    check("collections in multi", tx, ["a", 2, 3, 3]);
    done.push("hash/list/set/zset");

    const keys = [];
    for (let i = 0; i < N; i++) keys.push(`${P}:s:${i}`);
    for (let i = 0; i < 500; i++) keys.push(`${P}:p:${i}`);
    await a.del(keys.concat([hk, sk, zk]));
  } finally {
    await Promise.allSettled([a.quit(), b.quit()]);
  }
  console.log(`node-redis ${require("redis/package.json").version} OK on port ${port}: ${done.join(", ")}`);
}

main().catch((e) => {
  console.error(`node-redis FAIL on port ${port} after [${done.join(", ")}]: ${e.message}`);
  process.exit(1);
});
