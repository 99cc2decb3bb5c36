"""Concurrent clients and the end-of-run checks shared by the real-fault tests (test_fault_*.py).

The clients, the operation records and the checkers are test_cluster_chaos.py's: SET of unique
values / GET on a few registers and INCR of a counter, each operation recorded with invocation
and completion time and outcome (ok / fail = CLUSTERDOWN, TRYAGAIN / unknown = UNCERTAIN,
timeouts, broken connections); each register's history is checked for linearizability (WGL) —
which covers lost acknowledged writes and stale reads — and the counter for lost or duplicated
INCRs.
"""
import collections
import json
import os
import random
import shutil
import tempfile
import threading
import time

import redis

from linearizability import INF, Op, check_register
from test_cluster_chaos import (COUNTER, KEYS, OP_TIMEOUT, Client, Rec, call, check_counter, check_list, connect,
                                converge, final_list, final_read, to_ops)

FAULT_SECONDS = float(os.environ.get("REDRAFT_FAULT_SECONDS", "6"))   # length of each fault
FAULT_ROUNDS = int(os.environ.get("REDRAFT_FAULT_ROUNDS", "1"))       # repetitions of the scenario list
CLIENTS = 5


def now():
    return time.monotonic()


class Workload:
    def __init__(self, cluster, seed):
        self.cluster, self.seed = cluster, seed
        self.stop = threading.Event()
        self.ports = dict(cluster.ports)   # shared with the clients; nodes may be added
        self.clients = []
        self.extra = []            # records made by the test itself (probes, final reads)
        self.failures = []
        self.windows = []          # (name, minority labels, t_cut, t_heal)
        self.probe_n = 0

    def start(self):
        self.clients = [Client(c, self.ports, self.seed * 1000 + c, self.stop) for c in range(CLIENTS)]
        for c in self.clients:
            c.start()

    def finish(self):
        self.stop.set()
        for c in self.clients:
            c.join(timeout=OP_TIMEOUT + 10)
            if c.is_alive():
                self.failures.append(f"client {c.cid} did not stop")
            if c.error:
                self.failures.append(f"client {c.cid} crashed: {c.error}")

    def history(self):
        return [r for c in self.clients for r in c.history] + self.extra

    def op(self, label, kind, key, *args, timeout=OP_TIMEOUT):
        """One operation by the test itself through node label, recorded in the history."""
        arg = args[0] if kind == "w" else None
        rec = Rec("test", label, kind, key, arg, now())
        try:
            conn = connect(self.cluster.nodes[label].port, timeout=timeout)
        except Exception as e:
            rec.outcome, rec.ret, rec.result = "fail", now(), f"connect: {e}"   # never sent
            return rec
        cmd = {"w": ("SET", key) + args, "r": ("GET", key), "i": ("INCR", key)}[kind]
        call(conn, rec, *cmd)
        conn.disconnect()
        if kind == "w" and rec.outcome == "ok" and rec.result != b"OK":
            rec.outcome = "unexpected"
        self.extra.append(rec)
        return rec

    def probe_write(self, labels, timeout=20):
        """SET through one of labels until one is acknowledged; returns seconds it took or None."""
        t0 = now()
        k = 0
        while now() - t0 < timeout:
            self.probe_n += 1
            label = labels[k % len(labels)]
            k += 1
            rec = self.op(label, "w", KEYS[self.probe_n % len(KEYS)], f"probe-{self.probe_n}", timeout=2)
            if rec.outcome == "ok":
                return now() - t0
            time.sleep(0.05)
        return None

    def check_minority(self, name, minority, t_cut, t_heal):
        """Nothing invoked on a minority node after the cut may succeed before the heal."""
        bad = [r for r in self.history() if r.node in minority and r.inv > t_cut and r.ret < t_heal
               and r.outcome == "ok"]
        if bad:
            self.failures.append(f"{name}: {len(bad)} operations succeeded on minority node(s) {sorted(minority)}, "
                                 "e.g. " + "; ".join(json.dumps(r.as_json()) for r in bad[:5]))
        tried = [r for r in self.history() if r.node in minority and r.inv > t_cut and r.inv < t_heal]
        return len(tried)

    def final_checks(self, labels):
        """Converge, read every key through every node, check the histories. Returns summary lines."""
        cluster, out = self.cluster, []
        try:
            lead, commit = converge(_View(cluster, labels), timeout=60)
        except AssertionError as e:
            self.failures.append(str(e))
            return out
        finals = {}
        deadline = now() + 30
        for i in labels:
            for key in KEYS + [COUNTER]:
                rec = final_read(cluster, i, key, f"final-n{i}", deadline)
                if key != COUNTER:
                    self.extra.append(rec)
                finals[(i, key)] = rec.result
        list_final = {i: final_list(cluster, i, deadline) for i in labels}
        for key in KEYS + [COUNTER]:
            vals = {i: finals[(i, key)] for i in labels}
            if len(set(vals.values())) != 1:
                self.failures.append(f"{key}: nodes disagree on the final value: {vals}")
        history = self.history()
        unexpected = [r for r in history if r.outcome == "unexpected"]
        if unexpected:
            self.failures.append(f"{len(unexpected)} unexpected replies, e.g. "
                                 + "; ".join(json.dumps(r.as_json()) for r in unexpected[:5]))
        self.failures += check_counter([r for r in history if r.kind == "i"],
                                       {i: int(finals[(i, COUNTER)] or 0) for i in labels})[:10]
        self.failures += check_list([r for r in history if r.kind == "l"], list_final)[:10]
        by_kind = collections.defaultdict(collections.Counter)
        for r in history:
            by_kind[{"w": "SET", "r": "GET", "i": "INCR", "l": "RPUSH"}[r.kind]][r.outcome] += 1
        for kind in ("SET", "GET", "INCR", "RPUSH"):
            c = by_kind[kind]
            out.append(f"  {kind:4}: total {sum(c.values()):6}  " +
                       "  ".join(f"{o} {c[o]}" for o in ("ok", "fail", "unknown", "unexpected")))
        for key in KEYS:
            ops = to_ops([r for r in history if r.key == key])
            res = check_register(ops, max_states=2_000_000, max_seconds=20)
            verdict = "capped (NOT fully checked)" if res.capped else "linearizable" if res.ok else "VIOLATION"
            out.append(f"  {key}: {len(ops)} ops ({res.ops} searched): {verdict}")
            if not res.ok:
                self.failures.append(f"{key}: {res.describe()}")
            if res.capped:
                self.failures.append(f"{key}: linearizability search capped: not checked")
        out.append(f"  final: leader {lead}, commit index {commit}, counter {finals[(labels[0], COUNTER)]}")
        return out

    def keep_artifacts(self, tag):
        keep = tempfile.mkdtemp(prefix=f"redraft-{tag}-{self.seed}-")
        with open(os.path.join(keep, "history.json"), "w") as f:
            json.dump({"seed": self.seed, "ops": [r.as_json() for r in self.history()],
                       "windows": self.windows, "failures": self.failures}, f)
        for i, n in self.cluster.nodes.items():
            try:
                shutil.copy(n.dir + ".log", os.path.join(keep, f"node{i}.log"))
            except OSError:
                pass
        return keep


class _View:
    """The cluster restricted to some labels (converge() looks at cluster.nodes)."""

    def __init__(self, cluster, labels):
        self.c, self.nodes = cluster, {i: cluster.nodes[i] for i in labels}

    def wait_leader(self, timeout=15):
        return self.c.wait_leader(among=list(self.nodes), timeout=timeout)

    def raft_info(self, i):
        return self.c.raft_info(i)


def new_seed():
    return int(os.environ.get("REDRAFT_FAULT_SEED", "0")) or random.SystemRandom().randrange(1, 2**31)


def run_bounded(testcase, run, name, seed, details=lambda: ""):
    """Runs run.run() (a fault scenario driving run.w, a Workload, on run.cluster) in a thread,
    bounded by the fault budget; fails testcase with the kept history and logs, and always stops
    the clients and cleans the cluster up."""
    try:
        t = threading.Thread(target=run.run, daemon=True)
        t.start()
        t.join(timeout=FAULT_ROUNDS * (6 * FAULT_SECONDS + 200) + 120)
        if t.is_alive():
            run.w.failures.append("the run exceeded its hard deadline")
        if run.w.failures:
            keep = run.w.keep_artifacts(name)
            testcase.fail(f"seed {seed}: history and logs kept in {keep}\n" + "\n".join(run.w.failures) + details())
    finally:
        run.w.stop.set()
        run.cluster.cleanup()
