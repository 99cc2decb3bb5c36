"""No spurious elections under load, and failover time, with the CPU contended (issue 8, item 4).

A 3-node cluster takes a pipelined SET load through its leader (redis-benchmark) while
`stress-ng --cpu 4` competes for the CPU: the term must not change (elections are counted from
INFO raft's raft_term on every node, sampled through the run). Then, with stress-ng still running,
the leader is killed with SIGKILL LOAD_KILLS times and the time to the first acknowledged write
through a survivor is measured. The failover figure is reported, not asserted beyond a loose
bound: targets belong to benchmarks, not to timed tests (issue 8).

LOAD_SECONDS (default 20, the CI budget; 60 for the issue's figure), LOAD_KILLS (default 5) and
LOAD_SERVER_ARGS (extra server arguments, e.g. "--raft-election-ticks 8", to compare settings).
"""
import os
import shutil
import statistics
import subprocess
import sys
import time
import unittest

import redis

sys.path.insert(0, os.path.dirname(__file__))
from cluster_harness import Cluster  # noqa: E402

SECONDS = float(os.environ.get("LOAD_SECONDS", "20"))
KILLS = int(os.environ.get("LOAD_KILLS", "5"))
SERVER_ARGS = os.environ.get("LOAD_SERVER_ARGS", "").split()


def say(msg):
    print(msg, flush=True)


class LoadElections(unittest.TestCase):
    def setUp(self):
        if not shutil.which("stress-ng") or not shutil.which("redis-benchmark"):
            self.skipTest("needs stress-ng and redis-benchmark")
        self.procs = []
        self.c = Cluster(3, extra_args=SERVER_ARGS).start()

    def tearDown(self):
        for p in self.procs:  # only what this test started, by its own handle
            if p.poll() is None:
                p.kill()
                p.wait()
        self.c.cleanup()

    def spawn(self, args):
        p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.procs.append(p)
        return p

    def terms(self):
        out = {}
        for i in self.c.alive():
            info = self.c.raft_info(i)
            if info:
                out[i] = int(info["raft_term"])
        return out

    def probe_write(self, survivors, t0, deadline):
        conns = {i: self.c.client(i, socket_timeout=1) for i in survivors}
        n = 0
        while time.time() < deadline:
            for i in survivors:
                try:
                    conns[i].set(f"probe-{t0}", n)
                    return time.time()
                except (redis.ConnectionError, redis.TimeoutError, redis.ResponseError):
                    n += 1
            time.sleep(0.01)
        return None

    def test_term_holds_under_load_and_failover_is_fast(self):
        c = self.c
        lead = c.wait_leader()
        start_terms = self.terms()
        stress = self.spawn(["stress-ng", "--cpu", "4", "--timeout", str(int(SECONDS + KILLS * 10 + 30))])
        bench = self.spawn(["redis-benchmark", "-p", str(c.ports[lead]), "-t", "set", "-c", "50", "-P", "16",
                            "-d", "64", "-r", "100000", "-n", "100000000", "-q"])
        applied0 = int(c.raft_info(lead)["raft_applied_index"])
        t_end = time.time() + SECONDS
        max_terms = dict(start_terms)
        while time.time() < t_end:
            for i, t in self.terms().items():
                max_terms[i] = max(max_terms.get(i, 0), t)
            time.sleep(0.5)
        applied1 = int(c.raft_info(lead)["raft_applied_index"])
        bench.kill()
        bench.wait()
        end_terms = self.terms()
        for i, t in end_terms.items():
            max_terms[i] = max(max_terms.get(i, 0), t)
        elections = max(max_terms.values()) - max(start_terms.values())
        say(f"load {SECONDS:.0f} s with stress-ng --cpu 4: {applied1 - applied0} entries applied on the leader "
            f"({(applied1 - applied0) / SECONDS:.0f}/s); terms {start_terms} -> {max_terms}; elections: {elections}; "
            f"leader still {c.leader()} (was {lead})")
        self.assertEqual(elections, 0, f"term moved under load: {start_terms} -> {max_terms}")
        self.assertEqual(c.leader(), lead)

        failovers = []
        for k in range(KILLS):
            lead = c.wait_leader()
            survivors = [i for i in c.alive() if i != lead]
            t0 = time.time()
            c.kill9(lead)
            t_ok = self.probe_write(survivors, t0, t0 + 20)
            self.assertIsNotNone(t_ok, "no write acknowledged within 20 s of killing the leader")
            failovers.append((t_ok - t0) * 1000)
            say(f"failover {k + 1}: killed leader {lead}, first acknowledged write after {failovers[-1]:.0f} ms")
            c.restart(lead)
            time.sleep(1)  # let the restarted node catch up before the next kill
        med = statistics.median(failovers)
        say(f"failover under stress-ng --cpu 4: median {med:.0f} ms over {KILLS} kills "
            f"(all: {', '.join(f'{f:.0f}' for f in failovers)})")
        self.assertLess(med, 5000)
        stress.kill()
        stress.wait()


if __name__ == "__main__":
    unittest.main(verbosity=2)
