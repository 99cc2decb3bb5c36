// ioredis Cluster and plain client against a running redraft cluster (a manual check; needs
// npm install ioredis@5 in this folder or NODE_PATH): node ioredis_check.js 7001 7002 7003
const Redis = require("ioredis");
const ports = process.argv.slice(2).map(Number);
(async () => {
  const cluster = new Redis.Cluster(ports.map((port) => ({ host: "127.0.0.1", port })));
  for (let i = 0; i < 200; i++) await cluster.set(`io:${i}`, `v${i}`);
  const v = await cluster.get("io:123");
  if (v !== "v123") throw new Error("cluster get returned " + v);
  const plain = new Redis({ port: ports[ports.length - 1] });
  const w = await plain.get("io:7");
  if (w !== "v7") throw new Error("plain get returned " + w);
  await plain.set("io:plain", "ok");
  console.log("ioredis OK:", v, w, await cluster.get("io:plain"), (await cluster.cluster("SLOTS")).length, "slot range(s)");
  cluster.disconnect(); plain.disconnect();
})().catch((e) => { console.error("FAIL", e); process.exit(1); });
