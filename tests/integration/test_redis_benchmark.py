"""redis-benchmark with no -t (every test it has: PING, SET, GET, INCR, LPUSH, RPUSH, LPOP, RPOP,
SADD, HSET, SPOP, ZADD, ZPOPMIN, LRANGE_100..600, MSET) completes without an error against a
single durable node and against a follower of a 3-node cluster (issue 9)."""
import os
import re
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from cluster_harness import Cluster  # noqa: E402
from harness import Server  # noqa: E402

TESTS = ["PING_INLINE", "PING_MBULK", "SET", "GET", "INCR", "LPUSH", "RPUSH", "LPOP", "RPOP", "SADD", "HSET",
         "SPOP", "ZADD", "ZPOPMIN", "LRANGE_100", "LRANGE_300", "LRANGE_500", "LRANGE_600", "MSET"]
REQUESTS = int(os.environ.get("REDRAFT_BENCH_REQUESTS", "20000"))


def run_benchmark(port):
    out = subprocess.run(["redis-benchmark", "-p", str(port), "-q", "-n", str(REQUESTS)],
                         capture_output=True, text=True, timeout=600)
    text = out.stdout.replace("\r", "\n") + out.stderr
    results = {}
    for line in text.splitlines():
        m = re.match(r"^([A-Z_0-9]+)(?: \(.*\))?: ([0-9.]+) requests per second", line.strip())
        if m:
            results[m.group(1)] = float(m.group(2))
    errors = [line for line in text.splitlines() if "ERR" in line or "rror" in line]
    return out.returncode, results, errors


class RedisBenchmarkTest(unittest.TestCase):
    def check(self, port, where):
        rc, results, errors = run_benchmark(port)
        self.assertEqual(rc, 0)
        self.assertFalse(errors, f"{where}: {errors[:5]}")
        missing = [t for t in TESTS if t not in results]
        self.assertFalse(missing, f"{where}: no result for {missing}; got {results}")
        print(f"{where}: " + ", ".join(f"{t} {int(results[t])}" for t in TESTS), flush=True)

    def test_single_node(self):
        srv = Server().start()
        try:
            self.check(srv.port, "single node")
        finally:
            srv.cleanup()

    def test_follower_of_three(self):
        c = Cluster(3).start()
        try:
            follower = next(i for i in c.nodes if i != c.leader())
            self.check(c.ports[follower], "follower of 3")
        finally:
            c.cleanup()


if __name__ == "__main__":
    unittest.main(verbosity=2)
