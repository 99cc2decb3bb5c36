"""A node that lost its data must never vote or acknowledge as its old self (issue 7).

The reproduction that lost 1,316 acknowledged writes before node identity was bound to the log:
  1. SIGSTOP follower F2;
  2. keep writing for 2 s, so recent acknowledged writes exist only on the leader L and F1;
  3. wipe F1's data directory and restart it with the same configuration;
  4. kill -9 L;
  5. SIGCONT F2.
The stale F2 must not win an election with the wiped F1's vote. Then L comes back, F1 rejoins
under a new id (the old one is removed, the new one added as a learner and promoted), and every
acknowledged write is there: SETs of unique keys, and INCR counters never go backwards.
"""
import os
import shutil
import signal
import sys
import threading
import time
import unittest

import redis

sys.path.insert(0, os.path.dirname(__file__))
from cluster_harness import Cluster  # noqa: E402


class Writers:
    """SETs of unique keys and INCRs of a few counters through every live node, recording acks."""

    def __init__(self, cluster, stopped):
        self.c = cluster
        self.stopped = stopped  # nodes not to send to (SIGSTOPped or killed)
        self.acked_sets = []
        self.acked_incr = {}   # counter -> highest acknowledged value
        self.run = True
        self.threads = [threading.Thread(target=self.sets, daemon=True),
                        threading.Thread(target=self.incrs, daemon=True)]

    def start(self):
        for t in self.threads:
            t.start()

    def stop(self):
        self.run = False
        for t in self.threads:
            t.join(timeout=30)

    def targets(self):
        return [i for i in self.c.alive() if i not in self.stopped]

    def call(self, i, *args):
        try:
            return self.c.client(i, socket_timeout=2, socket_connect_timeout=1).execute_command(*args)
        except (redis.RedisError, OSError):
            return None

    def sets(self):
        n = 0
        while self.run:
            for i in self.targets():
                key = f"k:{n}"
                if self.call(i, "SET", key, str(n)) is not None:
                    self.acked_sets.append(key)
                n += 1
            time.sleep(0.002)

    def incrs(self):
        n = 0
        while self.run:
            for i in self.targets():
                ctr = f"ctr:{n % 5}"
                v = self.call(i, "INCR", ctr)
                if v is not None:
                    self.acked_incr[ctr] = max(self.acked_incr.get(ctr, 0), int(v))
                n += 1
            time.sleep(0.002)


class WipeRejoin(unittest.TestCase):
    def setUp(self):
        self.c = Cluster(3).start()

    def tearDown(self):
        self.c.cleanup()

    def test_wiped_follower_never_votes_as_its_old_self(self):
        c = self.c
        lead = c.wait_leader()
        f1, f2 = [i for i in c.nodes if i != lead]
        old_f1_id = c.node_id(f1)
        stopped = set()
        w = Writers(c, stopped)
        w.start()
        time.sleep(1.0)

        stopped.add(f2)
        c.stop_signal(f2, signal.SIGSTOP)                 # (1)
        time.sleep(2.0)                                   # (2)
        acked_before = len(w.acked_sets)
        self.assertGreater(acked_before, 50, "no writes were acknowledged before the wipe")

        stopped.add(f1)
        c.kill9(f1)                                       # (3)
        shutil.rmtree(c.nodes[f1].dir)
        os.makedirs(c.nodes[f1].dir)
        c.nodes[f1].start(wait=False)
        time.sleep(1.5)  # F1 probes L and learns it is new to the cluster
        stopped.discard(f1)

        stopped.add(lead)
        c.kill9(lead)                                     # (4)
        stopped.discard(f2)
        c.stop_signal(f2, signal.SIGCONT)                 # (5)

        # The bug: F2 (stale) wins with the wiped F1's vote. With L down, F1 new and silent as
        # its old self, no majority exists: no leader may appear.
        deadline = time.time() + 6
        while time.time() < deadline:
            for i in (f1, f2):
                info = c.raft_info(i)
                self.assertFalse(info and info.get("raft_role") == "leader",
                                 f"node {i} became leader without a majority of intact voters: {info}")
            time.sleep(0.1)

        stopped.discard(lead)
        c.nodes[lead].start()                             # L comes back with its data
        c.wait_leader(timeout=20)
        # F1 rejoins under a new id and becomes a voter again; the old id is gone.
        deadline = time.time() + 30
        while time.time() < deadline:
            ids = {c.node_id(i) for i in c.nodes}
            if all(c.voters(i) == 3 for i in c.nodes) and c.node_id(f1) not in (None, old_f1_id) \
                    and None not in ids and len(ids) == 3:
                nodes = c.client(lead).execute_command("CLUSTER", "NODES").decode()
                if old_f1_id not in nodes and c.node_id(f1) in nodes:
                    break
            time.sleep(0.2)
        else:
            self.fail(f"F1 did not rejoin as a new voter: {[c.raft_info(i) for i in c.nodes]}")
        time.sleep(1.0)
        w.stop()

        leader = c.wait_leader()
        cl = c.client(leader, socket_timeout=20)
        missing = []
        keys = list(w.acked_sets)
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            vals = cl.mget(chunk)
            missing += [k for k, v in zip(chunk, vals) if v is None]
        self.assertEqual(missing, [], f"{len(missing)} of {len(keys)} acknowledged SETs lost")
        for ctr, v in w.acked_incr.items():
            now = int(cl.get(ctr) or 0)
            self.assertGreaterEqual(now, v, f"{ctr} went backwards: acknowledged {v}, now {now}")
        # Every node serves the same data (reads are linearizable through any node).
        size = cl.dbsize()
        self.assertEqual([c.client(i).dbsize() for i in c.nodes], [size] * 3)
        print(f"acknowledged: {len(keys)} SETs, counters {w.acked_incr}; {size} keys on every node")

    def test_every_node_wiped_in_turn(self):
        """Each node in turn loses its data and rejoins; the last one must find its place among
        peers that all answer under ids it cannot know (they rejoined before it)."""
        c = self.c
        stopped = set()
        w = Writers(c, stopped)
        w.start()
        old_ids = {i: c.node_id(i) for i in c.nodes}
        for i in c.nodes:
            time.sleep(1.0)
            stopped.add(i)
            c.kill9(i)
            shutil.rmtree(c.nodes[i].dir)
            os.makedirs(c.nodes[i].dir)
            c.nodes[i].start()
            stopped.discard(i)
            deadline = time.time() + 30
            while time.time() < deadline:
                info = c.raft_info(i)
                if info and info.get("raft_role") in ("follower", "leader") and all(c.voters(j) == 3 for j in c.nodes) \
                        and c.node_id(i) != old_ids[i]:
                    break
                time.sleep(0.2)
            else:
                self.fail(f"node {i} did not rejoin: {[c.raft_info(j) for j in c.nodes]}")
        w.stop()
        cl = c.client(c.wait_leader(), socket_timeout=20)
        keys = list(w.acked_sets)
        missing = []
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            missing += [k for k, v in zip(chunk, cl.mget(chunk)) if v is None]
        self.assertEqual(missing, [], f"{len(missing)} of {len(keys)} acknowledged SETs lost")
        self.assertEqual(len({c.node_id(i) for i in c.nodes} & set(old_ids.values())), 0)
        print(f"every node wiped in turn: {len(keys)} acknowledged SETs, none lost")


if __name__ == "__main__":
    unittest.main(verbosity=2)
