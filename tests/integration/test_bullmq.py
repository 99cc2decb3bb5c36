"""BullMQ 5 (pinned in node/package.json, installed by deps/install.sh with `npm ci`) against
redraft: first against Debian's redis-server (the reference: the script itself must pass there),
then with the Queue producing through one node of a 3-node cluster and Workers consuming through
the two others. Every job must complete (or, every tenth, fail) exactly once with its result, BullMQ's
event stream (XADD ... MAXLEN ~ on bull:q:events) must hold events, and a QueueEvents reading that
stream with XREAD BLOCK through the producer's node must receive every completed and failed event
the workers' nodes wrote."""
import json
import os
import shutil
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from cluster_harness import Cluster  # noqa: E402
from harness import RedisServer  # noqa: E402

NODE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "node")
NODE = shutil.which("node")


def ready():
    return NODE and os.path.isdir(os.path.join(NODE_DIR, "node_modules", "bullmq"))


def run(test, ports):
    try:
        r = subprocess.run([NODE, os.path.join(NODE_DIR, "bullmq_test.js"), *map(str, ports)], cwd=NODE_DIR,
                           capture_output=True, text=True, timeout=90)
    except subprocess.TimeoutExpired as e:
        test.fail(f"bullmq_test.js did not finish within 90 s: {e.stdout} {e.stderr}")
    print(f"  {r.stdout.strip()} {r.stderr.strip()[-500:]}", flush=True)
    test.assertEqual(r.returncode, 0, r.stdout + r.stderr)
    out = json.loads(r.stdout.strip().splitlines()[-1])
    test.assertEqual(out["errs"], [])
    test.assertEqual(out["done"], 54)
    test.assertEqual(out["failed"], 6)
    test.assertTrue(out["okResults"])
    test.assertEqual(out["counts"]["completed"], 54)
    test.assertEqual(out["counts"]["failed"], 6)
    test.assertGreater(out["events"], 60)
    test.assertEqual(out["completedEvents"], 54)
    test.assertEqual(out["failedEvents"], 6)
    test.assertTrue(out["okEvents"])


@unittest.skipUnless(ready(), "node or bullmq missing (deps/install.sh installs them)")
class BullmqTest(unittest.TestCase):
    def test_reference(self):
        ref = RedisServer().start()
        try:
            run(self, [ref.port, ref.port])
        finally:
            ref.cleanup()

    def test_cluster_producer_and_workers_on_different_nodes(self):
        c = Cluster(3).start()
        try:
            ports = [c.nodes[j].port for j in c.alive()]
            run(self, ports)
        finally:
            c.cleanup()


if __name__ == "__main__":
    unittest.main(verbosity=2)
