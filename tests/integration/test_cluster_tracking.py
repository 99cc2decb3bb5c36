"""Client-side caching across a 3-node cluster: invalidations come from each node's own apply.

A tracking client on a follower is invalidated by a write taken by the leader (or by the other
follower), exactly once; a BCAST client redirecting to a RESP2 subscriber likewise; the deletion
of an expired key invalidates when it applies on the tracking client's node.
"""
import os
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from cluster_harness import Cluster  # noqa: E402
from harness import RawConn  # noqa: E402


def push(conn, timeout=5):
    conn.sock.settimeout(timeout)
    try:
        return conn.reply()
    finally:
        conn.sock.settimeout(10)


def nothing_more(conn, wait=0.5):
    conn.sock.settimeout(wait)
    try:
        conn._fill()
        return False
    except socket.timeout:
        return True
    finally:
        conn.sock.settimeout(10)


def inval(*keys):
    return b">2\r\n$10\r\ninvalidate\r\n*%d\r\n" % len(keys) + b"".join(
        b"$%d\r\n%s\r\n" % (len(k), k) for k in keys)


class ClusterTrackingTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cluster = Cluster(3, extra_args=["--log-compact-entries", "1000"]).start()

    @classmethod
    def tearDownClass(cls):
        cls.cluster.cleanup()

    def test_invalidation_crosses_nodes(self):
        c = self.cluster
        lead = c.wait_leader()
        f1, f2 = [i for i in c.nodes if i != lead]
        w_lead, w_f2 = RawConn(c.ports[lead]), RawConn(c.ports[f2])

        t = RawConn(c.ports[f1])  # default mode, RESP3, on a follower
        t.call("HELLO", "3")
        self.assertEqual(t.call("CLIENT", "TRACKING", "on"), b"+OK\r\n")
        self.assertEqual(t.call("GET", "k"), b"_\r\n")

        r = RawConn(c.ports[f2])  # BCAST, RESP2 redirect, on the other follower
        rid = int(r.call("CLIENT", "ID")[1:-2])
        r.call("SUBSCRIBE", "__redis__:invalidate")
        b = RawConn(c.ports[f2])
        self.assertEqual(b.call("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "k", "REDIRECT", str(rid)), b"+OK\r\n")

        self.assertEqual(w_lead.call("SET", "k", "1"), b"+OK\r\n")
        self.assertEqual(push(t), inval(b"k"))
        self.assertEqual(push(r), b"*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*1\r\n$1\r\nk\r\n")
        self.assertTrue(nothing_more(t), "invalidated twice")
        self.assertTrue(nothing_more(r), "broadcast twice")

        # A write taken by a follower (forwarded to the leader) reaches the other follower too.
        self.assertEqual(t.call("GET", "k"), b"$1\r\n1\r\n")
        self.assertEqual(w_f2.call("SET", "k", "2"), b"+OK\r\n")
        self.assertEqual(push(t), inval(b"k"))
        self.assertEqual(push(r), b"*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*1\r\n$1\r\nk\r\n")
        self.assertTrue(nothing_more(t))

        # FLUSHALL through the leader: the null invalidation on every node's tracking clients.
        self.assertEqual(w_lead.call("FLUSHALL"), b"+OK\r\n")
        self.assertEqual(push(t), b">2\r\n$10\r\ninvalidate\r\n_\r\n")
        self.assertEqual(push(r), b"*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n$-1\r\n")
        for conn in (t, r, b, w_lead, w_f2):
            conn.close()

    def test_expiry_invalidates_on_follower(self):
        c = self.cluster
        lead = c.wait_leader()
        f1 = [i for i in c.nodes if i != lead][0]
        w = RawConn(c.ports[lead])
        t = RawConn(c.ports[f1])
        t.call("HELLO", "3")
        t.call("CLIENT", "TRACKING", "on")
        self.assertEqual(w.call("SET", "ttl", "v", "PX", "300"), b"+OK\r\n")
        self.assertEqual(t.call("GET", "ttl"), b"$1\r\nv\r\n")
        start = time.time()
        self.assertEqual(push(t, timeout=10), inval(b"ttl"))  # when the leader's deletion applies here
        self.assertLess(time.time() - start, 10)
        t.close()
        w.close()

    def test_snapshot_install_sends_null_invalidation(self):
        """A follower that catches up through a snapshot cannot tell which keys changed: flush."""
        c = self.cluster
        lead = c.wait_leader()
        f = [i for i in c.nodes if i != lead][1]
        t = RawConn(c.ports[f])
        t.call("HELLO", "3")
        t.call("CLIENT", "TRACKING", "on")
        self.assertEqual(t.call("GET", "snap:0"), b"_\r\n")
        c.partition(f)
        w = c.client(lead)
        w.set("snap:0", "changed")  # first: the snapshot the follower gets covers it
        pipe = w.pipeline(transaction=False)
        for k in range(4000):
            pipe.set(f"fill:{k}", "x")
        pipe.execute()
        c.partition(f, on=False)
        self.assertEqual(push(t, timeout=30), b">2\r\n$10\r\ninvalidate\r\n_\r\n")
        self.assertIn("installed snapshot", c.nodes[f].log())
        self.assertEqual(t.call("GET", "snap:0"), b"$7\r\nchanged\r\n")
        t.close()


if __name__ == "__main__":
    unittest.main()
