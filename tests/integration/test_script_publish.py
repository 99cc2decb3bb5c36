"""PUBLISH inside a write script: delivered by every node as the entry applies there.

A subscriber on each of 3 nodes receives every message published by scripts run through a fourth
connection (on any node), exactly once and in log order; the script sees 0 as PUBLISH's reply on
every replica, so the state (and the script's reply) stays identical: digests compared.
"""
import os
import socket
import sys
import unittest

import redis

sys.path.insert(0, os.path.dirname(__file__))
from cluster_harness import ClusterTestCase  # noqa: E402
from harness import RawConn  # noqa: E402
from test_scripting import digest  # noqa: E402

SCRIPT = """
redis.call('incr', KEYS[1])
local n = redis.call('publish', ARGV[1], ARGV[2])
redis.call('rpush', KEYS[2], n)
return {n, redis.call('get', KEYS[1])}
"""


def message(channel, payload, proto=2):
    head = b">3\r\n" if proto == 3 else b"*3\r\n"
    return head + b"$7\r\nmessage\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(channel), channel, len(payload), payload)


class ScriptPublishTest(ClusterTestCase):

    def test_every_node_delivers_once_and_state_stays_identical(self):
        c = self.c
        subs = {}
        for i in c.nodes:
            s = RawConn(c.ports[i])
            proto = 3 if i == 2 else 2  # one RESP3 subscriber (push frames)
            if proto == 3:
                s.call("HELLO", "3")
            self.assertIn(b"subscribe", s.call("SUBSCRIBE", "news"))
            subs[i] = (s, proto)
        n = 30
        for k in range(n):
            node = list(c.nodes)[k % 3]  # the "fourth" connection: a client of each node in turn
            r = c.client(node)
            got = r.eval(SCRIPT, 2, "counter", "counts", "news", f"m{k}")
            self.assertEqual(got, [0, str(k + 1).encode()])  # the count is 0 everywhere
            r.close()
        for i, (s, proto) in subs.items():
            for k in range(n):
                s.sock.settimeout(10)
                self.assertEqual(s.reply(), message(b"news", b"m%d" % k, proto), f"node {i} message {k}")
            s.sock.settimeout(0.5)
            with self.assertRaises(socket.timeout, msg=f"node {i} got a message twice"):
                s._fill()
            s.close()
        # Every node applied the same entries to the same state.
        lead = c.wait_leader()
        r = c.client(lead)
        r.set("barrier", "1")
        index = int(c.raft_info(lead)["raft_applied_index"])
        digests = set()
        for i in c.nodes:
            c.wait_applied(i, index)
            digests.add(digest(c.client(i)))
        self.assertEqual(len(digests), 1, digests)

    def test_read_only_scripts_may_not_publish(self):
        r = self.c.client(1)
        with self.assertRaises(redis.ResponseError) as e:
            r.eval_ro("return redis.call('publish', 'news', 'x')", 0)
        self.assertIn("Write commands are not allowed from read-only scripts", str(e.exception))
        with self.assertRaises(redis.ResponseError):
            r.eval("#!lua flags=no-writes\nreturn redis.call('publish', 'news', 'x')", 0)


if __name__ == "__main__":
    unittest.main()
