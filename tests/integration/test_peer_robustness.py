"""Nothing a peer sends can brick a node: forged but well-formed peer frames, sent over
authenticated connections (as a buggy member holding the cluster secret would) to a real
3-node cluster (a forwarded GET, an undecodable forwarded entry, a snapshot that does not decode,
a chunked message declaring 4 GiB) leave every node serving with its data intact, also after a
restart of every node. Frames are built here from their documented formats (cluster/frame.h,
cluster/transport.h, raft/message.cc, commands/command.h)."""
import os
import socket
import struct
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from cluster_harness import Cluster  # noqa: E402
from harness import CLUSTER_SECRET  # noqa: E402
from peer_wire import connect, frame, fwd, log_entry, lp, raft_snapshot, varint  # noqa: E402


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class PeerRobustnessTest(unittest.TestCase):
    def setUp(self):
        self.c = Cluster(3).start()

    def tearDown(self):
        self.c.cleanup()

    def cluster_id(self):
        with open(os.path.join(self.c.nodes[1].dir, "nodes.conf")) as f:
            return f.readline().split()[2].encode()

    def peer(self, node, sender):
        """An authenticated connection to node's peer port, speaking as member `sender`."""
        return connect(self.c.ports[node] + 10000, self.cluster_id(), sender, node, CLUSTER_SECRET)

    def send(self, node, frames, sender):
        """Writes frames to node's peer port as `sender`; returns True if the node closed the connection."""
        with self.peer(node, sender) as s:
            try:
                for fr in frames:
                    s.sendall(fr)
                s.shutdown(socket.SHUT_WR)
                return s.recv(1) == b""
            except (ConnectionResetError, BrokenPipeError):
                return True

    def write_data(self):
        r = self.c.client(self.c.leader())
        for n in range(50):
            self.assertTrue(r.set(f"k{n}", f"v{n}"))

    def assert_serving_and_intact(self, tag):
        for i in self.c.nodes:
            r = self.c.client(i)
            self.assertTrue(r.set(f"after-{tag}-{i}", "ok"), f"node {i} refused a write")
        for i in self.c.nodes:
            r = self.c.client(i)
            self.assertEqual([r.get(f"k{n}") for n in range(50)], [f"v{n}".encode() for n in range(50)])
            for j in self.c.nodes:
                self.assertEqual(r.get(f"after-{tag}-{j}"), b"ok")
            self.assertEqual(self.c.nodes[i].proc.poll(), None, f"node {i} exited")

    def test_forged_peer_frames_brick_no_node(self):
        self.write_data()
        cid = self.cluster_id()
        leader = self.c.leader()
        followers = [i for i in self.c.nodes if i != leader]
        info = self.c.raft_info(followers[0])
        term = int(info["raft_term"])
        commit = int(info["raft_commit_index"])

        # 1. A forwarded GET and an undecodable entry, to the leader (which would propose them)
        #    and to a follower, claiming to come from another member.
        bad_entries = [log_entry(b"get", b"k1"), b"\xff\xff\xff", log_entry(b"setnx", b"k1"),
                       log_entry(b"nosuch\r\n:42", b"x"), log_entry()]
        for target in (leader, followers[0]):
            sender = followers[1] if target == leader else leader
            self.send(target, [frame(cid, sender, b"fwd", fwd(100 + n, e, term)) for n, e in enumerate(bad_entries)], sender)
        # The same as one batched forward (docs/exactly_once.md "Wire"), whole and truncated, and
        # reply batches with an unknown item kind and a reply longer than its frame.
        batch = varint(term) + varint(len(bad_entries)) + b"".join(
            varint(200 + n) + varint(2) + lp(e) for n, e in enumerate(bad_entries))
        for target in (leader, followers[0]):
            sender = followers[1] if target == leader else leader
            self.send(target, [frame(cid, sender, b"fwdb", batch), frame(cid, sender, b"fwdb", batch[:-3]),
                               frame(cid, sender, b"fwdrb", b"x" + varint(1)),
                               frame(cid, sender, b"fwdrb", b"r" + varint(5) + varint(100) + b"+OK")], sender)
        # 2. A snapshot that does not decode, from "the leader" in the current term, far ahead of
        #    the follower's commit index (so the Raft core would accept and install it).
        for data in (b"RDSNAP2garbage!!", b"", b"RDSNAP1" + varint(commit + 1000)):
            self.send(followers[0], [frame(cid, leader, b"raft",
                                           raft_snapshot(1, leader, followers[0], term, commit + 1000, [1, 2, 3], data))],
                      leader)
        # 3. A chunked message declaring 4 GiB, then 64 MiB of its data: refused at once, so the
        #    receiver's memory does not grow with what is sent.
        victim = followers[1]
        pid = self.c.nodes[victim].proc.pid
        before = rss_kb(pid)
        piece = b"x" * 4096
        head = bytes([3]) + b"app" + struct.pack("<QQ", 4 << 30, 0)
        first = frame(cid, leader, b"chunk", head + piece)
        # The node must close the connection long before 64 MiB are sent.
        sent = 0
        try:
            with self.peer(victim, leader) as s:
                s.sendall(first)
                tail = frame(cid, leader, b"chunk", bytes([3]) + b"app" + struct.pack("<QQ", 4 << 30, 4096) + piece)
                while sent < (64 << 20):
                    s.sendall(tail * 256)
                    sent += len(tail) * 256
        except OSError:
            pass
        grown_mb = (rss_kb(pid) - before) / 1024
        print(f"4 GiB declaration: {sent >> 20} MiB sent before the close, RSS grew {grown_mb:.1f} MiB")
        self.assertLess(sent, 64 << 20)
        self.assertLess(grown_mb, 32)

        time.sleep(0.5)
        self.assert_serving_and_intact("forged")
        log = self.c.nodes[leader].log()
        self.assertIn("refused a forwarded entry", log)
        self.assertIn("refused a snapshot", self.c.nodes[followers[0]].log())
        self.assertNotIn("PANIC", "".join(self.c.nodes[i].log() for i in self.c.nodes))

        # Every node restarts (replaying its log) and still serves the same data.
        for i in self.c.nodes:
            self.c.nodes[i].stop()
        self.c.start()
        self.assert_serving_and_intact("restart")


if __name__ == "__main__":
    unittest.main(verbosity=2)
