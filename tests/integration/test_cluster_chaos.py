"""Randomized fault injection on a 3-node cluster under concurrent clients, then checks.

For REDRAFT_CHAOS_SECONDS (default 60) seconds, CLIENTS threads (one connection each, to a random
node, reconnecting elsewhere on errors) SET unique values on a few registers, GET them and INCR a
counter, recording every operation's invocation/completion time (time.monotonic()), result and
outcome: ok / fail (-CLUSTERDOWN, -TRYAGAIN: not executed) / unknown (-UNCERTAIN, timeouts, broken
connections). Meanwhile a nemesis injects one fault at a time every 1-3 s: kill -9 a node and
restart it with its data (or wiped, to force catch-up by snapshot), SIGSTOP/SIGCONT a node, cut a
node off from its peers (DEBUG PARTITION), the same two aimed at the leader, kill -9 the leader
(timing the failover: first OK write through a survivor, polled every 20 ms). Log compaction
runs every 1000 entries. Then everything is healed and the checks run:

  * every node is alive (no crash), a leader exists, every node applies the leader's commit index;
  * every node returns the same final value for every key (linearizable reads through each node);
  * each register's whole history, final reads included, is linearizable (WGL search, see
    linearizability.py): no lost acknowledged write, no stale read, no read of a value whose write
    was reported as not executed;
  * the counter: ok_incrs <= final <= ok_incrs + unknown_incrs; acknowledged INCR replies are
    distinct and increase in real time; every node returns the same counter;
  * no unexpected reply (anything other than the values, OK, integers and the three errors).

REDRAFT_CHAOS_SEED (printed at the start) replays the random choices of the nemesis (faults, victims,
durations) and of the clients (op mix, keys); timing, and so what exactly a fault hits, is not
replayable. On failure the history (JSON) and the node logs are kept in /tmp/redraft-chaos-<seed>-*/.
"""
import collections
import json
import os
import random
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time
import traceback
import unittest

import redis

sys.path.insert(0, os.path.dirname(__file__))
from cluster_harness import Cluster  # noqa: E402
from linearizability import INF, Op, check_register  # noqa: E402

CHAOS_SECONDS = float(os.environ.get("REDRAFT_CHAOS_SECONDS", "60"))
SEED = int(os.environ.get("REDRAFT_CHAOS_SEED", "0")) or random.SystemRandom().randrange(1, 2**31)
CLIENTS = 5
KEYS = [f"reg{i}" for i in range(5)]
COUNTER = "ctr"
LIST = "lst"               # RPUSH of unique elements: a collection type through every fault
OP_TIMEOUT = 4.0           # client socket timeout; the servers' own request timeout is 3 s
CHECK_STATES = 2_000_000   # per-key cap on the linearizability search
CHECK_SECONDS = 20.0       # per-key time cap on the search
# Weighted fault mix.
FAULTS = ["kill", "kill", "kill_wipe", "pause", "pause_leader", "partition", "partition_leader",
          "kill_leader", "kill_leader", "kill_leader", "kill_leader"]


def now():
    return time.monotonic()


def connect(port, timeout=OP_TIMEOUT):
    c = redis.Connection(host="127.0.0.1", port=port, socket_timeout=timeout, socket_connect_timeout=1)
    c.connect()
    return c


class Rec:
    """One client operation."""
    __slots__ = ("client", "node", "kind", "key", "arg", "inv", "ret", "outcome", "result")

    def __init__(self, client, node, kind, key, arg, inv):
        self.client, self.node, self.kind, self.key, self.arg, self.inv = client, node, kind, key, arg, inv
        self.ret, self.outcome, self.result = INF, "unknown", None

    def as_json(self):
        r = self.result
        if isinstance(r, bytes):
            r = r.decode(errors="replace")
        return {"client": self.client, "node": self.node, "kind": self.kind, "key": self.key, "arg": self.arg,
                "inv": self.inv, "ret": None if self.ret == INF else self.ret, "outcome": self.outcome,
                "result": r}


def call(conn, rec, *args):
    """Runs one command on conn and fills in rec's completion; returns False if conn is now broken."""
    try:
        conn.send_command(*args)
        rec.result = conn.read_response()
        rec.ret = now()
        rec.outcome = "ok"
        return True
    except redis.ResponseError as e:
        rec.ret = now()
        msg = str(e)
        rec.result = "-" + msg
        code = msg.split(" ", 1)[0]
        rec.outcome = {"CLUSTERDOWN": "fail", "TRYAGAIN": "fail", "UNCERTAIN": "unknown"}.get(code, "unexpected")
        return True
    except Exception as e:  # timeouts, resets, refused: the outcome of a write is unknown
        rec.ret = INF
        rec.outcome = "unknown"
        rec.result = f"{type(e).__name__}: {e}"
        try:
            conn.disconnect()
        except Exception:
            pass
        return False


class Client(threading.Thread):
    def __init__(self, cid, ports, seed, stop):
        super().__init__(daemon=True, name=f"client{cid}")
        self.cid, self.ports, self.rng, self.stop = cid, ports, random.Random(seed), stop
        self.history = []
        self.error = None

    def run(self):
        try:
            self.loop()
        except Exception:
            self.error = traceback.format_exc()

    def connect_any(self):
        while not self.stop.is_set():
            node = self.rng.choice(list(self.ports))
            try:
                return node, connect(self.ports[node])
            except Exception:
                time.sleep(0.05)
        return None, None

    def loop(self):
        node, conn, n = None, None, 0
        while not self.stop.is_set():
            if conn is None:
                node, conn = self.connect_any()
                if conn is None:
                    return
            p = self.rng.random()
            if p < 0.45:
                n += 1
                key, val = self.rng.choice(KEYS), f"c{self.cid}-{n}"
                rec = Rec(self.cid, node, "w", key, val, now())
                alive = call(conn, rec, "SET", key, val)
                if rec.outcome == "ok" and rec.result != b"OK":
                    rec.outcome = "unexpected"
            elif p < 0.85:
                key = self.rng.choice(KEYS)
                rec = Rec(self.cid, node, "r", key, None, now())
                alive = call(conn, rec, "GET", key)
                if rec.outcome == "ok" and not (rec.result is None or isinstance(rec.result, bytes)):
                    rec.outcome = "unexpected"
            elif p < 0.93:
                n += 1
                rec = Rec(self.cid, node, "l", LIST, f"c{self.cid}-{n}", now())
                alive = call(conn, rec, "RPUSH", LIST, rec.arg)
                if rec.outcome == "ok" and not isinstance(rec.result, int):
                    rec.outcome = "unexpected"
            else:
                rec = Rec(self.cid, node, "i", COUNTER, None, now())
                alive = call(conn, rec, "INCR", COUNTER)
                if rec.outcome == "ok" and not isinstance(rec.result, int):
                    rec.outcome = "unexpected"
            self.history.append(rec)
            if not alive:
                conn = None
            elif rec.outcome == "fail":
                time.sleep(self.rng.uniform(0.005, 0.03))
                if self.rng.random() < 0.3:
                    conn.disconnect()
                    conn = None
        if conn is not None:
            conn.disconnect()


class Nemesis(threading.Thread):
    """One fault at a time until the deadline; everything is healed when it returns."""

    def __init__(self, cluster, seed, deadline):
        super().__init__(daemon=True, name="nemesis")
        self.cluster, self.rng, self.deadline = cluster, random.Random(seed), deadline
        self.faults = collections.Counter()
        self.failovers_ms = []
        self.failover_misses = 0
        self.events = []     # (time, text)
        self.errors = []     # problems that fail the test (crashes, nodes that do not come back)
        self.notes = []      # things worth printing that are not server bugs
        self.expected_down = set()
        self.stopped = set()
        self.partitioned = set()
        self.probe_n = 0

    def log(self, text):
        self.events.append((now(), text))

    def run(self):
        try:
            while now() < self.deadline:
                self.sleep_until(min(self.deadline, now() + self.rng.uniform(1, 3)))
                if now() >= self.deadline:
                    break
                self.check_crashes()
                fault = self.rng.choice(FAULTS)
                self.faults[fault] += 1
                getattr(self, "do_" + fault)()
        except Exception:
            self.errors.append("nemesis: " + traceback.format_exc())
        finally:
            try:
                self.heal_all()
            except Exception:
                self.errors.append("nemesis heal: " + traceback.format_exc())

    @staticmethod
    def sleep_until(t):
        d = t - now()
        if d > 0:
            time.sleep(d)

    def check_crashes(self):
        for i, s in self.cluster.nodes.items():
            if i in self.expected_down:
                continue
            if s.proc is None or s.proc.poll() is not None:
                code = s.proc.returncode if s.proc else None
                self.errors.append(f"node {i} exited on its own (exit code {code}); see {s.dir}/server.log")
                self.log(f"node {i} found dead (exit {code}); restarting")
                self.restart(i)

    def restart(self, i, wipe=False):
        self.cluster.restart(i, wipe=wipe)   # waits for PING (15 s) or raises
        self.expected_down.discard(i)

    def kill(self, i):
        self.expected_down.add(i)
        self.cluster.kill9(i)

    def probe_write(self, nodes, until):
        """Polls SET nemesis:probe through one of nodes every 20 ms; the time of the first OK or None."""
        node = self.rng.choice(nodes)
        conn = None
        while now() < until:
            try:
                if conn is None:
                    conn = connect(self.cluster.ports[node], timeout=5)
                self.probe_n += 1
                conn.send_command("SET", "nemesis:probe", str(self.probe_n))
                if conn.read_response() == b"OK":
                    t = now()
                    conn.disconnect()
                    return t
            except redis.ResponseError:
                pass
            except Exception:
                if conn is not None:
                    conn.disconnect()
                conn = None
            time.sleep(0.02)
        if conn is not None:
            conn.disconnect()
        return None

    def measure_failover(self, killed, t0, t_ok):
        if t_ok is None:
            self.failover_misses += 1
            self.errors.append(f"no write succeeded within 20 s after killing leader {killed}")
        else:
            self.failovers_ms.append((t_ok - t0) * 1000)
            self.log(f"failover after killing leader {killed}: {(t_ok - t0) * 1000:.0f} ms")

    def do_kill(self, wipe=False):
        i = self.rng.choice(list(self.cluster.nodes))
        down = self.rng.uniform(1, 3)
        was_leader = self.cluster.leader() == i
        t0 = now()
        self.kill(i)
        self.log(f"kill -9 node {i}" + (" (the leader)" if was_leader else "") + (" (will wipe)" if wipe else ""))
        others = [j for j in self.cluster.nodes if j != i]
        if was_leader:   # a random kill that hit the leader counts as a leader kill too
            self.faults["kill_hit_leader"] += 1
            self.measure_failover(i, t0, self.probe_write(others, t0 + 20))
        if wipe:
            # Wiping loses the node's vote and log: only safe when the other two hold every
            # committed entry and have moved past any term it voted in. A write committed by
            # exactly those two (the only live ones) proves both.
            if self.probe_write(others, now() + 15) is None:
                self.notes.append(f"node {i} not wiped: no write committed by the other two within 15 s")
                self.log(f"node {i}: wipe skipped")
                wipe = False
        self.sleep_until(t0 + down)
        self.restart(i, wipe=wipe)
        self.log(f"restarted node {i}" + (" wiped" if wipe else ""))
        if not wipe:
            return
        self.faults["wiped_and_restarted"] += 1

    def do_kill_wipe(self):
        self.do_kill(wipe=True)

    def pick(self, leader):
        """A random node, or the current leader (a random node if there is none)."""
        i = self.cluster.leader() if leader else None
        return i or self.rng.choice(list(self.cluster.nodes))

    def do_pause(self, leader=False):
        i = self.pick(leader)
        self.stopped.add(i)
        self.cluster.stop_signal(i, signal.SIGSTOP)
        self.log(f"SIGSTOP node {i}" + (" (the leader)" if leader else ""))
        time.sleep(self.rng.uniform(1, 3))
        self.cluster.stop_signal(i, signal.SIGCONT)
        self.stopped.discard(i)
        self.log(f"SIGCONT node {i}")

    def set_partition(self, i, on):
        last = None
        for _ in range(5):
            try:
                self.cluster.partition(i, on)
                return
            except Exception as e:
                last = e
                time.sleep(0.2)
        raise RuntimeError(f"DEBUG PARTITION for node {i} {'on' if on else 'off'} failed: {last!r}")

    def do_pause_leader(self):
        self.do_pause(leader=True)

    def do_partition_leader(self):
        self.do_partition(leader=True)

    def do_partition(self, leader=False):
        i = self.pick(leader)
        self.partitioned.add(i)
        self.set_partition(i, True)
        self.log(f"partition node {i}" + (" (the leader)" if leader else ""))
        time.sleep(self.rng.uniform(1, 3))
        self.set_partition(i, False)
        self.partitioned.discard(i)
        self.log(f"healed partition of node {i}")

    def do_kill_leader(self):
        try:
            lead = self.cluster.wait_leader(timeout=10)
        except AssertionError:
            self.notes.append("kill_leader: no leader within 10 s, skipped")
            return
        down = self.rng.uniform(1, 3)
        t0 = now()
        self.kill(lead)
        self.log(f"kill -9 leader {lead}")
        survivors = [j for j in self.cluster.nodes if j != lead]
        self.measure_failover(lead, t0, self.probe_write(survivors, t0 + 20))
        self.sleep_until(t0 + down)
        self.restart(lead)
        self.log(f"restarted node {lead}")

    def heal_all(self):
        """Resumes, reconnects and restarts every node; each step is attempted even if one fails."""
        def attempt(what, fn):
            try:
                fn()
            except Exception as e:
                self.errors.append(f"heal: {what} failed: {e!r}")
        for i in list(self.stopped):
            attempt(f"SIGCONT node {i}", lambda: self.cluster.stop_signal(i, signal.SIGCONT))
            self.stopped.discard(i)
        for i in list(self.partitioned):
            attempt(f"healing the partition of node {i}", lambda: self.set_partition(i, False))
            self.partitioned.discard(i)
        for i in list(self.cluster.nodes):
            if self.cluster.nodes[i].proc is None or self.cluster.nodes[i].proc.poll() is not None:
                if i not in self.expected_down:
                    self.errors.append(f"node {i} exited on its own; see {self.cluster.nodes[i].dir}/server.log")
                attempt(f"restarting node {i}", lambda: self.restart(i))


def converge(cluster, timeout=60):
    """Waits for a leader and for every node to apply the leader's commit index; returns the index."""
    deadline = now() + timeout
    last = None
    while now() < deadline:
        try:
            lead = cluster.wait_leader(timeout=max(1, deadline - now()))
            info = cluster.raft_info(lead)
            if info is None or info.get("raft_role") != "leader":
                continue
            commit = int(info["raft_commit_index"])
            infos = {i: cluster.raft_info(i) for i in cluster.nodes}
            last = {i: (inf and inf.get("raft_applied_index")) for i, inf in infos.items()}
            if all(inf and int(inf["raft_applied_index"]) >= commit for inf in infos.values()):
                return lead, commit
        except AssertionError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"cluster did not converge within {timeout}s: applied {last}")


def final_read(cluster, i, key, label, deadline):
    """A linearizable GET through node i, retried until it succeeds; the Rec of the successful one."""
    while now() < deadline:
        try:
            conn = connect(cluster.ports[i], timeout=5)
        except Exception:
            time.sleep(0.1)
            continue
        rec = Rec(label, i, "r", key, None, now())
        call(conn, rec, "GET", key)
        conn.disconnect()
        if rec.outcome == "ok":
            return rec
        time.sleep(0.1)
    raise AssertionError(f"final GET {key} through node {i} did not succeed")


def final_list(cluster, i, deadline):
    """The list through node i (a linearizable LRANGE, retried until it succeeds)."""
    while now() < deadline:
        try:
            conn = connect(cluster.ports[i], timeout=5)
        except Exception:
            time.sleep(0.1)
            continue
        rec = Rec(f"final-n{i}", i, "r", LIST, None, now())
        call(conn, rec, "LRANGE", LIST, 0, -1)
        conn.disconnect()
        if rec.outcome == "ok":
            return rec.result
        time.sleep(0.1)
    raise AssertionError(f"final LRANGE through node {i} did not succeed")


def check_list(pushes, finals):
    """The RPUSH list (only ever appended to); returns a list of failure texts. Every acknowledged
    element is in the list exactly once, at the position its RPUSH's reply says (length - 1); an
    element whose RPUSH failed is absent, one whose outcome is unknown appears at most once; an
    element pushed after another was acknowledged comes after it; every node has the same list."""
    bad = []
    if len(set(map(tuple, finals.values()))) != 1:
        bad.append(f"the list diverges across nodes: lengths {({i: len(v) for i, v in finals.items()})}")
    final = next(iter(finals.values()))
    pos = {}
    for idx, v in enumerate(final):
        if v in pos:
            bad.append(f"element {v!r} is in the list twice (positions {pos[v]} and {idx})")
        pos[v] = idx
    by_val = {r.arg.encode(): r for r in pushes}
    for v in final:
        r = by_val.get(v)
        if r is None:
            bad.append(f"element {v!r} was never pushed")
        elif r.outcome == "fail":
            bad.append(f"element {v!r} is in the list but its RPUSH failed: {r.as_json()}")
    for r in pushes:
        if r.outcome != "ok":
            continue
        v = r.arg.encode()
        if v not in pos:
            bad.append(f"acknowledged RPUSH lost: {r.as_json()}")
        elif pos[v] != r.result - 1:
            bad.append(f"RPUSH {r.as_json()} replied length {r.result} but its element is at position {pos[v]}")
    acked = sorted((r for r in pushes if r.outcome == "ok" and r.arg.encode() in pos), key=lambda r: r.ret)
    present = sorted((r for r in pushes if r.arg.encode() in pos), key=lambda r: r.inv)
    j, best = 0, None
    for b in present:
        while j < len(acked) and acked[j].ret < b.inv:
            if best is None or pos[acked[j].arg.encode()] > pos[best.arg.encode()]:
                best = acked[j]
            j += 1
        if best is not None and pos[best.arg.encode()] >= pos[b.arg.encode()]:
            bad.append(f"RPUSH {b.as_json()} began after {best.as_json()} was acknowledged but its element comes first")
            break
    return bad


def check_counter(incrs, finals):
    """Counter checks; returns a list of failure texts."""
    bad = []
    ok = [r for r in incrs if r.outcome == "ok"]
    unknown = [r for r in incrs if r.outcome == "unknown"]
    n_ok, n_unknown = len(ok), len(unknown)
    vals = set(finals.values())
    if len(vals) != 1:
        bad.append(f"counter diverges across nodes: {finals}")
    for i, c in finals.items():
        if not (n_ok <= c <= n_ok + n_unknown):
            bad.append(f"counter through node {i} is {c}, outside [ok={n_ok}, ok+unknown={n_ok + n_unknown}]")
    seen = {}
    for r in ok:
        if r.result in seen:
            bad.append(f"two acknowledged INCRs returned {r.result}: {seen[r.result].as_json()} and {r.as_json()}")
        seen[r.result] = r
        if r.result > min(finals.values()):
            bad.append(f"acknowledged INCR returned {r.result} > final counter {min(finals.values())}")
    # Real-time order: an INCR that completed before another began returned a smaller value.
    by_ret = sorted(ok, key=lambda r: r.ret)
    by_inv = sorted(ok, key=lambda r: r.inv)
    best, j = None, 0
    for r in by_inv:
        while j < len(by_ret) and by_ret[j].ret < r.inv:
            if best is None or by_ret[j].result > best.result:
                best = by_ret[j]
            j += 1
        if best is not None and best.result >= r.result:
            bad.append(f"INCR {r.as_json()} returned {r.result} after {best.as_json()} had returned {best.result}")
            break
    return bad


def to_ops(recs):
    ops = []
    for r in recs:
        if r.kind == "w":
            status = "ok" if r.outcome == "ok" else "fail" if r.outcome == "fail" else "unknown"
            ops.append(Op("w", r.arg.encode(), r.inv, r.ret if status == "ok" else INF, status,
                          info=f"client {r.client} via node {r.node}: {r.result!r}"))
        elif r.kind == "r" and r.outcome == "ok":
            ops.append(Op("r", r.result, r.inv, r.ret, "ok", info=f"client {r.client} via node {r.node}"))
    return ops


class CheckerSelfTest(unittest.TestCase):
    """The checker on small hand-made histories."""

    def test_linearizable_history_passes(self):
        h = [Op("w", b"a", 0, 2), Op("r", b"a", 1, 3), Op("w", b"b", 2.5, 5), Op("r", b"a", 3, 4),
             Op("r", b"b", 4.5, 6), Op("r", None, -1, 0.5)]
        self.assertTrue(check_register(h).ok)

    def test_concurrent_reads_may_see_either_value(self):
        # Two overlapping reads during a write may see b then a (a, read a, b, read b).
        h = [Op("w", b"a", 0, 1), Op("w", b"b", 2, 10), Op("r", b"b", 3, 4), Op("r", b"a", 3.5, 4.5)]
        self.assertTrue(check_register(h).ok)
        # But once a read that saw b has completed, a later read may not see a again.
        h = [Op("w", b"a", 0, 1), Op("w", b"b", 2, 10), Op("r", b"b", 3, 4), Op("r", b"a", 4.5, 5)]
        self.assertFalse(check_register(h).ok)

    def test_stale_read_after_completed_write_fails(self):
        h = [Op("w", b"a", 0, 1), Op("w", b"b", 2, 3), Op("r", b"a", 4, 5)]
        r = check_register(h)
        self.assertFalse(r.ok)
        self.assertFalse(r.capped)

    def test_lost_write_fails(self):
        # b was acknowledged, then the final read returns the initial value: the write was lost.
        h = [Op("w", b"b", 0, 1), Op("r", None, 5, 6)]
        self.assertFalse(check_register(h).ok)
        h = [Op("w", b"a", 0, 1), Op("w", b"b", 2, 3), Op("r", b"b", 3.5, 3.6), Op("r", b"a", 5, 6)]
        self.assertFalse(check_register(h).ok)

    def test_unknown_write_may_apply_late_or_never(self):
        # c's outcome is unknown: it may take effect long after its invocation ...
        h = [Op("w", b"a", 0, 1), Op("w", b"c", 1.5, INF, "unknown"), Op("r", b"a", 2, 3),
             Op("r", b"c", 4, 5), Op("r", b"c", 6, 7)]
        self.assertTrue(check_register(h).ok)
        # ... or never ...
        h = [Op("w", b"a", 0, 1), Op("w", b"c", 1.5, INF, "unknown"), Op("r", b"a", 9, 10)]
        self.assertTrue(check_register(h).ok)
        # ... but only once: a, c, a again is impossible.
        h = [Op("w", b"a", 0, 1), Op("w", b"c", 1.5, INF, "unknown"), Op("r", b"c", 2, 3),
             Op("r", b"a", 4, 5)]
        self.assertFalse(check_register(h).ok)

    def test_failed_write_never_takes_effect(self):
        h = [Op("w", b"a", 0, 1), Op("w", b"x", 1.5, 2, "fail"), Op("r", b"x", 3, 4)]
        r = check_register(h)
        self.assertFalse(r.ok)
        self.assertIn("NOT executed", r.reason)

    def test_read_before_write_invoked_fails(self):
        h = [Op("r", b"a", 0, 1), Op("w", b"a", 2, 3)]
        self.assertFalse(check_register(h).ok)

    def test_large_linearizable_history_is_fast(self):
        rng = random.Random(7)
        h, t, cur = [], 0.0, None
        for n in range(3000):   # sequential history with overlapping neighbours
            t += 1
            if rng.random() < 0.5:
                cur = f"v{n}".encode()
                h.append(Op("w", cur, t - 0.2, t + 0.6))
            else:
                h.append(Op("r", cur, t + 0.3, t + 0.7))
        r = check_register(h)
        self.assertTrue(r.ok)
        self.assertFalse(r.capped)

    def test_counter_checks(self):
        def inc(inv, ret, outcome, result):
            r = Rec(0, 1, "i", COUNTER, None, inv)
            r.ret, r.outcome, r.result = ret, outcome, result
            return r
        good = [inc(0, 1, "ok", 1), inc(2, 3, "ok", 2), inc(2.5, INF, "unknown", None)]
        self.assertEqual(check_counter(good, {1: 2, 2: 2, 3: 2}), [])
        self.assertEqual(check_counter(good, {1: 3, 2: 3, 3: 3}), [])
        self.assertTrue(check_counter(good, {1: 1, 2: 1, 3: 1}))         # lost an acknowledged INCR
        self.assertTrue(check_counter(good, {1: 4, 2: 4, 3: 4}))         # applied one too many
        self.assertTrue(check_counter(good, {1: 2, 2: 3, 3: 2}))         # divergence
        self.assertTrue(check_counter([inc(0, 1, "ok", 2), inc(2, 3, "ok", 1)], {1: 2, 2: 2, 3: 2}))

    def test_list_checks(self):
        def push(val, inv, ret, outcome, result):
            r = Rec(0, 1, "l", LIST, val, inv)
            r.ret, r.outcome, r.result = ret, outcome, result
            return r
        h = [push("a", 0, 1, "ok", 1), push("b", 2, 3, "ok", 2), push("c", 2.5, INF, "unknown", None),
             push("d", 4, 5, "fail", "-CLUSTERDOWN")]
        three = lambda lst: {1: lst, 2: lst, 3: lst}  # noqa: E731
        self.assertEqual(check_list(h, three([b"a", b"b"])), [])
        self.assertEqual(check_list(h, three([b"a", b"b", b"c"])), [])
        self.assertTrue(check_list(h, three([b"a"])))                      # lost an acknowledged RPUSH
        self.assertTrue(check_list(h, three([b"b", b"a"])))                # real-time order broken
        self.assertTrue(check_list(h, three([b"a", b"b", b"c", b"c"])))    # duplicated
        self.assertTrue(check_list(h, three([b"a", b"b", b"d"])))          # a failed RPUSH took effect
        self.assertTrue(check_list(h, {1: [b"a", b"b"], 2: [b"a", b"b"], 3: [b"a"]}))  # divergence


def node_states(cluster):
    out = []
    for i, s in cluster.nodes.items():
        alive = s.proc is not None and s.proc.poll() is None
        info = cluster.raft_info(i) if alive else None
        brief = {k: info.get(k) for k in ("raft_role", "raft_term", "raft_leader", "raft_commit_index",
                                          "raft_applied_index", "raft_last_index", "raft_snapshot_index")} if info else None
        out.append(f"node {i}: {'running' if alive else f'exited {s.proc.returncode if s.proc else None}'} {brief}")
    return "; ".join(out)


class ChaosRun:
    """One run: the cluster, the workload, the nemesis, the checks. Collects failures, never raises."""

    def __init__(self):
        self.cluster = Cluster(3, extra_args=["--log-compact-entries", "1000"])
        self.stop = threading.Event()
        self.clients, self.nemesis, self.history = [], None, []
        self.failures, self.summary = [], []

    def say(self, line):
        self.summary.append(line)
        print(line, flush=True)

    def run(self):
        t_start = now()
        try:
            self.workload()
            self.checks(t_start)
        except Exception:
            self.failures.append("exception: " + traceback.format_exc() + "\n" + node_states(self.cluster))
        finally:
            self.stop.set()
        self.say(f"checks: {'ALL PASSED' if not self.failures else f'{len(self.failures)} FAILED'}; "
                 f"total {now() - t_start:.1f} s")

    def workload(self):
        cluster = self.cluster
        cluster.start()
        run_deadline = now() + CHAOS_SECONDS
        self.clients = [Client(c, cluster.ports, SEED * 1000 + c, self.stop) for c in range(CLIENTS)]
        for c in self.clients:
            c.start()
        self.nemesis = Nemesis(cluster, SEED, run_deadline)
        self.nemesis.start()
        self.nemesis.join(timeout=CHAOS_SECONDS + 90)
        if self.nemesis.is_alive():
            raise AssertionError("nemesis did not finish in time")
        self.stop.set()
        for c in self.clients:
            c.join(timeout=OP_TIMEOUT + 10)
            if c.is_alive():
                raise AssertionError(f"client {c.cid} did not stop")
        self.history = [r for c in self.clients for r in c.history]
        self.failures += self.nemesis.errors
        self.failures += [f"client {c.cid} crashed: {c.error}" for c in self.clients if c.error]

    def checks(self, t_start):
        cluster, history, failures = self.cluster, self.history, self.failures
        t_run = now() - t_start
        try:
            lead, commit = converge(cluster, timeout=60)
        except AssertionError as e:
            failures.append(f"{e}; {node_states(cluster)}")
            return
        infos = {i: cluster.raft_info(i) for i in cluster.nodes}

        # Final reads through every node (part of each register's history).
        finals = {}
        read_deadline = now() + 30
        for i in cluster.nodes:
            for key in KEYS:
                rec = final_read(cluster, i, key, f"final-n{i}", read_deadline)
                history.append(rec)
                finals[(i, key)] = rec.result
        counter_final = {}
        for i in cluster.nodes:
            rec = final_read(cluster, i, COUNTER, f"final-n{i}", read_deadline)
            counter_final[i] = int(rec.result or 0)
        list_final = {i: final_list(cluster, i, read_deadline) for i in cluster.nodes}
        for key in KEYS:
            vals = {i: finals[(i, key)] for i in cluster.nodes}
            if len(set(vals.values())) != 1:
                failures.append(f"{key}: nodes disagree on the final value: {vals}")
        # Every node's own state machine (READONLY: local reads, no barrier) holds the same data.
        local = {}
        for i in cluster.nodes:
            c = cluster.client(i, socket_timeout=5)
            try:
                c.execute_command("READONLY")
                local[i] = (c.dbsize(), [c.get(k) for k in KEYS + [COUNTER]], c.llen(LIST))
            finally:
                c.close()
        if len(set(map(repr, local.values()))) != 1:
            failures.append(f"local state machines differ (DBSIZE, values of {KEYS + [COUNTER]}): {local}")
        crashed = [i for i, s in cluster.nodes.items() if s.proc is None or s.proc.poll() is not None]
        if crashed:
            failures.append(f"nodes not running at the end: {crashed}")

        unexpected = [r for r in history if r.outcome == "unexpected"]
        if unexpected:
            failures.append(f"{len(unexpected)} unexpected replies, e.g. "
                            + "; ".join(json.dumps(r.as_json()) for r in unexpected[:5]))

        # Counter.
        incrs = [r for r in history if r.kind == "i"]
        failures += check_counter(incrs, counter_final)[:10]
        failures += check_list([r for r in history if r.kind == "l"], list_final)[:10]

        # Registers.
        check_lines = []
        for key in KEYS:
            ops = to_ops([r for r in history if r.key == key])
            t0 = now()
            res = check_register(ops, max_states=CHECK_STATES, max_seconds=CHECK_SECONDS)
            verdict = "capped (WARNING: not fully checked)" if res.capped else "linearizable" if res.ok else "VIOLATION"
            check_lines.append(f"  {key}: {len(ops)} ops, {res.ops} searched after pruning, {res.states} states, "
                               f"{now() - t0:.1f} s: {verdict}")
            if res.capped:
                print(f"WARNING: {key}: {res.reason}", flush=True)
            if not res.ok:
                failures.append(f"{key}: {res.describe()}")

        # Summary.
        nem = self.nemesis
        by_kind = collections.defaultdict(collections.Counter)
        for r in history:
            by_kind[{"w": "SET", "r": "GET", "i": "INCR", "l": "RPUSH"}[r.kind]][r.outcome] += 1
        self.say(f"ran {t_run:.1f} s; ops by outcome (final reads included):")
        for kind in ("SET", "GET", "INCR", "RPUSH"):
            c = by_kind[kind]
            self.say(f"  {kind:4}: total {sum(c.values()):6}  " +
                     "  ".join(f"{o} {c[o]}" for o in ("ok", "fail", "unknown", "unexpected")))
        self.say("faults injected: " + ", ".join(f"{k} {v}" for k, v in sorted(nem.faults.items())))
        for n in nem.notes:
            self.say(f"  note: {n}")
        snaps = 0
        for s in cluster.nodes.values():
            try:
                snaps += s.log().count("installed snapshot")
            except OSError:
                pass
        self.say(f"final: leader {lead}, commit index {commit}; log compacted up to (per node) "
                 + ", ".join(f"{i}: {inf and inf.get('raft_snapshot_index')}" for i, inf in infos.items())
                 + f"; snapshots installed from a leader: {snaps}")
        self.say("final values: " + ", ".join(f"{k}={finals[(1, k)]!r}" for k in KEYS))
        self.say(f"counter: ok INCRs {by_kind['INCR']['ok']}, unknown {by_kind['INCR']['unknown']}, "
                 f"final per node {counter_final}")
        self.say("linearizability:")
        for line in check_lines:
            self.say(line)
        if nem.failovers_ms:
            self.say(f"leader failover median: {statistics.median(nem.failovers_ms):.0f} ms over "
                     f"{len(nem.failovers_ms)} kills (min {min(nem.failovers_ms):.0f}, "
                     f"max {max(nem.failovers_ms):.0f})")
        else:
            self.say("leader failover median: n/a ms over 0 kills")

    def keep_artifacts(self):
        keep = tempfile.mkdtemp(prefix=f"redraft-chaos-{SEED}-")
        events = self.nemesis.events if self.nemesis else []
        with open(os.path.join(keep, "history.json"), "w") as f:
            json.dump({"seed": SEED, "ops": [r.as_json() for r in self.history],
                       "nemesis": events, "failures": self.failures}, f)
        for i, s in self.cluster.nodes.items():
            try:
                shutil.copy(os.path.join(s.dir, "server.log"), os.path.join(keep, f"node{i}.log"))
            except OSError:
                pass
        print("nemesis timeline (monotonic time):")
        for t, e in events:
            print(f"  {t:.3f} {e}")
        return keep


class ClusterChaosTest(unittest.TestCase):
    def test_chaos(self):
        print(f"\nchaos: seed {SEED} (replay with REDRAFT_CHAOS_SEED={SEED}), {CHAOS_SECONDS:.0f} s, "
              f"{CLIENTS} clients, keys {KEYS} + {COUNTER}", flush=True)
        t_start = now()
        run = ChaosRun()
        try:
            # The run itself is bounded (every wait has a timeout); this thread only guards the bound.
            t = threading.Thread(target=run.run, daemon=True, name="chaos-run")
            t.start()
            t.join(timeout=CHAOS_SECONDS + 330)
            if t.is_alive():
                run.failures.append(f"the run exceeded its hard deadline of {CHAOS_SECONDS + 330:.0f} s")
            if run.failures:
                keep = run.keep_artifacts()
                self.fail(f"seed {SEED}: {len(run.failures)} check(s) failed; history and node logs kept in "
                          f"{keep}\n" + "\n".join(run.failures))
        finally:
            run.stop.set()
            run.cluster.cleanup()
        print(f"chaos test took {now() - t_start:.1f} s")


if __name__ == "__main__":
    unittest.main(verbosity=2)
