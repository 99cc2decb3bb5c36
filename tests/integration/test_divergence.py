"""Divergence is loud (issue 7): a node whose committed log conflicts with the leader's stops
serving with one clear log line naming the index and terms, and INFO raft shows it.

Made for real: a cluster runs and commits writes; it is torn down and a new cluster is formed on
the same ports (same cluster id), whose terms move on with two leadership transfers; then node 3's
data directory is replaced with its copy from the first cluster, as an operator restoring the
wrong backup would. Its committed entries contradict the new leader's log.
"""
import os
import shutil
import sys
import time
import unittest

import redis

sys.path.insert(0, os.path.dirname(__file__))
from cluster_harness import Cluster  # noqa: E402


class Divergence(unittest.TestCase):
    def setUp(self):
        self.c = Cluster(3)
        self.c.start()

    def tearDown(self):
        self.c.cleanup()

    def test_a_node_with_a_contradicted_log_stops_loudly(self):
        c = self.c
        lead = c.wait_leader()
        for k in range(300):
            c.client(lead).set(f"old:{k}", k)
        c.wait_applied(3, int(c.raft_info(lead)["raft_commit_index"]))
        for s in c.nodes.values():
            s.stop()
        saved = os.path.join(c.root, "node3-old")
        shutil.copytree(c.nodes[3].dir, saved)
        for s in c.nodes.values():
            shutil.rmtree(s.dir)
            os.makedirs(s.dir)
        c.start()  # a new cluster on the same ports
        for _ in range(2):
            lead = c.wait_leader()
            target = next(i for i in (1, 2) if i != lead)
            c.client(lead).execute_command("CLUSTER", "FAILOVER", c.node_id(target))
            deadline = time.time() + 10
            while time.time() < deadline and c.leader() != target:
                time.sleep(0.05)
        lead = c.wait_leader()
        self.assertNotEqual(lead, 3)
        for k in range(50):
            c.client(lead).set(f"new:{k}", k)

        c.kill9(3)
        shutil.rmtree(c.nodes[3].dir)
        shutil.copytree(saved, c.nodes[3].dir)
        c.nodes[3].start()
        deadline = time.time() + 15
        info = None
        while time.time() < deadline:
            info = c.raft_info(3)
            if info and info.get("raft_role") == "diverged":
                break
            time.sleep(0.1)
        self.assertEqual(info.get("raft_role"), "diverged", f"node 3 did not report divergence: {info}")
        self.assertIn("raft_divergence", info)
        with self.assertRaises(redis.ResponseError) as e:
            c.client(3).get("new:1")
        self.assertTrue(str(e.exception).startswith("DIVERGED"), str(e.exception))
        with self.assertRaises(redis.ResponseError):
            c.client(3).set("x", "y")
        time.sleep(1)
        lines = [l for l in c.nodes[3].log().splitlines() if "DIVERGED:" in l]
        self.assertEqual(len(lines), 1, lines)
        self.assertIn("committed log entry", lines[0])
        # The others keep serving.
        lead = c.wait_leader(among=[1, 2])
        self.assertTrue(c.client(lead).set("after", "1"))
        self.assertEqual(c.client(lead).get("new:49"), b"49")
        print("\n" + lines[0])


if __name__ == "__main__":
    unittest.main(verbosity=2)
