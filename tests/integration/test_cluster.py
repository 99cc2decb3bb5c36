"""A 3-node cluster of real processes under real faults, driven by real clients."""
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
import unittest

import redis
from redis.cluster import RedisCluster

sys.path.insert(0, os.path.dirname(__file__))
from cluster_harness import Cluster  # noqa: E402
from harness import SECRET_ARGS, RawConn, Server  # noqa: E402


def write_until_ok(client_fn, key, value, timeout=15):
    """Retries a SET until it is acknowledged; returns the seconds it took."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        try:
            if client_fn().set(key, value):
                return time.monotonic() - t0
        except (redis.RedisError, OSError):
            pass
        time.sleep(0.02)
    raise AssertionError(f"write of {key} not acknowledged within {timeout}s")


class ClusterTest(unittest.TestCase):
    def setUp(self):
        self.c = Cluster(3, extra_args=["--log-compact-entries", "1000"]).start()

    def tearDown(self):
        self.c.cleanup()

    def others(self, i):
        return [j for j in self.c.alive() if j != i]

    def test_any_node_serves_reads_and_writes(self):
        leader = self.c.leader()
        follower = self.others(leader)[0]
        self.assertTrue(self.c.client(follower).set("via-follower", "1"))
        self.assertTrue(self.c.client(leader).set("via-leader", "2"))
        for i in self.c.alive():
            r = self.c.client(i)
            self.assertEqual(r.get("via-follower"), b"1")  # linearizable read on every node
            self.assertEqual(r.get("via-leader"), b"2")
        info = self.c.client(follower).cluster("info")
        self.assertEqual(info["cluster_state"], "ok")
        self.assertEqual(self.c.client(follower).info("cluster")["cluster_enabled"], 1)
        rc = RedisCluster(host="127.0.0.1", port=self.c.ports[follower])
        for n in range(50):
            rc.set(f"rc:{n}", n)
        self.assertEqual(rc.get("rc:7"), b"7")
        out = subprocess.run(["redis-cli", "-c", "-p", str(self.c.ports[follower]), "GET", "rc:7"],
                             capture_output=True, text=True, timeout=20)
        self.assertEqual(out.stdout.strip(), "7")
        # Admin Statuses render through resp::ErrorText, byte for byte (the MEET reply is deferred).
        raw = RawConn(self.c.ports[follower])
        try:
            raw.send(b"*3\r\n$7\r\nCLUSTER\r\n$6\r\nFORGET\r\n$8\r\nnonsense\r\n")
            self.assertEqual(raw.reply(), b"-ERR Unknown node nonsense\r\n")
            raw.send(b"*4\r\n$7\r\nCLUSTER\r\n$4\r\nMEET\r\n$9\r\n127.0.0.1\r\n$1\r\n1\r\n")
            self.assertEqual(raw.reply(), b"-ERR CLUSTER MEET must be sent to the leader\r\n")
        finally:
            raw.close()

    def test_leader_kill9_new_leader_serves_nothing_lost(self):
        acked = {}
        times = []
        for rnd in range(3):
            for n in range(50):
                key = f"r{rnd}:{n}"
                # The restarted node may still be settling: retry until acknowledged (SET is
                # idempotent, so a retried UNCERTAIN write cannot change what is checked below).
                write_until_ok(lambda: self.c.client(self.c.alive()[0], socket_timeout=2), key, key)
                acked[key] = key.encode()
            old = self.c.leader()
            self.c.kill9(old)
            survivor = self.others(old)[0]
            times.append(write_until_ok(lambda: self.c.client(survivor, socket_timeout=2), f"after{rnd}", "x"))
            acked[f"after{rnd}"] = b"x"
            self.c.restart(old)
        lead = self.c.wait_leader()
        commit = int(self.c.raft_info(lead)["raft_commit_index"])
        for i in self.c.alive():
            self.c.wait_applied(i, commit)
            r = self.c.client(i)
            for k, v in acked.items():
                self.assertEqual(r.get(k), v, f"node {i} lost {k}")
        print(f"\nleader kill -9 to first acknowledged write: median {statistics.median(times) * 1000:.0f} ms "
              f"(samples {[round(t * 1000) for t in times]})")
        self.assertLess(statistics.median(times), 5.0)

    def test_sigstop_leader_then_follower(self):
        leader = self.c.leader()
        self.c.stop_signal(leader, signal.SIGSTOP)
        survivor = self.others(leader)[0]
        write_until_ok(lambda: self.c.client(survivor, socket_timeout=2), "during-stop", "1")
        self.c.stop_signal(leader, signal.SIGCONT)
        new_leader = self.c.wait_leader(exclude=None)
        time.sleep(1)
        # The paused leader came back to a newer term: it must not lead alone, and it catches up.
        self.assertEqual(self.c.raft_info(leader)["raft_role"] == "leader", leader == self.c.leader())
        self.assertEqual(self.c.client(leader).get("during-stop"), b"1")
        follower = [i for i in self.c.alive() if i != self.c.leader()][0]
        self.c.stop_signal(follower, signal.SIGSTOP)
        try:
            t = write_until_ok(lambda: self.c.client(self.c.leader(), socket_timeout=2), "follower-stopped", "2")
            self.assertLess(t, 3, "a paused follower must not stop the majority")
        finally:
            self.c.stop_signal(follower, signal.SIGCONT)
        self.assertEqual(self.c.client(follower).get("follower-stopped"), b"2")
        del new_leader

    def test_restart_with_empty_data_dir_catches_up_by_snapshot(self):
        r = self.c.client(self.c.leader())
        p = r.pipeline(transaction=False)
        for n in range(3000):
            p.set(f"k{n}", n)
        p.execute()
        victim = self.others(self.c.leader())[0]
        self.c.kill9(victim)
        p = r.pipeline(transaction=False)
        for n in range(3000, 4000):
            p.set(f"k{n}", n)
        p.execute()
        self.c.restart(victim, wipe=True)
        commit = int(self.c.raft_info(self.c.leader())["raft_commit_index"])
        self.c.wait_applied(victim, commit, timeout=30)
        local = self.c.client(victim)
        local.execute_command("READONLY")
        self.assertEqual(local.dbsize(), 4000)
        for n in (0, 1999, 3999):
            self.assertEqual(local.get(f"k{n}"), str(n).encode())
        self.assertIn("installed snapshot", self.c.nodes[victim].log())

    def test_partition_majority_serves_minority_refuses(self):
        old = self.c.leader()
        self.c.client(old).set("before", "1")
        self.c.partition(old, True)
        try:
            majority = self.others(old)
            new = self.c.wait_leader(among=majority, timeout=15)
            self.assertIn(new, majority)
            self.assertTrue(self.c.client(new).set("during", "majority"))
            iso = self.c.client(old, socket_timeout=10)
            t0 = time.monotonic()
            with self.assertRaises(redis.ResponseError) as read_err:
                iso.get("before")
            self.assertLess(time.monotonic() - t0, 8, "the minority must answer within a bounded time")
            self.assertRegex(str(read_err.exception), "CLUSTERDOWN|TRYAGAIN")
            t0 = time.monotonic()
            with self.assertRaises(redis.ResponseError) as write_err:
                iso.set("minority-write", "lost")
            self.assertLess(time.monotonic() - t0, 8)
            self.assertRegex(str(write_err.exception), "CLUSTERDOWN|TRYAGAIN|UNCERTAIN")
        finally:
            self.c.partition(old, False)
        lead = self.c.wait_leader()
        commit = int(self.c.raft_info(lead)["raft_commit_index"])
        for i in self.c.alive():
            self.c.wait_applied(i, commit)
            r = self.c.client(i)
            self.assertEqual(r.get("during"), b"majority")
            self.assertEqual(r.get("before"), b"1")
            self.assertIsNone(r.get("minority-write"), "an isolated leader's write must never be applied")

    def test_cluster_failover_moves_leadership(self):
        leader = self.c.leader()
        target = self.others(leader)[0]
        self.assertTrue(self.c.client(target).execute_command("CLUSTER", "FAILOVER"))
        deadline = time.time() + 10
        while time.time() < deadline and self.c.leader() != target:
            time.sleep(0.05)
        self.assertEqual(self.c.leader(), target)
        self.assertTrue(self.c.client(leader).set("after-failover", "1"))

    def test_membership_add_and_remove_under_load(self):
        stop = threading.Event()
        acked = {}
        errors = []

        def writer():
            n = 0
            while not stop.is_set():
                n += 1
                i = self.c.alive()[n % len(self.c.alive())]
                try:
                    if self.c.client(i, socket_timeout=3).set(f"load:{n}", n):
                        acked[f"load:{n}"] = str(n).encode()
                except (redis.RedisError, OSError) as e:
                    errors.append(str(e))
                time.sleep(0.005)

        t = threading.Thread(target=writer, daemon=True)
        t.start()
        try:
            fresh = Server(args=["--cluster-join", "yes", "--enable-debug-command", "yes"] + SECRET_ARGS).start()
            try:
                leader = self.c.leader()
                self.assertTrue(self.c.client(leader).execute_command("CLUSTER", "MEET", "127.0.0.1", fresh.port))
                deadline = time.time() + 30
                while time.time() < deadline:
                    nodes = self.c.client(self.c.leader()).execute_command("CLUSTER", "NODES").decode()
                    if len(nodes.strip().splitlines()) == 4 and redis.Redis(port=fresh.port).info("raft")["raft_role"] == "follower":
                        voters = int(self.c.raft_info(self.c.leader())["raft_voters"])
                        if voters == 4:
                            break
                    time.sleep(0.2)
                self.assertEqual(int(self.c.raft_info(self.c.leader())["raft_voters"]), 4)
                # The joiner's own view too: it derived its configuration from the log, which
                # starts with the bootstrap entries (before, it believed it was the only voter).
                deadline = time.time() + 10
                while time.time() < deadline and int(redis.Redis(port=fresh.port).info("raft")["raft_voters"]) != 4:
                    time.sleep(0.1)
                self.assertEqual(int(redis.Redis(port=fresh.port).info("raft")["raft_voters"]), 4)
                # Remove the leader itself: the rest elect a new one and keep serving.
                leader = self.c.leader()
                leader_id = self.c.client(leader).execute_command("CLUSTER", "MYID").decode()
                self.assertTrue(self.c.client(leader).execute_command("CLUSTER", "FORGET", leader_id))
                # The new leader may be the joiner, which is not one of self.c's nodes.
                def new_leader_voters():
                    lead = self.c.leader(self.others(leader))
                    info = self.c.raft_info(lead) if lead is not None else None
                    if info is None:
                        try:
                            info = redis.Redis(port=fresh.port, socket_timeout=2).info("raft")
                        except (redis.RedisError, OSError):
                            return None
                        if info.get("raft_role") != "leader":
                            return None
                    return int(info["raft_voters"])
                deadline = time.time() + 15
                while time.time() < deadline and new_leader_voters() != 3:
                    time.sleep(0.1)
                self.assertEqual(new_leader_voters(), 3)
                self.c.nodes[leader].stop()
                time.sleep(1)
                stop.set()
                t.join(timeout=10)
                survivors = self.c.alive()
                r = redis.Redis(port=fresh.port, socket_timeout=10)
                for k, v in list(acked.items()):
                    self.assertEqual(r.get(k), v, f"acknowledged {k} lost")
                for i in survivors:
                    self.assertEqual(self.c.client(i).get(k), v)
                print(f"\nmembership under load: {len(acked)} acknowledged writes, {len(errors)} refused/uncertain")
            finally:
                fresh.cleanup()
        finally:
            stop.set()
            t.join(timeout=10)


if __name__ == "__main__":
    unittest.main(verbosity=2)
