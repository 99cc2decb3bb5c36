"""Consumer groups through a 3-node cluster: consumers reading through different nodes get every
entry exactly once; the pending lists, consumers and delivery times (XINFO STREAM FULL, which
shows them raw) are identical on every node, also after a leader kill and on a node that caught up
by snapshot (the PEL is replicated state whose times come from the entries' clock)."""
import os
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from cluster_harness import Cluster  # noqa: E402


class ClusterStreamGroupsTest(unittest.TestCase):
    def setUp(self):
        self.c = Cluster(3, extra_args=["--log-compact-entries", "1000"]).start()

    def tearDown(self):
        self.c.cleanup()

    def raw(self, node):
        """A client whose replies are not reshaped by redis-py (its XCLAIM/XINFO parsers need
        per-call options)."""
        r = self.c.client(node)
        r.response_callbacks.clear()
        return r

    def local_views(self, *cmd):
        """cmd's reply on every live node, read locally (READONLY) once it applied the commit index."""
        commit = int(self.c.raft_info(self.c.leader())["raft_commit_index"])
        out = []
        for j in self.c.alive():
            self.c.wait_applied(j, commit, timeout=30)
            r = self.raw(j)
            r.execute_command("READONLY")
            out.append(r.execute_command(*cmd))
        return out

    def assert_same_everywhere(self, *cmd):
        views = self.local_views(*cmd)
        self.assertTrue(all(v == views[0] for v in views), f"replicas differ on {cmd}: {views}")
        return views[0]

    def consume(self, nodes, delivered, ack_every=3):
        """Consumer c<node> reads through its node until the group has nothing new for anyone."""
        progress = True
        n = 0
        while progress:
            progress = False
            for node in nodes:
                r = self.raw(node)
                reply = r.execute_command("XREADGROUP", "GROUP", "g", f"c{node}", "COUNT", "7", "STREAMS", "s", ">")
                if not reply:
                    continue
                progress = True
                for _key, entries in reply:
                    for eid, _fields in entries:
                        delivered.append((eid, node))
                        n += 1
                        if n % ack_every == 0:
                            self.assertEqual(r.execute_command("XACK", "s", "g", eid), 1)

    def test_consumers_on_every_node_and_a_leader_kill(self):
        w = self.raw(self.c.alive()[1])
        self.assertEqual(w.execute_command("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"), b"OK")
        ids = [self.c.client(self.c.alive()[n % 3]).xadd("s", {"n": str(n)}) for n in range(150)]
        delivered = []
        self.consume(self.c.alive(), delivered)
        got = [eid for eid, _ in delivered]
        self.assertEqual(sorted(got), sorted(ids), "every entry delivered exactly once")
        self.assertEqual(len({node for _, node in delivered}), 3, "every node's consumer got entries")
        # Claims move entries between consumers; both are log writes judged with the entry's clock.
        claimed = w.execute_command("XCLAIM", "s", "g", "claimer", "0", got[0], got[1], got[2], "JUSTID")  # got[2] was acked
        self.assertEqual(len(claimed), 2)
        auto = self.raw(self.c.alive()[2]).execute_command("XAUTOCLAIM", "s", "g", "auto", "0", "0", "COUNT", "5")
        self.assertEqual(len(auto[1]), 5)
        summary = self.assert_same_everywhere("XPENDING", "s", "g")
        self.assertEqual(summary[0], 100)  # 150 delivered, every third acknowledged
        self.assert_same_everywhere("XINFO", "STREAM", "s", "FULL", "COUNT", "0")
        self.assert_same_everywhere("XINFO", "GROUPS", "s")

        old = self.c.leader()
        self.c.kill9(old)
        self.c.wait_leader(exclude=old)
        alive = self.c.alive()
        more = [self.c.client(alive[n % 2]).xadd("s", {"n": f"after{n}"}) for n in range(60)]
        self.consume(alive, delivered, ack_every=2)
        got = [eid for eid, _ in delivered]
        self.assertEqual(sorted(got), sorted(ids + more), "every entry delivered exactly once across the kill")
        for eid in more[:10]:
            self.raw(alive[0]).execute_command("XACK", "s", "g", eid)
        self.assert_same_everywhere("XINFO", "STREAM", "s", "FULL", "COUNT", "0")

        # The old leader comes back and catches up; then a wiped node gets the groups by snapshot.
        self.c.restart(old)
        full = self.assert_same_everywhere("XINFO", "STREAM", "s", "FULL", "COUNT", "0")
        self.assertEqual(len(self.local_views("XINFO", "GROUPS", "s")), 3)
        p = self.c.client(self.c.leader()).pipeline(transaction=False)
        for n in range(2500):
            p.xadd(f"x{n % 10}", {"k": n})
        p.execute()
        victim = [j for j in self.c.alive() if j != self.c.leader()][0]
        self.c.restart(victim, wipe=True)
        after = self.assert_same_everywhere("XINFO", "STREAM", "s", "FULL", "COUNT", "0")
        self.assertEqual(after, full)
        self.assertIn("installed snapshot", self.c.nodes[victim].log())

    def test_blocking_reads_on_every_node_woken_by_xadd_elsewhere(self):
        """XREAD BLOCK ($, several streams) and XREADGROUP BLOCK parked on followers are woken by an
        XADD through another node; two group readers on different nodes never get the same entry."""
        leader = self.c.leader()
        f1, f2 = [j for j in self.c.alive() if j != leader]
        self.raw(leader).execute_command("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
        replies = {}

        def run(name, node, *cmd):
            replies[name] = self.raw(node).execute_command(*cmd)

        threads = [
            threading.Thread(target=run, args=("xread", f1, "XREAD", "BLOCK", "0", "STREAMS", "other", "s", "$", "$")),
            threading.Thread(target=run, args=("g1", f1, "XREADGROUP", "GROUP", "g", "c1", "BLOCK", "0", "STREAMS", "s", ">")),
            threading.Thread(target=run, args=("g2", f2, "XREADGROUP", "GROUP", "g", "c2", "BLOCK", "0", "STREAMS", "s", ">")),
        ]
        for t in threads:
            t.start()
        time.sleep(0.5)  # all parked
        self.assertEqual(replies, {})
        w = self.raw(leader)
        first = w.execute_command("XADD", "s", "*", "n", "1")
        time.sleep(0.5)
        second = w.execute_command("XADD", "s", "*", "n", "2")
        for t in threads:
            t.join(timeout=20)
            self.assertFalse(t.is_alive(), "a blocked read was never woken")
        self.assertEqual(replies["xread"], [[b"s", [[first, [b"n", b"1"]]]]])
        got = sorted(replies[n][0][1][0][0] for n in ("g1", "g2"))
        self.assertEqual(got, sorted([first, second]), "each entry to exactly one group reader")
        self.assert_same_everywhere("XINFO", "STREAM", "s", "FULL")
        # Timeouts are answered with a null reply; nothing new means no delivery.
        t0 = time.monotonic()
        self.assertIsNone(self.raw(f2).execute_command("XREADGROUP", "GROUP", "g", "c2", "BLOCK", "300", "STREAMS", "s", ">"))
        self.assertIsNone(self.raw(f1).execute_command("XREAD", "BLOCK", "300", "STREAMS", "s", "$"))
        self.assertGreater(time.monotonic() - t0, 0.55)


if __name__ == "__main__":
    unittest.main(verbosity=2)
