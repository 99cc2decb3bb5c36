"""Streamed snapshots (issue 7 item 6, docs/snapshot_format.md "Streamed snapshots").

A wiped follower of a 3-node cluster catches up a dataset far larger than a chunk window by a
snapshot streamed from the leader's store, while writes keep going through the leader; the
leader's and the receiver's resident memory stay within a bound well below the dataset size; the
receiver killed mid-transfer restarts cleanly and still ends with every key.

REDRAFT_SNAPSHOT_MB (default 200) sets the dataset size; the manual large run is e.g.
  REDRAFT_SNAPSHOT_MB=4096 REDRAFT_SNAPSHOT_ONLY=catch_up python3 tests/integration/test_snapshot_stream.py
"""
import os
import random
import sys
import threading
import time
import unittest

import redis

sys.path.insert(0, os.path.dirname(__file__))
from cluster_harness import Cluster  # noqa: E402

MB = 1 << 20
DATASET_MB = int(os.environ.get("REDRAFT_SNAPSHOT_MB", "200"))
VALUE_BYTES = 16 << 10
KEYS_PER_MSET = 32
COMPACT_ARGS = ["--log-compact-entries", "1000", "--log-compact-bytes", "8mb"]


def rss_kb(pid, field="VmRSS"):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def value_for(i):
    """Incompressible (so the dataset on disk is as large as it says), reproducible per key."""
    return random.Random(i).randbytes(VALUE_BYTES)


def load(client, nkeys):
    """Fills the cluster through the leader with MSETs of KEYS_PER_MSET keys, pipelined."""
    pipe = client.pipeline(transaction=False)
    pending = 0
    for start in range(0, nkeys, KEYS_PER_MSET):
        kv = {}
        for i in range(start, min(nkeys, start + KEYS_PER_MSET)):
            kv[f"k:{i:09d}"] = value_for(i)[:VALUE_BYTES]
        pipe.mset(kv)
        pending += 1
        if pending == 16:
            pipe.execute()
            pending = 0
    if pending:
        pipe.execute()


class Sampler(threading.Thread):
    """Samples VmRSS of some processes and a node's INFO raft every 100 ms."""

    def __init__(self, cluster):
        super().__init__(daemon=True)
        self.c = cluster
        self.pids = {}        # name -> pid
        self.peak = {}        # name -> peak VmRSS kB
        self.info_lines = []  # snapshot progress lines seen
        self.watch = []       # node slots whose INFO raft to watch
        self.going = True

    def track(self, name, pid):
        self.pids[name] = pid

    def stop(self):
        self.going = False
        self.join(timeout=10)

    def run_once(self):
        for name, pid in list(self.pids.items()):
            v = rss_kb(pid)
            if v is not None:
                self.peak[name] = max(self.peak.get(name, 0), v)
        for i in list(self.watch):
            info = self.c.raft_info(i)
            if info:
                for k, v in info.items():
                    if k.startswith("raft_snapshot_send") or k == "raft_snapshot_recv":
                        self.info_lines.append((i, k, v))

    def run(self):
        while self.going:
            self.run_once()
            time.sleep(0.1)


class Writer(threading.Thread):
    """SETs through the leader until stopped, recording acknowledged keys."""

    def __init__(self, cluster, leader):
        super().__init__(daemon=True)
        self.c = cluster
        self.leader = leader
        self.acked = []
        self.going = True

    def stop(self):
        self.going = False
        self.join(timeout=30)

    def run(self):
        cl = self.c.client(self.leader, socket_timeout=5)
        n = 0
        while self.going:
            try:
                cl.set(f"live:{n}", str(n))
                self.acked.append(n)
            except redis.RedisError:
                time.sleep(0.05)
            n += 1
            time.sleep(0.002)


class StreamedSnapshotTest(unittest.TestCase):
    def setUp(self):
        self.c = Cluster(3, extra_args=COMPACT_ARGS).start()

    def tearDown(self):
        if os.environ.get("REDRAFT_KEEP"):
            self.c.keep = True
        self.c.cleanup()

    def info_int(self, i, key, default=0):
        info = self.c.raft_info(i) or {}
        return int(info.get(key, default))

    def follower_of(self, leader):
        return next(i for i in self.c.alive() if i != leader)

    def wait_caught_up(self, i, leader, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            li, fi = self.c.raft_info(leader), self.c.raft_info(i)
            if li and fi and fi.get("raft_role") in ("follower",) and int(fi["raft_applied_index"]) >= int(li["raft_commit_index"]) - 5:
                return
            time.sleep(0.2)
        self.fail(f"node {i} did not catch up within {timeout} s: {self.c.raft_info(i)}")

    def check_all_data(self, i, nkeys, live_acked):
        cl = self.c.client(i, socket_timeout=30)
        cl.execute_command("READONLY")
        for k in list(range(0, nkeys, max(1, nkeys // 200))) + [nkeys - 1]:
            got = cl.get(f"k:{k:09d}")
            self.assertEqual(got, value_for(k)[:VALUE_BYTES], f"key k:{k:09d} on node {i}")
        for n in live_acked[:: max(1, len(live_acked) // 200)] + live_acked[-1:]:
            self.assertEqual(cl.get(f"live:{n}"), str(n).encode(), f"live:{n} on node {i}")
        self.assertEqual(cl.dbsize(), nkeys + len(set(live_acked)) + self.extra_keys)

    def prepare(self, dataset_mb):
        leader = self.c.wait_leader()
        nkeys = dataset_mb * MB // VALUE_BYTES
        t0 = time.time()
        load(self.c.client(leader, socket_timeout=60), nkeys)
        print(f"loaded {nkeys} keys ({dataset_mb} MB) in {time.time() - t0:.1f} s", flush=True)
        self.extra_keys = 0
        # The log was compacted past what an empty node needs: catching up takes a snapshot.
        self.assertGreater(self.info_int(leader, "raft_snapshot_index"), 1)
        return leader, nkeys

    @unittest.skipIf(os.environ.get("REDRAFT_SNAPSHOT_ONLY", "catch_up") != "catch_up", "not selected")
    def test_wiped_follower_catches_up_with_bounded_memory_while_writes_go_on(self):
        leader, nkeys = self.prepare(DATASET_MB)
        wiped = self.follower_of(leader)
        time.sleep(1.0)
        steady_leader = rss_kb(self.c.nodes[leader].proc.pid)
        steady_other = rss_kb(self.c.nodes[wiped].proc.pid)
        sampler = Sampler(self.c)
        sampler.track("leader", self.c.nodes[leader].proc.pid)
        sampler.watch = [leader]
        sampler.start()
        writer = Writer(self.c, leader)
        writer.start()
        t0 = time.time()
        self.c.restart(wiped, wipe=True)
        sampler.track("receiver", self.c.nodes[wiped].proc.pid)
        sampler.watch = [leader, wiped]
        self.wait_caught_up(wiped, leader, timeout=120 + DATASET_MB // 10)
        took = time.time() - t0
        time.sleep(1.0)
        writer.stop()
        sampler.stop()
        self.assertGreater(len(writer.acked), 100, "writes kept being acknowledged during the transfer")
        self.wait_caught_up(wiped, leader, timeout=30)
        self.c.wait_applied(wiped, int(self.c.raft_info(leader)["raft_commit_index"]), timeout=30)
        self.assertGreaterEqual(self.info_int(wiped, "raft_snapshots_installed"), 1)
        self.assertGreaterEqual(self.info_int(leader, "raft_snapshots_sent"), 1)
        sends = [v for (i, k, v) in sampler.info_lines if i == leader and k.startswith("raft_snapshot_send")]
        self.assertTrue(sends, "INFO raft showed the transfer in progress on the leader")
        self.check_all_data(wiped, nkeys, writer.acked)
        peak_leader, peak_recv = sampler.peak["leader"], sampler.peak["receiver"]
        print(f"dataset {DATASET_MB} MB, caught up in {took:.1f} s; leader RSS steady {steady_leader // 1024} MB "
              f"peak {peak_leader // 1024} MB; receiver peak {peak_recv // 1024} MB (the other follower's steady "
              f"RSS was {steady_other // 1024} MB); {len(writer.acked)} writes acknowledged meanwhile; "
              f"last progress seen: {sends[-1]}", flush=True)
        # Bounded memory: neither side holds the snapshot; the growth is RocksDB's memtables and
        # caches, well below the dataset.
        bound_kb = min(300 * 1024, DATASET_MB * 1024 // 2)
        self.assertLess(peak_leader - steady_leader, bound_kb, "leader RSS grew with the dataset")
        self.assertLess(peak_recv - steady_other, bound_kb, "receiver RSS grew with the dataset")

    @unittest.skipIf(os.environ.get("REDRAFT_SNAPSHOT_ONLY", "kill") != "kill", "not selected")
    def test_receiver_killed_mid_transfer_restarts_cleanly(self):
        leader, nkeys = self.prepare(max(64, DATASET_MB // 2))
        wiped = self.follower_of(leader)
        self.c.restart(wiped, wipe=True)
        # Kill it once it holds part of the snapshot in its staging area.
        deadline = time.time() + 60
        while time.time() < deadline:
            info = self.c.raft_info(wiped) or {}
            recv = info.get("raft_snapshot_recv")
            if isinstance(recv, dict) and int(recv.get("bytes", 0)) > 8 * MB:
                break
            time.sleep(0.02)
        else:
            self.fail("the receiver never reported a transfer in progress")
        self.c.kill9(wiped)
        self.c.restart(wiped)  # same data dir: its partial staging must be dropped on open
        self.wait_caught_up(wiped, leader, timeout=120)
        self.c.wait_applied(wiped, int(self.c.raft_info(leader)["raft_commit_index"]), timeout=30)
        self.assertGreaterEqual(self.info_int(wiped, "raft_snapshots_installed"), 1)
        # The interrupted transfer was abandoned and a new one delivered the state.
        self.assertGreaterEqual(self.info_int(leader, "raft_snapshots_send_failed"), 1)
        self.assertGreaterEqual(self.info_int(leader, "raft_snapshots_sent"), 1)
        self.check_all_data(wiped, nkeys, [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
