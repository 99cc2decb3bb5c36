"""A local redraft cluster of real processes for integration tests (see harness.py)."""
import os
import shutil
import signal
import tempfile
import time
import unittest

import redis

from harness import SECRET_ARGS, Server, free_port


class Cluster:
    """N nodes with static membership (slots 1..N), each on its own free ports and data dir.

    A node's Raft id is its slot until its data directory is lost: then it rejoins under a new
    id (docs/membership.md). Tests name nodes by slot; the cluster names peers by address."""

    def __init__(self, n=3, extra_args=(), secret=True):
        self.root = tempfile.mkdtemp(prefix="redraft-cluster-")
        self.ports = {i: free_port() for i in range(1, n + 1)}
        members = ",".join(f"{i}@127.0.0.1:{p}" for i, p in self.ports.items())
        self.nodes = {}
        for i, p in self.ports.items():
            args = ["--cluster-node-id", str(i), "--cluster-members", members,
                    "--enable-debug-command", "yes", "--cluster-request-timeout", "3000"] + (SECRET_ARGS if secret else []) + list(extra_args)
            self.nodes[i] = Server(port=p, datadir=os.path.join(self.root, f"node{i}"), args=args)
            os.makedirs(self.nodes[i].dir, exist_ok=True)

    def start(self):
        for s in self.nodes.values():
            s.start(wait=False)
        for s in self.nodes.values():
            from harness import wait_ping
            wait_ping(s.port, proc=s.proc)
        self.wait_leader()
        for i in self.nodes:
            self.wait_knows_leader(i)
        return self

    def wait_knows_leader(self, i, timeout=15):
        deadline = time.time() + timeout
        while time.time() < deadline:
            info = self.raft_info(i)
            if info and info.get("raft_leader") not in (None, "none"):
                return
            time.sleep(0.05)
        raise AssertionError(f"node {i} learned of no leader")

    def client(self, i, **kw):
        kw.setdefault("socket_timeout", 10)
        return redis.Redis(port=self.ports[i], **kw)

    def raft_info(self, i):
        try:
            return self.client(i, socket_timeout=2).info("raft")
        except (redis.ConnectionError, redis.TimeoutError):
            return None

    def alive(self):
        return [i for i, s in self.nodes.items() if s.proc and s.proc.poll() is None]

    def leader(self, among=None):
        """The node id that calls itself leader, among the given nodes (default: all alive)."""
        for i in among or self.alive():
            info = self.raft_info(i)
            if info and info.get("raft_role") == "leader":
                return i
        return None

    def wait_leader(self, among=None, timeout=15, exclude=None):
        deadline = time.time() + timeout
        while time.time() < deadline:
            nodes = [i for i in (among or self.alive()) if i != exclude]
            lead = self.leader(nodes)
            if lead:
                return lead
            time.sleep(0.05)
        raise AssertionError("no leader elected")

    def wait_applied(self, i, index, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            info = self.raft_info(i)
            if info and int(info["raft_applied_index"]) >= index:
                return
            time.sleep(0.05)
        raise AssertionError(f"node {i} did not apply index {index}")

    def kill9(self, i):
        self.nodes[i].kill9()

    def restart(self, i, wipe=False):
        s = self.nodes[i]
        if s.proc and s.proc.poll() is None:
            s.kill9()
        if wipe:
            shutil.rmtree(s.dir)
            os.makedirs(s.dir)
        s.start()
        self.wait_knows_leader(i)

    def stop_signal(self, i, sig):
        self.nodes[i].signal(sig)

    def partition(self, i, on=True):
        """Cut node i off from every peer (both directions), and every peer from node i."""
        state = "on" if on else "off"
        self.client(i).execute_command("DEBUG", "PARTITION", "*", state)
        for j in self.alive():
            if j != i:
                self.client(j).execute_command("DEBUG", "PARTITION", self.addr(i), state)

    def addr(self, i):
        return f"127.0.0.1:{self.ports[i]}"

    def node_id(self, i):
        """Node i's current Raft id (40 hex digits), or None if it does not answer."""
        try:
            return self.client(i, socket_timeout=2).execute_command("CLUSTER", "MYID").decode()
        except (redis.ConnectionError, redis.TimeoutError):
            return None

    def voters(self, i):
        """The number of voters node i's configuration holds."""
        info = self.raft_info(i)
        return int(info["raft_voters"]) if info and "raft_voters" in info else None

    def cleanup(self):
        if getattr(self, "keep", False):
            print("keeping", self.root)
        for s in self.nodes.values():
            if s.proc and s.proc.poll() is None:
                try:
                    s.proc.send_signal(signal.SIGCONT)
                except ProcessLookupError:
                    pass
            s.cleanup()
        if not getattr(self, "keep", False):
            shutil.rmtree(self.root, ignore_errors=True)


class ClusterTestCase(unittest.TestCase):
    """Test classes that share one cluster, started once for the class: self.c. Set
    cluster_args for extra server arguments on every node, or override make_cluster (an HTTP
    port per node, say); tearDownClass stops every node and removes the data."""

    cluster_size = 3
    cluster_args = ()

    @classmethod
    def make_cluster(cls):
        return Cluster(cls.cluster_size, extra_args=list(cls.cluster_args))

    @classmethod
    def setUpClass(cls):
        cls.c = cls.make_cluster().start()

    @classmethod
    def tearDownClass(cls):
        cls.c.cleanup()
