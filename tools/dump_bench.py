#!/usr/bin/env python3
"""DUMP + RESTORE REPLACE pairs per second, redis-server (appendfsync always) vs a redraft single
node, interleaved rounds (best of 3), pipelines of 10. Usage: /usr/bin/python3 tools/dump_bench.py"""
import sys, time
import os
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "integration"))
import redis
from harness import RedisServer, Server
ref = RedisServer(["--appendonly", "yes", "--appendfsync", "always"]).start()
srv = Server().start()
dbs = {"redis(aof always)": redis.Redis(port=ref.port), "redraft": redis.Redis(port=srv.port)}
cases = {
    "string 100B": lambda r: r.set("k", "x" * 100),
    "hash 100 fields": lambda r: r.hset("k", mapping={"f%d" % i: "v" * 20 for i in range(100)}),
    "zset 1000": lambda r: r.zadd("k", {"m%d" % i: i for i in range(1000)}),
}
N = 300
res = {}
for name, build in cases.items():
    for label, r in dbs.items():
        r.delete("k"); build(r)
    for rnd in range(3):
        for label, r in dbs.items():
            p = r.pipeline(transaction=False)
            t0 = time.perf_counter()
            for i in range(N // 10):
                for j in range(10):
                    p.dump("k")
                pl = p.execute()
                for j in range(10):
                    p.restore("k2", 0, pl[j], replace=True)
                p.execute()
            dt = time.perf_counter() - t0
            res.setdefault((name, label), []).append(N / dt)
for name in cases:
    a = max(res[(name, "redis(aof always)")]); b = max(res[(name, "redraft")])
    print(f"{name:16s} redis {a:8.0f} pairs/s  redraft {b:8.0f} pairs/s  ratio {b/a:.2f}")
srv.stop(); ref.cleanup()
