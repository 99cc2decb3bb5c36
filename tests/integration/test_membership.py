"""After a restart a node's voters and learners are exactly what its log and snapshot say (issue 7).

The split brain this prevents: cluster {1,2,3} adds 4 and 5 with CLUSTER MEET; while both are
still learners node 1 restarts; a partition splits {1,4,5} from {2,3}. If node 1 rebuilt its
membership from its address book (nodes.conf lists learners too) it would count five voters and
win an election with the votes of 4 and 5 alone while {2,3} elect their own leader.
"""
import os
import socket
import sys
import threading
import time
import unittest

import redis

sys.path.insert(0, os.path.dirname(__file__))
from cluster_harness import Cluster  # noqa: E402
from harness import SECRET_ARGS, RawConn, Server, encode  # noqa: E402


class MembershipFromTheLog(unittest.TestCase):
    def setUp(self):
        self.c = Cluster(3).start()
        self.fresh = []

    def tearDown(self):
        for f in self.fresh:
            f.cleanup()
        self.c.cleanup()

    def debug_partition(self, port, target, on):
        redis.Redis(port=port, socket_timeout=5).execute_command("DEBUG", "PARTITION", target, "on" if on else "off")

    def test_restarted_node_keeps_learners_learners_and_no_split_brain(self):
        c = self.c
        lead = c.wait_leader()
        n1 = next(i for i in c.nodes if i != lead)   # the node that restarts: a follower
        rest = [i for i in c.nodes if i != n1]
        self.fresh = [Server(args=["--cluster-join", "yes", "--enable-debug-command", "yes"] + SECRET_ARGS).start() for _ in range(2)]
        # Keep the newcomers from catching up, so they stay learners: the three members drop
        # their peer traffic (DEBUG PARTITION host:port also covers members added later).
        for f in self.fresh:
            for i in c.nodes:
                c.client(i).execute_command("DEBUG", "PARTITION", f"127.0.0.1:{f.port}", "on")
        for f in self.fresh:
            self.assertTrue(c.client(lead).execute_command("CLUSTER", "MEET", "127.0.0.1", f.port))
            deadline = time.time() + 10
            while time.time() < deadline and int(c.raft_info(lead)["raft_learners"]) < len(
                    [x for x in self.fresh if x.port <= f.port or x is f]):
                time.sleep(0.1)
        deadline = time.time() + 10
        while time.time() < deadline and int(c.raft_info(n1)["raft_learners"]) != 2:
            time.sleep(0.1)
        for i in c.nodes:
            info = c.raft_info(i)
            self.assertEqual((int(info["raft_voters"]), int(info["raft_learners"])), (3, 2), f"node {i}: {info}")
        for k in range(200):
            c.client(lead).set(f"before:{k}", k)
        time.sleep(1.0)  # give a (wrong) promotion time to happen
        self.assertEqual(int(c.raft_info(lead)["raft_learners"]), 2, "an unreachable learner was promoted")

        # Restart node 1 (kill -9: it has no snapshot, its log starts at the bootstrap entries).
        c.kill9(n1)
        c.nodes[n1].start()
        c.wait_knows_leader(n1)
        info = c.raft_info(n1)
        self.assertEqual((int(info["raft_voters"]), int(info["raft_learners"])), (3, 2),
                         f"after a restart node {n1} rebuilt another membership: {info}")

        # Split {n1, 4, 5} | {rest}: n1 hears the learners, not the other two voters.
        for f in self.fresh:
            for i in c.nodes:
                c.client(i).execute_command("DEBUG", "PARTITION", f"127.0.0.1:{f.port}", "off")
        for i in rest:
            c.client(n1).execute_command("DEBUG", "PARTITION", c.addr(i), "on")
            c.client(i).execute_command("DEBUG", "PARTITION", c.addr(n1), "on")
            for f in self.fresh:
                c.client(i).execute_command("DEBUG", "PARTITION", f"127.0.0.1:{f.port}", "on")
                self.debug_partition(f.port, c.addr(i), True)

        acked = []
        stop = threading.Event()

        def writer(i):
            # One writer per node, so the isolated node's timeouts do not starve the others.
            k = 0
            r = c.client(i, socket_timeout=1)
            while not stop.is_set():
                key = f"split:{i}:{k}"
                k += 1
                try:
                    if r.set(key, k):
                        acked.append(key)
                except (redis.RedisError, OSError):
                    r = c.client(i, socket_timeout=1)
                time.sleep(0.01)

        threads = [threading.Thread(target=writer, args=(i,), daemon=True) for i in c.nodes]
        for t in threads:
            t.start()
        leaders = {}  # term -> set of node ports that led in it
        deadline = time.time() + 6
        while time.time() < deadline:
            for i in c.nodes:
                info = c.raft_info(i)
                if info and info.get("raft_role") == "leader":
                    leaders.setdefault(int(info["raft_term"]), set()).add(c.ports[i])
            for f in self.fresh:
                info = redis.Redis(port=f.port, socket_timeout=2).info("raft")
                self.assertNotEqual(info.get("raft_role"), "leader")
            time.sleep(0.05)
        stop.set()
        for t in threads:
            t.join(timeout=10)
        for term, who in leaders.items():
            self.assertEqual(len(who), 1, f"two leaders in term {term}: {who}")
        self.assertNotIn(c.ports[n1], set().union(*leaders.values()) if leaders else set(),
                         f"node {n1} led with only the learners' votes")

        # Heal: everything acknowledged on either side is there.
        for i in rest:
            c.client(n1).execute_command("DEBUG", "PARTITION", c.addr(i), "off")
            c.client(i).execute_command("DEBUG", "PARTITION", c.addr(n1), "off")
            for f in self.fresh:
                c.client(i).execute_command("DEBUG", "PARTITION", f"127.0.0.1:{f.port}", "off")
                self.debug_partition(f.port, c.addr(i), False)
        lead = c.wait_leader(timeout=20)
        cl = c.client(lead, socket_timeout=10)
        lost = [k for k in acked if cl.get(k) is None]
        self.assertEqual(lost, [], f"{len(lost)} of {len(acked)} acknowledged writes lost")
        self.assertTrue(len(acked) > 0, "the majority side acknowledged nothing")
        self.assertEqual([k for k in acked if k.startswith(f"split:{n1}:")], [],
                         f"node {n1}, cut off with only learners, acknowledged writes")
        for k in range(200):
            self.assertEqual(cl.get(f"before:{k}"), str(k).encode())
        print(f"split: {len(acked)} acknowledged writes, leaders by term {leaders}")


class MeetDoesNotStallTheLoop(unittest.TestCase):
    """CLUSTER MEET talks to the new node off the event loop: while it waits on a node that never
    answers, every other client is served; its own reply comes, in order, after its timeout."""

    def setUp(self):
        self.s = Server().start()  # a one-voter group: its own leader
        # The "blackhole": a listener that never accepts, so the connect succeeds (the kernel
        # completes it into the backlog) and CLUSTER MYID is never answered.
        self.hole = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.hole.bind(("127.0.0.1", 0))
        self.hole.listen(1)

    def tearDown(self):
        self.hole.close()
        self.s.cleanup()

    def test_meet_to_a_blackholed_node_does_not_stall_other_clients(self):
        other = RawConn(self.s.port)
        deadline = time.time() + 10
        while other.call("SET", "warm", "1") != b"+OK\r\n":  # the node leads (it may still be electing itself)
            self.assertLess(time.time(), deadline)
            time.sleep(0.05)
        meet = RawConn(self.s.port)
        t0 = time.time()
        # MEET and a PING behind it on the same connection: the PONG must wait for MEET's reply.
        meet.send(encode("CLUSTER", "MEET", "127.0.0.1", str(self.hole.getsockname()[1])) + encode("PING"))
        worst = 0.0
        while time.time() - t0 < 1.0:
            t = time.time()
            self.assertEqual(other.call("PING"), b"+PONG\r\n")
            self.assertEqual(other.call("GET", "warm"), b"$1\r\n1\r\n")
            worst = max(worst, time.time() - t)
        self.assertLess(worst, 0.1, "another client waited on CLUSTER MEET")
        meet.sock.setblocking(False)
        try:
            early = meet.sock.recv(1 << 16)
        except BlockingIOError:
            early = b""
        self.assertEqual(early, b"", "MEET answered before its probe could have timed out")
        meet.sock.setblocking(True)
        meet.sock.settimeout(15)
        r = meet.reply()
        elapsed = time.time() - t0
        self.assertTrue(r.startswith(b"-ERR "), r)
        self.assertGreater(elapsed, 1.0)
        self.assertLess(elapsed, 10.0)
        self.assertEqual(meet.reply(), b"+PONG\r\n")  # in order, behind MEET
        self.assertEqual(other.call("PING"), b"+PONG\r\n")


if __name__ == "__main__":
    unittest.main(verbosity=2)
