"""Real faults for the integration tests: kernel partitions and power loss.

Kernel partitions (needs root and iptables): every node runs as its own uid (numeric, no passwd
entry; `setpriv --reuid --regid --clear-groups`), its data directory chowned to it. The peer
transport sends every message on a TCP connection that the SENDER dialed to the receiver's peer
port (port + 10000) and only reads inbound connections, so one iptables rule on loopback's OUTPUT

    -p tcp -m owner --uid-owner <uid of A> --dport <peer port of B> -j DROP

cuts every message from A to B (the SYN of a new connection and the data of an existing one
vanish silently, as on a real network) and nothing else. Partitions are sets of such directed
cuts; one-way partitions are a subset of them. Test clients run as root and are never cut off.
The rules live in a chain of their own (REDRAFT-<pid>, jumped to from OUTPUT) that cleanup()
removes, also at exit and on SIGTERM; chains left by a run that was killed -9 are removed by the
next run (their pid is dead).

Nodes are named by harness labels 1..N (their client ports); the Raft node id is whatever
INFO raft says (node_id()), never assumed from the label.

Power loss: see powerloss/README.md. A node started with powerloss=True runs under the
LD_PRELOAD shim; power_cut() kill -9s it and rolls its data directory back to what a power cut
would have left; a restart without a power cut first makes everything durable (`sync`).
"""
import atexit
import os
import shutil
import signal
import subprocess
import tempfile
import time

import redis

from harness import SECRET_ARGS, SERVER_BIN, free_port, wait_ping

BUILD_BIN = os.path.dirname(os.path.abspath(SERVER_BIN))
POWERLOSS_LIB = os.environ.get("REDRAFT_POWERLOSS_LIB", os.path.join(BUILD_BIN, "..", "lib", "libredraft_powerloss.so"))
POWERLOSS_TOOL = os.environ.get("REDRAFT_POWERLOSS_TOOL", os.path.join(BUILD_BIN, "powerloss_rollback"))

CHAIN_PREFIX = "REDRAFT-"
_chains = []


def _iptables(*args, check=True):
    r = subprocess.run(["iptables", "-w", "5", *args], capture_output=True, text=True, timeout=30)
    if check and r.returncode != 0:
        raise RuntimeError(f"iptables {' '.join(args)}: {r.stderr.strip()}")
    return r


def _remove_chain(name):
    while _iptables("-D", "OUTPUT", "-o", "lo", "-j", name, check=False).returncode == 0:
        pass
    _iptables("-F", name, check=False)
    _iptables("-X", name, check=False)


def _remove_all_chains():
    for c in list(_chains):
        _remove_chain(c)
        _chains.remove(c)


def _sweep_stale_chains():
    """Removes REDRAFT-<pid> chains whose process is gone (a run that was killed -9)."""
    r = _iptables("-S", check=False)
    for line in r.stdout.splitlines():
        if line.startswith("-N " + CHAIN_PREFIX):
            name = line.split()[1]
            try:
                pid = int(name[len(CHAIN_PREFIX):])
            except ValueError:
                continue
            if not os.path.exists(f"/proc/{pid}"):
                _remove_chain(name)


atexit.register(_remove_all_chains)


def _on_sigterm(signum, frame):
    raise SystemExit(128 + signum)   # runs finally blocks and atexit (removes the rules)


def kernel_partitions_available():
    """(True, "") or (False, why)."""
    if os.geteuid() != 0:
        return False, "not root"
    if shutil.which("iptables") is None:
        return False, "iptables not installed (deps/install.sh installs it)"
    if shutil.which("setpriv") is None:
        return False, "setpriv not installed"
    r = _iptables("-S", "OUTPUT", check=False)
    if r.returncode != 0:
        return False, "iptables does not work here: " + r.stderr.strip()
    return True, ""


class Node:
    def __init__(self, label, port, datadir, args, uid=None, powerloss=False):
        self.label, self.port, self.dir, self.args, self.uid = label, port, datadir, list(args), uid
        self.powerloss = powerloss
        self.journal = datadir.rstrip("/") + ".powerloss"        # outside the data dir, same file system
        self.proc = None

    @property
    def peer_port(self):
        return self.port + 10000

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def start(self, wait=True):
        os.makedirs(self.dir, exist_ok=True)
        cmd = [SERVER_BIN, "--port", str(self.port), "--dir", self.dir, "--bind", "127.0.0.1"] + self.args
        env = dict(os.environ)
        if self.powerloss:
            for f in (POWERLOSS_LIB, POWERLOSS_TOOL):
                if not os.path.exists(f):
                    raise RuntimeError(f"{f} is missing: build the redraft_powerloss and powerloss_rollback targets")
            os.makedirs(self.journal, exist_ok=True)
            env.update(LD_PRELOAD=os.path.abspath(POWERLOSS_LIB), POWERLOSS_ROOT=self.dir,
                       POWERLOSS_DIR=self.journal)
        if self.uid is not None:
            for root, dirs, files in os.walk(self.dir):
                os.chown(root, self.uid, self.uid)
                for f in files:
                    os.chown(os.path.join(root, f), self.uid, self.uid)
            if self.powerloss:
                os.chown(self.journal, self.uid, self.uid)
            cmd = ["setpriv", f"--reuid={self.uid}", f"--regid={self.uid}", "--clear-groups", "--"] + cmd
        with open(self.dir + ".log", "ab") as log:   # beside the data dir: not part of what the node owns
            # Its own session: see harness.Server.start (SIGHUP to stopped orphaned process groups).
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        if wait:
            wait_ping(self.port, proc=self.proc)
        return self

    def kill9(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.kill()
        if self.proc is not None:
            self.proc.wait(timeout=10)

    def stop(self, timeout=20):
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill9()

    def log(self):
        try:
            with open(self.dir + ".log", "rb") as f:
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    # Power loss ----------------------------------------------------------------------------------
    def rollback(self):
        """After the process died: the data dir as a power cut would leave it. Returns the tool's summary."""
        assert not self.alive()
        r = subprocess.run([POWERLOSS_TOOL, "rollback", self.dir, self.journal], capture_output=True,
                           text=True, timeout=120)
        if r.returncode != 0:
            raise RuntimeError(f"powerloss rollback of {self.dir} failed ({r.returncode}): {r.stderr}{r.stdout}")
        return r.stdout.strip()

    def commit(self):
        """After the process died without a power cut: everything it wrote becomes durable."""
        assert not self.alive()
        r = subprocess.run([POWERLOSS_TOOL, "commit", self.dir, self.journal], capture_output=True,
                           text=True, timeout=120)
        if r.returncode != 0:
            raise RuntimeError(f"powerloss commit of {self.dir} failed: {r.stderr}{r.stdout}")


class FaultCluster:
    """N nodes with static initial membership; optional per-node uids (kernel partitions) and the
    power-loss shim."""

    def __init__(self, n=3, uids=False, powerloss=False, extra_args=()):
        self.root = tempfile.mkdtemp(prefix="redraft-faults-")
        os.chmod(self.root, 0o755)
        self.uids = uids
        self.powerloss = powerloss
        self.extra_args = ["--enable-debug-command", "yes", "--cluster-request-timeout", "3000"] + SECRET_ARGS + list(extra_args)
        self.chain = None
        self._uid_base = 42000 + (os.getpid() % 2000) * 10   # distinct per concurrently running test
        self.nodes = {}
        ports = {i: free_port() for i in range(1, n + 1)}
        members = ",".join(f"{i}@127.0.0.1:{p}" for i, p in ports.items())
        for i, p in ports.items():
            args = ["--cluster-node-id", str(i), "--cluster-members", members] + self.extra_args
            self.nodes[i] = Node(i, p, os.path.join(self.root, f"node{i}"), args,
                                 uid=self._uid_base + i if uids else None, powerloss=powerloss)
        if uids:
            ok, why = kernel_partitions_available()
            if not ok:
                raise RuntimeError("kernel partitions unavailable: " + why)
            _sweep_stale_chains()
            self.chain = f"{CHAIN_PREFIX}{os.getpid()}"
            _remove_chain(self.chain)
            _iptables("-N", self.chain)
            _chains.append(self.chain)
            _iptables("-I", "OUTPUT", "-o", "lo", "-j", self.chain)
            signal.signal(signal.SIGTERM, _on_sigterm)

    @property
    def ports(self):
        return {i: n.port for i, n in self.nodes.items()}

    def start(self):
        for n in self.nodes.values():
            n.start(wait=False)
        for n in self.nodes.values():
            wait_ping(n.port, proc=n.proc)
        self.wait_leader()
        for i in self.nodes:
            self.wait_knows_leader(i)
        return self

    def add_node(self):
        """Starts a new empty node with --cluster-join yes (not yet a member); returns its label."""
        i = max(self.nodes) + 1
        port = free_port()
        args = ["--cluster-join", "yes"] + self.extra_args
        self.nodes[i] = Node(i, port, os.path.join(self.root, f"node{i}"), args,
                             uid=self._uid_base + i if self.uids else None, powerloss=self.powerloss)
        self.nodes[i].start()
        return i

    # Inspection ----------------------------------------------------------------------------------
    def client(self, i, **kw):
        kw.setdefault("socket_timeout", 10)
        return redis.Redis(port=self.nodes[i].port, **kw)

    def raft_info(self, i, timeout=2):
        if not self.nodes[i].alive():
            return None
        try:
            c = self.client(i, socket_timeout=timeout, socket_connect_timeout=1)
            try:
                return c.info("raft")
            finally:
                c.close()
        except (redis.ConnectionError, redis.TimeoutError):
            return None

    def node_id(self, i):
        info = self.raft_info(i)
        return info and str(info["raft_node_id"])

    def alive(self):
        return [i for i, n in self.nodes.items() if n.alive()]

    def leader(self, among=None):
        for i in among or self.alive():
            info = self.raft_info(i)
            if info and info.get("raft_role") == "leader":
                return i
        return None

    def wait_leader(self, among=None, timeout=15):
        deadline = time.time() + timeout
        while time.time() < deadline:
            lead = self.leader(among)
            if lead:
                return lead
            time.sleep(0.05)
        raise AssertionError(f"no leader elected among {among or self.alive()}")

    def wait_knows_leader(self, i, timeout=15):
        deadline = time.time() + timeout
        while time.time() < deadline:
            info = self.raft_info(i)
            if info and info.get("raft_leader") not in (None, "none"):
                return
            time.sleep(0.05)
        raise AssertionError(f"node {i} learned of no leader")

    # Kernel partitions ---------------------------------------------------------------------------
    def cut(self, src, dst):
        """Drops every message from node src to node dst (one direction)."""
        a, b = self.nodes[src], self.nodes[dst]
        _iptables("-A", self.chain, "-p", "tcp", "-m", "owner", "--uid-owner", str(a.uid),
                  "--dport", str(b.peer_port), "-j", "DROP")

    def cut_both(self, x, y):
        self.cut(x, y)
        self.cut(y, x)

    def isolate(self, i):
        for j in self.nodes:
            if j != i:
                self.cut_both(i, j)

    def split(self, *groups):
        """No messages between nodes of different groups."""
        for gi, g in enumerate(groups):
            for h in groups[gi + 1:]:
                for x in g:
                    for y in h:
                        self.cut_both(x, y)

    def deafen(self, i):
        """One-way: node i still sends to every peer but receives from none."""
        for j in self.nodes:
            if j != i:
                self.cut(j, i)

    def heal(self):
        if self.chain:
            _iptables("-F", self.chain)

    def rules(self):
        return _iptables("-S", self.chain, check=False).stdout if self.chain else ""

    # Processes and power -------------------------------------------------------------------------
    def kill9(self, i):
        self.nodes[i].kill9()

    def power_cut(self, labels):
        """Power loss of these nodes at the same instant: kill -9 all, then roll each back."""
        for i in labels:
            if self.nodes[i].proc is not None and self.nodes[i].proc.poll() is None:
                self.nodes[i].proc.kill()
        out = {}
        for i in labels:
            self.nodes[i].kill9()
            out[i] = self.nodes[i].rollback()
        return out

    def restart(self, i, wipe=False, wait_leader=True):
        n = self.nodes[i]
        if n.alive():
            n.kill9()
        if n.powerloss and n.proc is not None:
            n.commit()   # no power cut: what the dead process wrote is in the page cache, durable later
        if wipe:
            shutil.rmtree(n.dir)
            shutil.rmtree(n.journal, ignore_errors=True)
        n.start()
        if wait_leader:
            self.wait_knows_leader(i)

    def cleanup(self, keep=False):
        for n in self.nodes.values():
            try:
                n.kill9()
            except Exception:
                pass
        if self.chain:
            _remove_chain(self.chain)
            if self.chain in _chains:
                _chains.remove(self.chain)
            self.chain = None
        if keep:
            print("keeping", self.root)
        else:
            shutil.rmtree(self.root, ignore_errors=True)
