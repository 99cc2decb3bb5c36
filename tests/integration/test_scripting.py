"""Lua scripts on real processes (docs/scripting.md): a single node (the script cache survives a
restart, a runaway script is stopped by its budget while other clients keep being served, an
oversized script is refused) and a 3-node cluster (a randomized script workload with random,
TIME and expiry inside scripts through every node leaves identical data on every replica;
EVALSHA on a node after SCRIPT LOAD on another; a script never half-applies across a leader
kill -9). Byte-exact comparisons with redis-server are in compat_cases_scripting.txt."""
import hashlib
import os
import random
import sys
import threading
import time
import unittest

import redis

sys.path.insert(0, os.path.dirname(__file__))
from cluster_harness import Cluster  # noqa: E402
from harness import RawConn, Server  # noqa: E402

# A script that uses everything that could differ between replicas if it ran there naively:
# math.random, TIME, relative expiry, SRANDMEMBER and SPOP.
WORKLOAD = """
local n = math.random(1000)
local t = redis.call('time')
redis.call('incrby', KEYS[1], n)
redis.call('set', KEYS[2], t[1] .. '.' .. t[2] .. ':' .. n, 'px', math.random(50, 400))
redis.call('sadd', KEYS[3], n, math.random(5), ARGV[1])
redis.call('expire', KEYS[3], 30)
local pick = redis.call('srandmember', KEYS[3])
if math.random() < 0.3 then redis.call('spop', KEYS[3]) end
redis.call('rpush', KEYS[4], pick)
redis.call('ltrim', KEYS[4], -20, -1)
redis.call('zadd', KEYS[5], math.random(), ARGV[1])
return {n, pick}
"""

# A transfer between two counters: either both changes happen or neither.
TRANSFER = """
local a = tonumber(redis.call('get', KEYS[1]) or '0')
redis.call('set', KEYS[1], a - ARGV[1])
for i = 1, 200 do redis.call('incr', 'work') end
redis.call('incrby', KEYS[2], ARGV[1])
return redis.call('get', KEYS[2])
"""


def digest(r):
    """A digest of every key of db 0 as this connection's node has it (type, value, absolute expiry)."""
    items = []
    for key in sorted(r.scan_iter(count=1000)):
        t = r.type(key)
        if t == b"none":  # expired (deleted by active expiry on some nodes sooner than on others)
            continue
        if t == b"string":
            v = r.get(key)
        elif t == b"list":
            v = r.lrange(key, 0, -1)
        elif t == b"set":
            v = sorted(r.smembers(key))
        elif t == b"zset":
            v = r.zrange(key, 0, -1, withscores=True)
        elif t == b"hash":
            v = sorted(r.hgetall(key).items())
        else:
            v = None
        items.append((key, t, repr(v), r.execute_command("PEXPIRETIME", key)))
    return hashlib.sha1(repr(items).encode()).hexdigest(), len(items)


class SingleNodeScriptingTest(unittest.TestCase):
    def setUp(self):
        self.s = Server().start()

    def tearDown(self):
        self.s.cleanup()

    def test_cache_survives_restart_and_runaway_scripts_are_bounded(self):
        r = redis.Redis(port=self.s.port, socket_timeout=20)
        sha = r.script_load("return redis.call('incr', KEYS[1])")
        self.assertEqual(r.evalsha(sha, 1, "c"), 1)
        r.function_load("#!lua name=keep\nredis.register_function('keep', function() return 'kept' end)")
        self.s.kill9()
        self.s.start()
        r = redis.Redis(port=self.s.port, socket_timeout=20)
        self.assertEqual(r.script_exists(sha), [True])
        self.assertEqual(r.evalsha(sha, 1, "c"), 2)
        self.assertEqual(r.fcall("keep", 0), b"kept")  # functions survive the restart too

        # A runaway script ends with the budget error; another client is served meanwhile and
        # right after.
        other = redis.Redis(port=self.s.port, socket_timeout=20)
        errors, latencies = [], []

        def runaway():
            try:
                r.eval("while true do redis.call('incr', 'spin') end", 0)
            except redis.ResponseError as e:
                errors.append(str(e))

        th = threading.Thread(target=runaway)
        start = time.time()
        th.start()
        while th.is_alive() and time.time() - start < 30:
            t0 = time.time()
            other.ping()
            latencies.append(time.time() - t0)
        th.join(30)
        self.assertEqual(len(errors), 1)
        self.assertIn("lua-instruction-limit", errors[0])
        self.assertLess(time.time() - start, 10)
        self.assertLess(max(latencies), 5)
        self.assertEqual(other.get("c"), b"2")
        self.assertGreater(int(other.get("spin")), 0)  # not rolled back, as Redis

        # Memory-hungry and oversized scripts: errors, nothing crashes.
        with self.assertRaises(redis.ResponseError) as cm:
            r.eval("local t = {} for i = 1, 1e9 do t[i] = string.rep('x', 100) .. i end", 0)
        self.assertIn("not enough memory", str(cm.exception))
        with self.assertRaises(redis.ResponseError) as cm:
            r.eval("return 1 --" + "x" * (5 << 20), 0)
        self.assertIn("larger than", str(cm.exception))
        self.assertEqual(r.eval("return 'alive'", 0), b"alive")


class ClusterScriptingTest(unittest.TestCase):
    def setUp(self):
        self.c = Cluster(3).start()

    def tearDown(self):
        self.c.cleanup()

    def settle(self):
        leader = self.c.wait_leader()
        commit = int(self.c.raft_info(leader)["raft_commit_index"])
        for i in self.c.alive():
            self.c.wait_applied(i, commit)

    def local(self, i):
        r = self.c.client(i)
        r.execute_command("READONLY")
        return r

    def test_random_workload_identical_on_every_node_and_evalsha_anywhere(self):
        rng = random.Random(11)
        clients = {i: self.c.client(i) for i in self.c.nodes}
        # SCRIPT LOAD on one node, EVALSHA through the others.
        sha = clients[1].script_load(WORKLOAD)
        self.assertEqual(clients[2].script_exists(sha), [True])
        replies = []
        for n in range(150):
            i = rng.choice(list(clients))
            g = rng.randrange(8)
            keys = [f"cnt{g}", f"str{g}", f"set{g}", f"list{g}", f"z{g}"]
            if n % 3 == 0:
                replies.append(clients[i].eval(WORKLOAD, 5, *keys, f"m{n}"))
            else:
                replies.append(clients[i].evalsha(sha, 5, *keys, f"m{n}"))
            if n % 50 == 25:
                time.sleep(0.3)  # let some PX expiries pass between scripts
        self.assertEqual(len(replies), 150)
        # A read-only script on a follower sees the state behind the read barrier.
        leader = self.c.leader()
        follower = next(i for i in self.c.nodes if i != leader)
        total = sum(int(clients[leader].get(f"cnt{g}") or 0) for g in range(8))
        self.assertEqual(clients[follower].eval_ro(
            "local s = 0 for i = 1, #KEYS do s = s + tonumber(redis.call('get', KEYS[i]) or '0') end return s",
            8, *[f"cnt{g}" for g in range(8)]), total)
        # The PX keys (at most 400 ms) expire on every node's clock before the digests are taken:
        # a key expiring between two nodes' digests would only be a race of this test.
        time.sleep(0.6)
        self.settle()
        digests = {i: digest(self.local(i)) for i in self.c.nodes}
        self.assertEqual(len(set(digests.values())), 1, digests)
        self.assertGreater(digests[1][1], 10)
        # FUNCTION LOAD through one follower, FCALL/FCALL_RO through every node.
        clients[follower].function_load(
            "#!lua name=lib\nredis.register_function('add', function(k, a) return redis.call('incrby', k[1], a[1]) end)\n"
            "redis.register_function{function_name='peek', callback=function(k) return redis.call('get', k[1]) end, "
            "flags={'no-writes'}}")
        for i in self.c.nodes:
            clients[i].fcall("add", 1, "fsum", i)
        for i in self.c.nodes:
            self.assertEqual(clients[i].fcall_ro("peek", 1, "fsum"), b"6")
        # A script queued in MULTI on a follower that is over its own maxmemory at EXEC: the
        # follower's verdict travels in the entry ('&'), so every node refuses the script's SET
        # alike (docs/scripting.md "maxmemory inside scripts").
        conn = RawConn(self.c.ports[follower])
        self.assertEqual(conn.call("MULTI"), b"+OK\r\n")
        self.assertEqual(conn.call("EVAL", "return redis.call('set', KEYS[1], 'x')", "1", "oomkey"), b"+QUEUED\r\n")
        self.assertEqual(conn.call("EVAL", "redis.call('del', 'nokey') return redis.call('set', KEYS[1], 'y')", "1",
                                   "oomkey2"), b"+QUEUED\r\n")
        clients[follower].config_set("maxmemory", 1)
        try:
            reply = conn.call("EXEC")
        finally:
            clients[follower].config_set("maxmemory", 0)
            conn.close()
        self.assertTrue(reply.startswith(b"*2\r\n-OOM command not allowed when used memory > 'maxmemory'. script: "), reply)
        self.assertTrue(reply.endswith(b"+OK\r\n"), reply)
        self.settle()
        for i in self.c.nodes:
            self.assertEqual(self.local(i).get("oomkey"), None, f"node {i}")
            self.assertEqual(self.local(i).get("oomkey2"), b"y", f"node {i}")
        # SCRIPT FLUSH through a follower reaches every node.
        clients[follower].script_flush()
        self.settle()
        for i in self.c.nodes:
            self.assertEqual(self.local(i).script_exists(sha), [False], f"node {i}")
        with self.assertRaises(redis.exceptions.NoScriptError):
            clients[leader].evalsha(sha, 5, *keys, "x")

    def test_scripts_never_half_apply_across_a_leader_kill(self):
        r = self.c.client(1)
        r.mset({"acct:a": 100000, "acct:b": 0})
        sha = r.script_load(TRANSFER)
        stop = threading.Event()
        acked = []

        def worker(node):
            cl = None
            while not stop.is_set():
                try:
                    if cl is None:
                        cl = self.c.client(node, socket_timeout=5)
                    cl.evalsha(sha, 2, "acct:a", "acct:b", 1)
                    acked.append(1)
                except (redis.ConnectionError, redis.TimeoutError, redis.ResponseError):
                    cl = None
                    time.sleep(0.05)

        threads = [threading.Thread(target=worker, args=(i,)) for i in self.c.nodes for _ in range(2)]
        for t in threads:
            t.start()
        time.sleep(2)
        old = self.c.leader()
        self.c.kill9(old)
        self.c.wait_leader(exclude=old, timeout=20)
        time.sleep(2)
        self.c.restart(old)
        time.sleep(1)
        stop.set()
        for t in threads:
            t.join(20)
        self.settle()
        for i in self.c.nodes:
            r = self.local(i)
            a, b, work = int(r.get("acct:a")), int(r.get("acct:b")), int(r.get("work") or 0)
            self.assertEqual(a + b, 100000, f"node {i}: a half-applied transfer")
            self.assertEqual(work, 200 * b, f"node {i}")
            self.assertGreaterEqual(b, len(acked), f"node {i}: an acknowledged script was lost")
        self.assertGreater(len(acked), 10)
        digests = {i: digest(self.local(i)) for i in self.c.nodes}
        self.assertEqual(len(set(digests.values())), 1, digests)


if __name__ == "__main__":
    unittest.main(verbosity=2)
