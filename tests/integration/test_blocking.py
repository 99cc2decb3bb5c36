"""Blocking pops (BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP, BZPOPMIN BZPOPMAX BZMPOP, CLIENT UNBLOCK):
docs/blocking.md.

Single node: wake-ups by another connection, first blocked first served, timeouts, atomic moves,
a blocked connection runs nothing else, disconnects and CLIENT UNBLOCK. 3-node cluster: a client
blocked on a follower is woken by a push through another node; six consumers on three nodes
receive each of 300 elements exactly once; a consumer whose node is killed -9 loses nothing for
the others. (Argument errors and 0.01 s timeouts are byte-compared in compat_cases_blocking.txt.)"""
import os
import socket
import sys
import threading
import time
import unittest

import redis

sys.path.insert(0, os.path.dirname(__file__))
from cluster_harness import Cluster  # noqa: E402
from harness import RawConn, Server, encode  # noqa: E402


class Call(threading.Thread):
    """Runs fn() in a thread; .result / .error once done (join with a timeout)."""

    def __init__(self, fn):
        super().__init__(daemon=True)
        self.fn, self.result, self.error, self.at = fn, None, None, None
        self.start()

    def run(self):
        try:
            self.result = self.fn()
        except Exception as e:  # noqa: BLE001 - reported to the test
            self.error = e
        self.at = time.time()

    def value(self, timeout=10):
        self.join(timeout)
        if self.is_alive():
            raise AssertionError("still blocked")
        if self.error:
            raise self.error
        return self.result


def wait_blocked(r, n, timeout=5):
    """Until n clients show a blocking command as their last one (CLIENT LIST cmd=...)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        cmds = [c["cmd"] for c in r.client_list()]
        if sum(c in ("blpop", "brpop", "blmove", "brpoplpush", "blmpop", "bzpopmin", "bzpopmax", "bzmpop")
               for c in cmds) >= n:
            time.sleep(0.05)  # the command's first (empty) pop has been applied well before
            return
        time.sleep(0.02)
    raise AssertionError(f"{n} clients never blocked")


class SingleNodeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = Server().start()

    @classmethod
    def tearDownClass(cls):
        cls.srv.cleanup()

    def conn(self, **kw):
        kw.setdefault("socket_timeout", 10)
        return redis.Redis(port=self.srv.port, **kw)

    def setUp(self):
        self.r = self.conn()
        self.r.flushall()

    def test_blpop_woken_by_rpush_from_another_connection(self):
        c = Call(lambda: self.conn().blpop(["k"], 0))
        wait_blocked(self.r, 1)
        time.sleep(0.2)
        self.assertTrue(c.is_alive(), "BLPOP returned on an empty list")
        t = time.time()
        self.assertEqual(self.r.rpush("k", "v"), 1)
        self.assertEqual(c.value(), (b"k", b"v"))
        self.assertLess(c.at - t, 1.0, "woken late: the apply path did not report the key")
        self.assertEqual(self.r.exists("k"), 0)

    def test_fifo_among_three_blocked_clients(self):
        for push in (lambda: self.r.rpush("k", "a", "b", "c"),
                     lambda: [self.r.rpush("k", x) for x in ("a", "b", "c")]):
            calls = []
            for i in range(3):
                calls.append(Call(lambda: self.conn().blpop(["k"], 0)))
                wait_blocked(self.r, i + 1)  # in this order
            push()
            self.assertEqual([c.value() for c in calls], [(b"k", b"a"), (b"k", b"b"), (b"k", b"c")])
            self.assertEqual(self.r.exists("k"), 0)

    def test_timeout_returns_nil_after_about_the_timeout(self):
        for fn in (lambda r: r.blpop(["k", "k2"], 0.3), lambda r: r.brpop(["k"], 0.3),
                   lambda r: r.blmove("a", "b", 0.3, "LEFT", "RIGHT"), lambda r: r.brpoplpush("a", "b", 0.3),
                   lambda r: r.blmpop(0.3, 1, "k", direction="LEFT")):
            t = time.time()
            self.assertIsNone(fn(self.conn()))
            self.assertGreaterEqual(time.time() - t, 0.29)
            self.assertLess(time.time() - t, 1.5)
        # RESP3: the null type
        raw = RawConn(self.srv.port)
        raw.call("HELLO", "3")
        self.assertEqual(raw.call("BLPOP", "k", "0.05"), b"_\r\n")
        raw.close()

    def test_blmove_moves_atomically(self):
        c = Call(lambda: self.conn().blmove("src", "dst", 0, "RIGHT", "LEFT"))
        wait_blocked(self.r, 1)
        self.r.rpush("dst", "old")
        self.r.rpush("src", "x", "y")
        self.assertEqual(c.value(), b"y")
        self.assertEqual(self.r.lrange("src", 0, -1), [b"x"])
        self.assertEqual(self.r.lrange("dst", 0, -1), [b"y", b"old"])
        # BRPOPLPUSH, and a client on the destination woken by the move
        d = Call(lambda: self.conn().blpop(["dst2"], 0))
        wait_blocked(self.r, 1)
        c = Call(lambda: self.conn().brpoplpush("src2", "dst2", 0))
        wait_blocked(self.r, 2)
        self.r.lpush("src2", "z")
        self.assertEqual(c.value(), b"z")
        self.assertEqual(d.value(), (b"dst2", b"z"))
        self.assertEqual(self.r.exists("src2", "dst2"), 0)
        # BLMPOP with a count, woken on its second key
        c = Call(lambda: self.conn().blmpop(0, 2, "m1", "m2", direction="RIGHT", count=2))
        wait_blocked(self.r, 1)
        self.r.rpush("m2", "1", "2", "3")
        self.assertEqual(c.value(), [b"m2", [b"3", b"2"]])
        self.assertEqual(self.r.lrange("m2", 0, -1), [b"1"])

    def test_sorted_sets(self):
        c = Call(lambda: self.conn().bzpopmin(["z1", "z2"], 0))
        wait_blocked(self.r, 1)
        self.r.zadd("z2", {"c": 3, "a": 1, "b": 2})  # one ZADD: the lowest score goes
        self.assertEqual(c.value(), (b"z2", b"a", 1.0))
        c = Call(lambda: self.conn().bzpopmax(["z2"], 0))
        self.assertEqual(c.value(), (b"z2", b"c", 3.0))  # immediate
        c = Call(lambda: self.conn().execute_command("BZMPOP", 0, 1, "z3", "MAX", "COUNT", 2))
        wait_blocked(self.r, 1)
        self.r.zadd("z3", {"x": 1, "y": 2, "z": 3})
        self.assertEqual(c.value(), [b"z3", [[b"z", b"3"], [b"y", b"2"]]])
        self.assertIsNone(self.conn().bzpopmin(["z4"], 0.2))
        # A key wakes only the clients of the type it holds, whatever their order.
        lst = Call(lambda: self.conn().blpop(["mixed"], 0))
        wait_blocked(self.r, 1)
        zs = Call(lambda: self.conn().bzpopmin(["mixed"], 0))
        wait_blocked(self.r, 2)
        self.r.zadd("mixed", {"m": 5})
        self.assertEqual(zs.value(), (b"mixed", b"m", 5.0))
        time.sleep(0.2)
        self.assertTrue(lst.is_alive())
        self.r.rpush("mixed", "e")
        self.assertEqual(lst.value(), (b"mixed", b"e"))

    def test_blocked_connection_runs_nothing_else(self):
        raw = RawConn(self.srv.port)
        raw.send(encode("BLPOP", "k", "0") + encode("RPUSH", "k", "mine"))
        time.sleep(0.3)
        self.assertEqual(self.r.llen("k"), 0, "a command behind a blocked BLPOP ran")
        self.r.rpush("k", "other")
        self.assertEqual(raw.reply(), b"*2\r\n$1\r\nk\r\n$5\r\nother\r\n")
        self.assertEqual(raw.reply(), b":1\r\n")
        self.assertEqual(self.r.lrange("k", 0, -1), [b"mine"])
        raw.close()

    def test_disconnect_while_blocked_leaves_the_element(self):
        raw = RawConn(self.srv.port)
        raw.send(encode("BLPOP", "k", "0"))
        wait_blocked(self.r, 1)
        raw.close()
        deadline = time.time() + 5
        while any(c["cmd"] == "blpop" for c in self.r.client_list()) and time.time() < deadline:
            time.sleep(0.02)
        other = Call(lambda: self.conn().blpop(["k2"], 0))  # still served afterwards
        wait_blocked(self.r, 1)
        self.r.rpush("k", "v")
        time.sleep(0.3)
        self.assertEqual(self.r.lrange("k", 0, -1), [b"v"])
        self.r.rpush("k2", "w")
        self.assertEqual(other.value(), (b"k2", b"w"))

    def test_client_unblock(self):
        r1 = self.conn()
        cid = r1.client_id()
        c = Call(lambda: r1.blpop(["k"], 0))
        wait_blocked(self.r, 1)
        self.assertEqual(self.r.client_unblock(cid), 1)
        self.assertIsNone(c.value())
        self.assertEqual(self.r.client_unblock(cid), 0)  # no longer blocked
        c = Call(lambda: r1.blpop(["k"], 0))
        wait_blocked(self.r, 1)
        self.assertEqual(self.r.client_unblock(cid, error=True), 1)
        with self.assertRaises(redis.ResponseError) as e:
            c.value()
        self.assertIn("client unblocked via CLIENT UNBLOCK", str(e.exception))
        self.assertEqual(r1.ping(), True)
        self.r.rpush("k", "v")  # nobody waits any more
        time.sleep(0.2)
        self.assertEqual(self.r.lrange("k", 0, -1), [b"v"])


class ShutdownTest(unittest.TestCase):
    def test_shutdown_with_blocked_clients_is_clean(self):
        srv = Server().start()
        try:
            r = redis.Redis(port=srv.port, socket_timeout=10)
            calls = [Call(lambda: redis.Redis(port=srv.port, socket_timeout=10).blpop(["k"], 0)) for _ in range(3)]
            wait_blocked(r, 3)
            self.assertEqual(srv.stop(), 0)
            for c in calls:
                with self.assertRaises(redis.ConnectionError):
                    c.value()
        finally:
            srv.cleanup()


class ClusterTest(unittest.TestCase):
    def setUp(self):
        self.c = Cluster(3).start()

    def tearDown(self):
        self.c.cleanup()

    def test_blpop_on_follower_woken_through_other_nodes(self):
        leader = self.c.leader()
        f1, f2 = [j for j in self.c.alive() if j != leader]
        for via in (leader, f2):
            c = Call(lambda: self.c.client(f1).blpop(["k"], 0))
            wait_blocked(self.c.client(f1), 1)
            t = time.time()
            self.c.client(via).rpush("k", f"from{via}")
            self.assertEqual(c.value(), (b"k", f"from{via}".encode()))
            self.assertLess(c.at - t, 1.5)
            self.assertEqual(self.c.client(leader).exists("k"), 0)
        # sorted sets: BZPOPMAX on a follower, woken by a ZADD through the leader
        c = Call(lambda: self.c.client(f1).bzpopmax(["z"], 0))
        wait_blocked(self.c.client(f1), 1)
        self.c.client(leader).zadd("z", {"lo": 1, "hi": 9})
        self.assertEqual(c.value(), (b"z", b"hi", 9.0))
        self.assertEqual(self.c.client(f2).zrange("z", 0, -1), [b"lo"])
        # a timeout on a follower
        t = time.time()
        self.assertIsNone(self.c.client(f1).brpop(["k"], 0.3))
        self.assertLess(time.time() - t, 1.5)

    def consume(self, node, got, stop, errors):
        r = self.c.client(node, socket_timeout=15)
        while not stop.is_set():
            try:
                v = r.brpop(["q"], 1)
            except redis.ConnectionError as e:
                errors.append((node, repr(e)))
                return
            if v is not None:
                got.append((node, v[1]))

    def wait_received(self, got, n, timeout=60):
        deadline = time.time() + timeout
        while len(got) < n and time.time() < deadline:
            time.sleep(0.05)

    def test_exactly_once_across_nodes(self):
        got, errors, stop = [], [], threading.Event()
        nodes = sorted(self.c.alive())
        threads = [threading.Thread(target=self.consume, args=(n, got, stop, errors), daemon=True)
                   for n in nodes for _ in range(2)]
        for t in threads:
            t.start()
        for n in nodes:
            wait_blocked(self.c.client(n), 2)
        pushers = {n: self.c.client(n) for n in nodes}
        sent = []
        i = 0
        while i < 300:  # one to three elements per push, through every node in turn
            k = 1 + i % 3
            vals = [f"e{j}" for j in range(i, min(i + k, 300))]
            pushers[nodes[i % 3]].rpush("q", *vals)
            sent += vals
            i += len(vals)
            if i % 30 == 0:
                time.sleep(0.02)  # let consumers block again now and then
        self.wait_received(got, 300)
        time.sleep(0.5)  # a duplicate would arrive now
        stop.set()
        for t in threads:
            t.join(10)
        values = sorted(v.decode() for _, v in got)
        self.assertEqual(errors, [])
        self.assertEqual(len(values), len(set(values)), "an element was delivered twice")
        self.assertEqual(set(values), set(sent), "an element was lost")
        self.assertEqual(self.c.client(nodes[0]).llen("q"), 0)
        per_node = {n: sum(1 for m, _ in got if m == n) for n in nodes}
        print(f"elements received per node: {per_node}")

    def test_blocked_on_a_leader_that_is_cut_off(self):
        """The clients stay blocked and keep their timeouts while their node is cut off and loses
        leadership; once it is back, a push made meanwhile through the majority reaches them."""
        old = self.c.leader()
        forever = Call(lambda: self.c.client(old, socket_timeout=60).blpop(["k"], 0))
        timed = Call(lambda: self.c.client(old, socket_timeout=60).blpop(["t"], 1.5))
        wait_blocked(self.c.client(old), 2)
        t = time.time()
        self.c.partition(old, True)
        try:
            new = self.c.wait_leader(exclude=old)
            self.assertIsNone(timed.value(timeout=10))
            self.assertGreaterEqual(timed.at - t, 1.4)
            self.assertLess(timed.at - t, 4.0)
            self.c.client(new).rpush("k", "meanwhile")
            time.sleep(0.5)
            self.assertTrue(forever.is_alive(), "served while cut off")
        finally:
            self.c.partition(old, False)
        self.assertEqual(forever.value(timeout=20), (b"k", b"meanwhile"))
        self.assertEqual(self.c.client(new).exists("k"), 0)

    def test_consumer_on_killed_node_loses_nothing_for_others(self):
        leader = self.c.leader()
        victim, other = [j for j in self.c.alive() if j != leader]
        got, errors, stop = [], [], threading.Event()
        threads = [threading.Thread(target=self.consume, args=(n, got, stop, errors), daemon=True)
                   for n in (victim, leader, other)]
        for t in threads:
            t.start()
        for n in (victim, leader, other):
            wait_blocked(self.c.client(n), 1)
        self.c.kill9(victim)
        sent = [f"after{j}" for j in range(20)]
        for j, v in enumerate(sent):
            self.c.client((leader, other)[j % 2]).rpush("q", v)
        self.wait_received(got, 20, timeout=30)
        time.sleep(0.3)
        stop.set()
        for t in threads:
            t.join(10)
        self.assertEqual(sorted(v.decode() for _, v in got), sorted(sent))
        self.assertTrue(all(n != victim for n, _ in got))
        self.assertEqual([n for n, _ in errors], [victim])  # its consumer saw the connection drop
        self.assertEqual(self.c.client(leader).llen("q"), 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
