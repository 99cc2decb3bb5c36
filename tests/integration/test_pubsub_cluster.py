"""Pub/Sub across a 3-node cluster (docs/pubsub.md): a message published on any node reaches the
matching subscribers on every node, in publish order per publisher; keyspace notifications of a
write are emitted by every node that applies it (a subscriber on a follower sees the leader's
writes); a subscriber over client-output-buffer-limit pubsub is disconnected while other clients
keep being served; a partitioned node's subscribers miss what is published meanwhile, and get
messages again once it is healed."""
import os
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from cluster_harness import ClusterTestCase  # noqa: E402
from harness import RawConn, encode  # noqa: E402


def message(channel, payload, pattern=None):
    def bulk(x):
        x = x.encode() if isinstance(x, str) else x
        return b"$%d\r\n%s\r\n" % (len(x), x)
    if pattern:
        return b"*4\r\n" + bulk("pmessage") + bulk(pattern) + bulk(channel) + bulk(payload)
    return b"*3\r\n" + bulk("message") + bulk(channel) + bulk(payload)


class PubsubCluster(ClusterTestCase):
    cluster_args = ("--client-output-buffer-limit", "pubsub 256kb 0 0")

    def subscriber(self, i, *channels, pattern=False):
        s = RawConn(self.c.ports[i])
        s.send(encode("PSUBSCRIBE" if pattern else "SUBSCRIBE", *channels))
        for _ in channels:
            s.reply()
        return s

    def wait_subscribed(self, i, channel, n=1):
        """NUMSUB on node i counts its own subscribers only."""
        deadline = time.time() + 10
        while time.time() < deadline:
            r = RawConn(self.c.ports[i])
            got = r.call("PUBSUB", "NUMSUB", channel)
            r.close()
            if got.endswith(b":%d\r\n" % n):
                return
            time.sleep(0.05)
        raise AssertionError(f"node {i} has no subscriber on {channel}")

    def test_message_reaches_every_node_in_order(self):
        subs = {i: self.subscriber(i, "news") for i in (1, 2, 3)}
        psub = self.subscriber(2, "ne*", pattern=True)
        pubs = {i: RawConn(self.c.ports[i]) for i in (1, 3)}
        try:
            # The reply counts this node's receivers only (documented, as Redis Cluster).
            self.assertEqual(pubs[3].call("PUBLISH", "news", "hello"), b":1\r\n")
            for i, s in subs.items():
                self.assertEqual(s.reply(), message("news", "hello"), f"node {i}")
            self.assertEqual(psub.reply(), message("news", "hello", pattern="ne*"))
            # Two publishers, 300 messages each, pipelined: per publisher, every node delivers in
            # publish order, none lost or duplicated (no partition).
            for i, p in pubs.items():
                p.send(b"".join(encode("PUBLISH", "news", f"{i}:{n}") for n in range(300)))
            for p in pubs.values():
                for _ in range(300):
                    p.reply()
            for i, s in subs.items():
                seen = {1: [], 3: []}
                for _ in range(600):
                    r = s.reply()
                    payload = r.rsplit(b"\r\n", 2)[-2].decode()
                    who, n = payload.split(":")
                    seen[int(who)].append(int(n))
                for who in (1, 3):
                    self.assertEqual(seen[who], list(range(300)), f"node {i}, publisher {who}")
        finally:
            for s in list(subs.values()) + [psub] + list(pubs.values()):
                s.close()

    def test_shard_messages_cross_nodes(self):
        s = RawConn(self.c.ports[1])
        s.send(encode("SSUBSCRIBE", "orders"))
        s.reply()
        p = RawConn(self.c.ports[2])
        try:
            self.assertEqual(p.call("SPUBLISH", "orders", "o1"), b":0\r\n")
            self.assertEqual(s.reply(), b"*3\r\n$8\r\nsmessage\r\n$6\r\norders\r\n$2\r\no1\r\n")
        finally:
            s.close()
            p.close()

    def test_notifications_on_a_follower(self):
        leader = self.c.wait_leader()
        follower = next(i for i in (1, 2, 3) if i != leader)
        for i in (1, 2, 3):  # a node's own setting: each node emits for its own subscribers
            self.c.client(i).config_set("notify-keyspace-events", "KEA")
        try:
            fsub = self.subscriber(follower, "__key*@0__:*", pattern=True)
            w = self.c.client(leader)
            w.set("nk", "1")
            w.hset("nh", "f", "v")
            w.pexpire("nk", 1)
            want = [("__keyspace@0__:nk", "set"), ("__keyevent@0__:set", "nk"),
                    ("__keyspace@0__:nh", "hset"), ("__keyevent@0__:hset", "nh"),
                    ("__keyspace@0__:nk", "expire"), ("__keyevent@0__:expire", "nk"),
                    # active expiry on the leader proposes the deletion; the follower applies it
                    ("__keyspace@0__:nk", "expired"), ("__keyevent@0__:expired", "nk")]
            for ch, payload in want:
                self.assertEqual(fsub.reply(), message(ch, payload, pattern="__key*@0__:*"))
            fsub.close()
        finally:
            for i in (1, 2, 3):
                self.c.client(i).config_set("notify-keyspace-events", "")

    def test_slow_subscriber_is_disconnected_others_unaffected(self):
        slow = socket.create_connection(("127.0.0.1", self.c.ports[2]))
        slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        slow.sendall(encode("SUBSCRIBE", "flood"))
        time.sleep(0.2)
        healthy = self.subscriber(2, "flood")
        self.wait_subscribed(2, "flood", 2)
        pub = RawConn(self.c.ports[1])
        other = self.c.client(2)
        try:
            payload = "x" * 4096
            t0 = time.time()
            received = 0
            # The slow one never reads: its output grows past 256kb on node 2 and it is closed.
            for batch in range(40):
                pub.send(b"".join(encode("PUBLISH", "flood", payload) for _ in range(50)))
                for _ in range(50):
                    pub.reply()
                for _ in range(50):
                    healthy.reply()
                    received += 1
                self.assertEqual(other.set("still", "served"), True)
            self.assertEqual(received, 2000)
            self.assertLess(time.time() - t0, 60)
            deadline = time.time() + 10
            while time.time() < deadline:
                r = RawConn(self.c.ports[2])
                n = r.call("PUBSUB", "NUMSUB", "flood")
                r.close()
                if n.endswith(b":1\r\n"):
                    break
                time.sleep(0.1)
            self.assertTrue(n.endswith(b":1\r\n"), n)  # the slow subscriber is gone
            self.assertIn("output buffer limits", self.c.nodes[2].log())
        finally:
            slow.close()
            healthy.close()
            pub.close()

    def test_partitioned_node_misses_then_resumes(self):
        s3 = self.subscriber(3, "p")
        s1 = self.subscriber(1, "p")
        pub = RawConn(self.c.ports[1])
        try:
            self.c.partition(3, True)
            pub.call("PUBLISH", "p", "during")
            self.assertEqual(s1.reply(), message("p", "during"))
            time.sleep(0.5)
            self.c.partition(3, False)
            # At most once: "during" is lost for node 3; later messages flow again.
            deadline = time.time() + 20
            got = None
            s3.sock.settimeout(0.5)
            while time.time() < deadline and got is None:
                pub.call("PUBLISH", "p", "after")
                s1.reply()
                try:
                    got = s3.reply()
                except (socket.timeout, TimeoutError):
                    continue
            self.assertEqual(got, message("p", "after"))
        finally:
            for x in (s1, s3, pub):
                x.close()


if __name__ == "__main__":
    unittest.main()
