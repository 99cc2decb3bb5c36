"""Peer authentication (cluster-secret, docs/peer_protocol.md) against a real 3-node cluster: a
process that knows everything a client can read (the cluster id, the member ids and addresses)
but not the secret sends every attack that works on an unauthenticated peer port -- a forwarded
write and read, votes with and without the transfer context, TimeoutNow, a leadership transfer,
AppendEntries plus heartbeat, a snapshot, a chunked message declaring 4 GiB -- without a
handshake and after a handshake with a wrong secret. The cluster's term, leader, data and address
book do not change, and every refusal leaves a log line naming the remote address. A control run
against a cluster without a secret shows the same forged write and vote do take effect there."""
import os
import socket
import struct
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from cluster_harness import Cluster  # noqa: E402
from peer_wire import (RAFT_APP, RAFT_HEARTBEAT, RAFT_PREVOTE, RAFT_TIMEOUT_NOW, RAFT_VOTE, connect,  # noqa: E402
                       frame, fwd, log_entry, raft_message, raft_snapshot)


def cluster_id(c):
    with open(os.path.join(c.nodes[1].dir, "nodes.conf")) as f:
        return f.readline().split()[2].encode()


def attacks(c, cid):
    """(target node, claimed sender, frames) for every attack, aimed where it would hurt most."""
    leader = c.leader()
    f1, f2 = [i for i in c.nodes if i != leader]
    info = c.raft_info(f1)
    term, last = int(info["raft_term"]), int(info["raft_last_index"])
    big = term + 1000
    out = [
        (leader, f1, [frame(cid, f1, b"fwd", fwd(7001, log_entry(b"set", b"forged", b"fwd"), term))]),
        (leader, f1, [frame(cid, f1, b"fwd", fwd(7002, log_entry(b"get", b"k1"), term))]),
        (f1, f2, [frame(cid, f2, b"raft", raft_message(RAFT_VOTE, f2, f1, big, term, last + 10))]),
        (f1, f2, [frame(cid, f2, b"raft", raft_message(RAFT_PREVOTE, f2, f1, big, term, last + 10))]),
        (f1, f2, [frame(cid, f2, b"raft", raft_message(RAFT_VOTE, f2, f1, big + 1, term, last + 10,
                                                        context=b"CampaignTransfer"))]),
        (f1, leader, [frame(cid, leader, b"raft", raft_message(RAFT_TIMEOUT_NOW, leader, f1, term))]),
        (leader, f1, [frame(cid, f1, b"xfer", str(f1).encode())]),
        (f2, leader, [frame(cid, leader, b"raft", raft_message(
            RAFT_APP, leader, f2, term, term, last, last + 1,
            entries=[(term, last + 1, log_entry(b"set", b"forged", b"app"))])),
                      frame(cid, leader, b"raft", raft_message(RAFT_HEARTBEAT, leader, f2, term, commit=last + 1))]),
        (f2, leader, [frame(cid, leader, b"raft", raft_snapshot(1, leader, f2, big, last + 1000, [1, 2, 3],
                                                                b"RDSNAP2garbage"))]),
        (f1, leader, [frame(cid, leader, b"chunk", bytes([3]) + b"app" + struct.pack("<QQ", 4 << 30, 0) + b"x" * 4096)]),
    ]
    return out


def deliver(c, cid, target, sender, frames, secret):
    """Sends frames to target's peer port as `sender` (no handshake if secret is None, else a
    handshake with that secret whose challenge is not checked); True if the node closed."""
    try:
        with connect(c.ports[target] + 10000, cid, sender, target, secret, check_acceptor=False) as s:
            for fr in frames:
                s.sendall(fr)
            s.settimeout(3)
            while s.recv(4096):
                pass
            return True
    except (ConnectionError, OSError):
        return True


class PeerAuthTest(unittest.TestCase):
    def observe(self, c):
        leader = c.leader()
        return {
            "leader": leader,
            "terms": {i: c.raft_info(i)["raft_term"] for i in c.nodes},
            "nodes": sorted(c.client(leader).execute_command("CLUSTER", "NODES").decode().split("\n")),
            "data": [c.client(i).get(f"k{n}") for i in c.nodes for n in range(20)],
        }

    def test_attacks_without_the_secret_change_nothing(self):
        c = Cluster(3).start()
        try:
            r = c.client(c.leader())
            for n in range(20):
                self.assertTrue(r.set(f"k{n}", f"v{n}"))
            cid = cluster_id(c)
            before = self.observe(c)
            for secret in (None, "a-wrong-guess"):
                for target, sender, frames in attacks(c, cid):
                    self.assertTrue(deliver(c, cid, target, sender, frames, secret),
                                    f"node {target} kept a connection open for an unauthenticated {frames[0][:60]!r}")
            time.sleep(1.5)  # an election or a commit would have happened by now
            after = self.observe(c)
            self.assertEqual(before, after)
            for i in c.nodes:
                self.assertIsNone(c.client(i).get("forged"), f"a forged write reached node {i}")
                log = c.nodes[i].log()
                self.assertRegex(log, r"refused peer connection from 127\.0\.0\.1:\d+")
                self.assertNotIn("PANIC", log)
            # The members still talk to each other (and the attacks cost them nothing).
            self.assertTrue(r.set("after", "ok"))
            for i in c.nodes:
                self.assertEqual(c.client(i).get("after"), b"ok")
        finally:
            c.cleanup()

    def test_control_the_same_forgeries_work_without_a_secret(self):
        """Without cluster-secret the forged forwarded write commits and the forged vote moves the
        term: the attacks above are real, so their failure above is the secret's doing."""
        c = Cluster(3, secret=False).start()
        try:
            cid = cluster_id(c)
            leader = c.leader()
            f1, f2 = [i for i in c.nodes if i != leader]
            term = int(c.raft_info(f1)["raft_term"])
            deliver(c, cid, leader, f1, [frame(cid, f1, b"fwd", fwd(7001, log_entry(b"set", b"forged", b"fwd"), term))], None)
            deliver(c, cid, f1, f2, [frame(cid, f2, b"raft", raft_message(RAFT_VOTE, f2, f1, term + 1000, term, 10 ** 6,
                                                                         context=b"CampaignTransfer"))],
                    None)
            deadline = time.time() + 5
            while time.time() < deadline and c.client(leader).get("forged") is None:
                time.sleep(0.1)
            self.assertEqual(c.client(leader).get("forged"), b"fwd")
            self.assertGreaterEqual(int(c.raft_info(f1)["raft_term"]), term + 1000)
        finally:
            c.cleanup()


if __name__ == "__main__":
    unittest.main(verbosity=2)
