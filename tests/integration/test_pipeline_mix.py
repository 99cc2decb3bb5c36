"""Pipelined mixes of reads and writes on one connection (docs/pipelining.md): a read behind the
connection's pending writes runs at its log position (redraft.read, commands/log_read.h), so it
sees the writes sent before it and none sent after it, exactly as Redis executes a pipeline.
Replies are compared byte-exact with redis-server (RESP2 and RESP3, several databases), then
checked through a follower of a 3-node cluster (the log read is forwarded with the writes)."""
import os
import random
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cluster_harness import Cluster  # noqa: E402
from harness import RawConn, RedisServer, Server, encode  # noqa: E402

KEYS = ["k0", "k1", "k2", "h0", "l0"]


def random_command(rng):
    k = rng.choice(KEYS[:3])
    v = str(rng.randint(0, 9))
    return rng.choice([
        ("SET", k, v), ("SET", k, v), ("APPEND", k, v), ("INCR", k), ("DEL", k),
        ("GET", k), ("GET", k), ("GET", k), ("STRLEN", k), ("EXISTS", k, "k1"), ("MGET", "k0", "k1", "k2"),
        ("GETRANGE", k, "0", "1"), ("TYPE", k),
        ("HSET", "h0", rng.choice("abc"), v), ("HMGET", "h0", "a", "b", "c"), ("HLEN", "h0"), ("HGET", "h0", "a"), ("HDEL", "h0", "b"),
        ("RPUSH", "l0", v), ("LRANGE", "l0", "0", "-1"), ("LPOP", "l0"), ("LLEN", "l0"),
        ("SELECT", str(rng.randint(0, 2))),
    ])


def run_pipeline(port, cmds, proto):
    """Sends cmds in one write and returns each raw reply."""
    c = RawConn(port, timeout=30)
    try:
        if proto == 3:
            c.call("HELLO", "3")
        c.send(b"".join(encode(*cmd) for cmd in cmds))
        return [c.reply() for _ in cmds]
    finally:
        c.close()


class PipelineMixTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.redraft = Server().start()
        cls.redis = RedisServer().start()

    @classmethod
    def tearDownClass(cls):
        cls.redraft.cleanup()
        cls.redis.cleanup()

    def test_random_pipelines_match_redis(self):
        for seed in range(12):
            rng = random.Random(seed)
            proto = 3 if seed % 2 else 2
            for port in (self.redraft.port, self.redis.port):
                run_pipeline(port, [("FLUSHALL",)], proto)
            for _ in range(3):
                cmds = [random_command(rng) for _ in range(200)]
                ours = run_pipeline(self.redraft.port, cmds, proto)
                theirs = run_pipeline(self.redis.port, cmds, proto)
                for i, (a, b) in enumerate(zip(ours, theirs)):
                    self.assertEqual(a, b, f"seed {seed} RESP{proto}: command {i} {cmds[i]} "
                                           f"(after {cmds[max(0, i - 5):i]})")

    def test_read_sees_earlier_write_and_not_later_one(self):
        cmds = []
        for n in range(300):
            cmds += [("SET", "x", str(n)), ("GET", "x"), ("GET", "x")]
        replies = run_pipeline(self.redraft.port, cmds, 2)
        for n in range(300):
            want = b"$%d\r\n%d\r\n" % (len(str(n)), n)
            self.assertEqual(replies[3 * n + 1], want)
            self.assertEqual(replies[3 * n + 2], want)

    def test_restricted_user_reads_behind_writes(self):
        # The log read carries no user: it was judged at the gate, as a barrier read is.
        run_pipeline(self.redraft.port, [("ACL", "SETUSER", "app", "on", ">pw", "~*", "+set", "+get")], 2)
        replies = run_pipeline(self.redraft.port, [("AUTH", "app", "pw"), ("SET", "u", "1"), ("GET", "u"),
                                                   ("HGET", "u", "f"), ("GET", "u")], 2)
        self.assertEqual(replies[1:3], [b"+OK\r\n", b"$1\r\n1\r\n"])
        self.assertTrue(replies[3].startswith(b"-NOPERM"), replies[3])
        self.assertEqual(replies[4], b"$1\r\n1\r\n")

    def test_reads_behind_writes_go_through_the_log(self):
        # What makes the mix fast: the GETs do not wait for the SET; each is an entry of its own.
        c = RawConn(self.redraft.port)
        before = int(dict(l.split(":", 1) for l in c.call("INFO", "raft").decode().split("\r\n")
                          if l.startswith("raft_commit_index"))["raft_commit_index"])
        c.close()
        run_pipeline(self.redraft.port, [("SET", "y", "1")] + [("GET", "y")] * 10, 2)
        c = RawConn(self.redraft.port)
        after = int(dict(l.split(":", 1) for l in c.call("INFO", "raft").decode().split("\r\n")
                         if l.startswith("raft_commit_index"))["raft_commit_index"])
        c.close()
        self.assertGreaterEqual(after - before, 11)


class PipelineMixClusterTest(unittest.TestCase):
    def test_follower_pipeline_reads_its_writes_in_order(self):
        c = Cluster(3).start()
        try:
            follower = [i for i in c.nodes if i != c.leader()][0]
            cmds = []
            for n in range(200):
                cmds += [("SET", "f", str(n)), ("GET", "f"), ("INCR", "cnt"), ("GET", "cnt")]
            replies = run_pipeline(c.ports[follower], cmds, 2)
            for n in range(200):
                self.assertEqual(replies[4 * n + 1], b"$%d\r\n%d\r\n" % (len(str(n)), n))
                self.assertEqual(replies[4 * n + 3], b"$%d\r\n%d\r\n" % (len(str(n + 1)), n + 1))
            # Reads waiting for their barrier when a write arrives (docs/pipelining.md): they go
            # into the log ahead of it and must not see it, through a follower and the leader.
            # Each pipeline starts with nothing pending, so its GETs ask a barrier.
            for node in (follower, c.leader()):
                conn = RawConn(c.ports[node], timeout=30)
                conn.call("SET", "g", "-1")
                for n in range(150):
                    conn.send(b"".join(encode(*cmd) for cmd in [("GET", "g"), ("GET", "g"), ("SET", "g", str(n))]))
                    replies = [conn.reply() for _ in range(3)]
                    want = b"$%d\r\n%d\r\n" % (len(str(n - 1)), n - 1)
                    self.assertEqual(replies[:2], [want, want], f"node {node} pipeline {n}")
                conn.close()
        finally:
            c.cleanup()


if __name__ == "__main__":
    unittest.main()
