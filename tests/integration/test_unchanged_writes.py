"""A write that changes nothing (SETBIT of a bit already as asked) is answered as a linearizable
read, not through the log (docs/unchanged_writes.md): no entry is committed for it, pipelines
around it keep Redis's order, and through a follower it sees every write acknowledged before it,
the follower's own stale state notwithstanding. Replies are compared with redis-server where they
are visible (compat_cases_bits.txt has the WATCH/ACL/OOM cases, test_tracking.py and
test_pubsub_diff.py the invalidations and notifications)."""
import os
import signal
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cluster_harness import Cluster  # noqa: E402
from harness import RawConn, RedisServer, Server, encode  # noqa: E402


def info_int(conn, field):
    for line in conn.call("INFO", "raft").decode().split("\r\n"):
        if line.startswith(field + ":"):
            return int(line.split(":", 1)[1])
    raise AssertionError(f"no {field} in INFO raft")


def pipeline(conn, cmds):
    conn.send(b"".join(encode(*c) for c in cmds))
    return [conn.reply() for _ in cmds]


class SingleNodeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = Server().start()
        cls.redis = RedisServer().start()

    @classmethod
    def tearDownClass(cls):
        cls.srv.cleanup()
        cls.redis.cleanup()

    def setUp(self):
        self.c = RawConn(self.srv.port, timeout=30)
        self.c.call("FLUSHALL")

    def tearDown(self):
        self.c.close()

    def settled_commit_index(self):
        """The commit index once nothing else is in flight (the FLUSHALL, the leader's entries)."""
        last, deadline = None, time.time() + 10
        while time.time() < deadline:
            cur = info_int(self.c, "raft_commit_index")
            if cur == last and info_int(self.c, "raft_applied_index") == cur:
                return cur
            last = cur
            time.sleep(0.2)
        raise AssertionError("the commit index does not settle")

    def test_unchanged_setbit_is_not_logged(self):
        self.assertEqual(self.c.call("SETBIT", "k", "7", "1"), b":0\r\n")
        self.assertEqual(self.c.call("SETBIT", "k", "100", "0"), b":0\r\n")  # grown: logged
        before = self.settled_commit_index()
        for _ in range(50):
            self.assertEqual(self.c.call("SETBIT", "k", "7", "1"), b":1\r\n")
            self.assertEqual(self.c.call("SETBIT", "k", "100", "0"), b":0\r\n")
        replies = pipeline(self.c, [("SETBIT", "k", "7", "1"), ("GETBIT", "k", "7"), ("SETBIT", "k", "3", "0")] * 100)
        self.assertEqual(replies, [b":1\r\n", b":1\r\n", b":0\r\n"] * 100)
        self.assertEqual(info_int(self.c, "raft_commit_index"), before, "an unchanged SETBIT was logged")
        # The control: one that changes the bit is logged, and the next one is unchanged again.
        self.assertEqual(self.c.call("SETBIT", "k", "7", "0"), b":1\r\n")
        self.assertEqual(self.c.call("SETBIT", "k", "7", "0"), b":0\r\n")
        self.assertEqual(self.settled_commit_index(), before + 1)
        self.assertEqual(self.c.call("GET", "k"), b"$13\r\n" + b"\x00" * 13 + b"\r\n")

    def test_pipelines_match_redis(self):
        # Unchanged SETBITs before, between and after writes and reads of the same keys: the
        # read path must neither overtake the connection's earlier writes nor see its later ones.
        cmds = [("SETBIT", "a", "7", "1"), ("SET", "s", "x")]
        for i in range(60):
            cmds += [("SETBIT", "a", "7", "1"), ("GET", "a"), ("SETBIT", "a", str(i % 9), str(i % 2)),
                     ("SETBIT", "a", str(i % 9), str(i % 2)), ("APPEND", "s", "y"),
                     ("SETBIT", "a", "7", str((i // 3) % 2)), ("GETBIT", "a", "7"), ("STRLEN", "s"),
                     ("SETBIT", "s", "1", "1"), ("SETBIT", "s", "1", "1"), ("GET", "s")]
        for proto in (2, 3):
            want = RawConn(self.redis.port, timeout=30)
            got = RawConn(self.srv.port, timeout=30)
            for conn in (want, got):
                if proto == 3:
                    conn.call("HELLO", "3")
                conn.call("FLUSHALL")
            theirs, ours = pipeline(want, cmds), pipeline(got, cmds)
            for i, (a, b) in enumerate(zip(theirs, ours)):
                self.assertEqual(b, a, f"RESP{proto} command {i} {cmds[i]}")
            want.close()
            got.close()


class FollowerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cluster = Cluster(3).start()
        cls.leader = cls.cluster.wait_leader()
        cls.follower = next(i for i in cls.cluster.nodes if i != cls.leader)
        cls.other = next(i for i in cls.cluster.nodes if i not in (cls.leader, cls.follower))

    @classmethod
    def tearDownClass(cls):
        cls.cluster.cleanup()

    def test_follower_answers_unchanged_without_the_log(self):
        lc = RawConn(self.cluster.ports[self.leader], timeout=30)
        fc = RawConn(self.cluster.ports[self.follower], timeout=30)
        try:
            self.assertEqual(lc.call("SETBIT", "fk", "3", "1"), b":0\r\n")
            # Straight after the leader acknowledged it, the follower's SETBIT sees it (its barrier
            # waits for the write to be applied there): unchanged, so answered 1 and not logged.
            for i in range(30):
                self.assertEqual(lc.call("SETBIT", "fk", str(10 + i), "1"), b":0\r\n")
                self.assertEqual(fc.call("SETBIT", "fk", str(10 + i), "1"), b":1\r\n", f"round {i}")
            time.sleep(0.5)
            before = info_int(lc, "raft_commit_index")
            for i in range(30):
                self.assertEqual(fc.call("SETBIT", "fk", str(10 + i), "1"), b":1\r\n")
            time.sleep(0.5)
            self.assertEqual(info_int(lc, "raft_commit_index"), before, "an unchanged SETBIT was logged")
        finally:
            lc.close()
            fc.close()

    def test_stale_follower_state_is_not_the_answer(self):
        # The follower's own state says the bit is set (unchanged), but the leader cleared it and
        # acknowledged that while the follower was stopped. The follower's SETBIT (buffered in its
        # socket meanwhile, read when it resumes, before it learns that the clear committed) must
        # answer 0, the bit as of its read barrier, and set the bit through the log; answering 1
        # from its stale state would not be linearizable.
        c, lead, f = self.cluster, self.leader, self.follower
        lc = c.client(lead)
        for i in range(10):
            key = f"stale{i}"
            self.assertEqual(lc.setbit(key, 4, 1), 0)
            c.wait_applied(f, int(c.raft_info(lead)["raft_applied_index"]))
            fc = RawConn(c.ports[f], timeout=30)
            self.assertEqual(fc.call("PING"), b"+PONG\r\n")
            c.stop_signal(f, signal.SIGSTOP)
            try:
                self.assertEqual(lc.setbit(key, 4, 0), 1)  # committed with the third node
                fc.send(encode("SETBIT", key, "4", "1"))
                time.sleep(0.05)
            finally:
                c.stop_signal(f, signal.SIGCONT)
            self.assertEqual(fc.reply(), b":0\r\n", f"round {i}: the follower answered from its stale state")
            fc.close()
            self.assertEqual(lc.getbit(key, 4), 1)


if __name__ == "__main__":
    unittest.main(verbosity=2)
