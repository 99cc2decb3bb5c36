"""maxmemory and eviction through a 3-node cluster (docs/memory.md): under every policy, writes
far past maxmemory through every node keep the dataset near the limit, the replicas end with
identical key sets (evictions are log entries), reads keep working, volatile policies evict only
keys with a TTL, keys read through a follower survive allkeys-lru (access hints reach the
leader), and noeviction answers -OOM on every node while reads and DEL still work."""
import os
import sys
import time
import unittest

import redis

sys.path.insert(0, os.path.dirname(__file__))
from cluster_harness import ClusterTestCase  # noqa: E402

MAXMEMORY = 100_000  # logical bytes (KeyCharge): about 550 of the keys below
VALUE = b"v" * 100


def info(r, section):
    return r.info(section)


class EvictionClusterTest(ClusterTestCase):
    # Compaction every 1,000 entries: a wiped node catches up by snapshot (the wipe test).
    cluster_args = ("--log-compact-entries", "1000")

    def set_all(self, **params):
        for i in self.c.alive():
            r = self.c.client(i)
            for k, v in params.items():
                r.config_set(k.replace("_", "-"), v)

    def wait_same_applied(self, timeout=20):
        """Until every node applied the same index (no write in flight, evictions included)."""
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            idx = [self.c.client(i).info("persistence")["store_applied_index"] for i in self.c.alive()]
            if len(set(idx)) == 1 and idx == last:
                return idx[0]
            last = idx
            time.sleep(0.3)
        raise AssertionError(f"nodes did not converge: {last}")

    def local_keys(self, i):
        r = self.c.client(i)
        r.execute_command("READONLY")  # this node's own applied state, no forwarding
        return set(r.keys("*"))

    def fill(self, prefix, n, ex=None, chunk=100):
        """n keys written in pipelined chunks, round robin over the three nodes; returns the
        largest used_memory the leader reported between chunks."""
        nodes = self.c.alive()
        peak = 0
        leader = self.c.client(self.c.leader())
        for start in range(0, n, chunk):
            p = self.c.client(nodes[(start // chunk) % len(nodes)]).pipeline(transaction=False)
            for j in range(start, min(n, start + chunk)):
                p.set(f"{prefix}:{j:06d}", VALUE, ex=ex)
            p.execute()
            peak = max(peak, info(leader, "memory")["used_memory"])
        return peak

    def check_converged(self, policy):
        self.wait_same_applied()
        sets = {i: self.local_keys(i) for i in self.c.alive()}
        first = next(iter(sets.values()))
        for i, s in sets.items():
            self.assertEqual(s, first, f"{policy}: node {i} holds other keys")
        used = {i: info(self.c.client(i), "memory")["used_memory"] for i in self.c.alive()}
        self.assertEqual(len(set(used.values())), 1, f"{policy}: used_memory differs: {used}")
        return first, next(iter(used.values()))

    def test_every_policy_keeps_the_limit_and_identical_replicas(self):
        for policy in ("allkeys-lru", "allkeys-lfu", "allkeys-random", "volatile-lru", "volatile-lfu",
                       "volatile-random", "volatile-ttl"):
            with self.subTest(policy=policy):
                self.c.client(self.c.leader()).flushall()
                self.set_all(maxmemory=0, maxmemory_policy=policy)
                volatile = policy.startswith("volatile")
                if volatile:  # persistent keys: never evicted under a volatile policy
                    self.fill("keep", 100)
                self.set_all(maxmemory=MAXMEMORY)
                evicted_before = sum(info(self.c.client(i), "stats")["evicted_keys"] for i in self.c.alive())
                peak = self.fill("k", 2500, ex=3600 if volatile else None)
                keys, used = self.check_converged(policy)
                print(f"\n  {policy}: limit {MAXMEMORY}, peak during the burst {peak}, settled {used}, "
                      f"{len(keys)} keys", end="")
                self.assertLessEqual(used, MAXMEMORY * 1.05, policy)
                self.assertGreater(used, MAXMEMORY * 0.5, policy)  # evicted what was needed, not all
                self.assertLessEqual(peak, MAXMEMORY * 1.10, f"{policy}: the burst ran ahead of eviction")
                evicted = sum(info(self.c.client(i), "stats")["evicted_keys"] for i in self.c.alive())
                self.assertGreater(evicted, evicted_before, policy)
                if volatile:
                    self.assertEqual(sum(1 for k in keys if k.startswith(b"keep:")), 100, policy)
                # Reads keep working, through every node.
                some = sorted(k for k in keys if k.startswith(b"k:"))[-1]
                for i in self.c.alive():
                    self.assertEqual(self.c.client(i).get(some), VALUE)
        self.set_all(maxmemory=0, maxmemory_policy="noeviction")

    def test_keys_read_through_a_follower_survive_allkeys_lru(self):
        self.c.client(self.c.leader()).flushall()
        self.set_all(maxmemory=0, maxmemory_policy="allkeys-lru")
        hot = [f"hot:{j:03d}" for j in range(50)]
        leader = self.c.leader()
        follower = next(i for i in self.c.alive() if i != leader)
        w = self.c.client(leader)
        for k in hot:
            w.set(k, VALUE)
        self.set_all(maxmemory=MAXMEMORY)
        r = self.c.client(follower)
        for start in range(0, 3000, 100):
            p = w.pipeline(transaction=False)
            for j in range(start, start + 100):
                p.set(f"cold:{j:06d}", VALUE)
            p.execute()
            r.mget(hot)  # used through the follower only: its hints must reach the leader
            time.sleep(0.02)
        keys, _ = self.check_converged("allkeys-lru")
        survivors = sum(1 for k in hot if k.encode() in keys)
        self.assertGreaterEqual(survivors, 40, f"only {survivors} of 50 hot keys survived")
        self.set_all(maxmemory=0, maxmemory_policy="noeviction")

    def test_evicted_keyspace_events_reach_subscribers_of_a_follower(self):
        self.c.client(self.c.leader()).flushall()
        self.set_all(maxmemory=0, maxmemory_policy="allkeys-random", notify_keyspace_events="Ee")
        follower = next(i for i in self.c.alive() if i != self.c.leader())
        sub = self.c.client(follower).pubsub()
        sub.subscribe("__keyevent@0__:evicted")
        sub.get_message(timeout=2)  # the subscribe confirmation
        self.set_all(maxmemory=MAXMEMORY)
        self.fill("e", 1000)
        self.wait_same_applied()
        evicted, deadline = set(), time.time() + 10
        while time.time() < deadline:
            m = sub.get_message(timeout=0.5)
            if m and m["type"] == "message":
                evicted.add(m["data"])
            elif m is None and evicted:
                break
        sub.close()
        left = self.local_keys(follower)
        self.assertGreater(len(evicted), 300)
        self.assertEqual(left & evicted, set())  # every event names a key that is gone
        self.assertEqual(len(left) + len(evicted), 1000)  # and every key gone has its event
        self.set_all(maxmemory=0, maxmemory_policy="noeviction", notify_keyspace_events="")

    def test_a_wiped_follower_caught_up_by_snapshot_reports_the_same_used_memory(self):
        """The logical size of a snapshot installed by a node that lost its data equals the
        size every other node kept at apply."""
        self.c.client(self.c.leader()).flushall()
        self.set_all(maxmemory=0, maxmemory_policy="allkeys-lru")
        self.fill("s", 1500)
        leader = self.c.leader()
        follower = next(i for i in self.c.alive() if i != leader)
        target = self.c.client(leader).info("persistence")["store_applied_index"]
        self.c.restart(follower, wipe=True)
        deadline = time.time() + 60
        while self.c.client(follower).info("persistence")["store_applied_index"] < target:
            self.assertLess(time.time(), deadline, "the wiped node did not catch up")
            time.sleep(0.1)
        self.set_all(maxmemory=MAXMEMORY, maxmemory_policy="allkeys-lru")  # the restarted node: defaults
        self.fill("t", 500)
        keys, used = self.check_converged("after wipe")
        self.assertGreaterEqual(int(self.c.raft_info(follower).get("raft_snapshots_installed", 0)), 1)
        self.assertLessEqual(used, MAXMEMORY * 1.05)
        self.set_all(maxmemory=0, maxmemory_policy="noeviction")

    def test_noeviction_answers_oom_on_every_node_and_reads_still_work(self):
        self.c.client(self.c.leader()).flushall()
        self.set_all(maxmemory=0, maxmemory_policy="noeviction")
        self.fill("n", 700)
        self.set_all(maxmemory=MAXMEMORY)
        self.wait_same_applied()
        for i in self.c.alive():
            r = self.c.client(i)
            with self.assertRaisesRegex(redis.exceptions.ResponseError,
                                        "^OOM command not allowed when used memory > 'maxmemory'.$"):
                r.set("more", "x")
            with self.assertRaises(redis.exceptions.ResponseError):
                r.incr("counter")
            self.assertEqual(r.get("n:000001"), VALUE)  # reads work
            self.assertEqual(r.info("stats")["evicted_keys"] >= 0, True)
        # A transaction queued under the limit, EXEC'd over it: discarded, as Redis's execCommandAbort.
        self.set_all(maxmemory=0)
        t = self.c.client(self.c.alive()[1], single_connection_client=True)
        t.execute_command("MULTI")
        t.execute_command("SET", "queued", "x")
        self.set_all(maxmemory=MAXMEMORY)
        with self.assertRaisesRegex(redis.exceptions.ResponseError,
                                    "^Transaction discarded because of: OOM command not allowed"):
            t.execute_command("EXEC")
        with self.assertRaisesRegex(redis.exceptions.ResponseError, "EXEC without MULTI"):
            t.execute_command("EXEC")
        t.close()
        self.assertEqual(self.c.client(self.c.alive()[0]).delete("n:000001"), 1)  # DEL is not denyoom
        self.assertEqual(len(self.local_keys(self.c.leader())), 699)
        self.set_all(maxmemory=0)
        self.assertTrue(self.c.client(self.c.leader()).set("more", "x"))


if __name__ == "__main__":
    unittest.main(verbosity=2)
