"""A real client-side cache on node-redis 4 (node/tracking_cache.js): RESP2 with REDIRECT to a
subscriber of __redis__:invalidate, against redis-server first (the script is right), then
against a follower of a 3-node cluster with every write made through the leader: each write must
evict the cached value on the follower, and FLUSHALL must empty the cache."""
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


def run(port, writer_port):
    r = subprocess.run([NODE, os.path.join(NODE_DIR, "tracking_cache.js"), str(port), str(writer_port), "csc:"],
                       cwd=NODE_DIR, capture_output=True, text=True, timeout=120)
    return r.returncode, r.stdout + r.stderr


@unittest.skipUnless(NODE and os.path.isdir(os.path.join(NODE_DIR, "node_modules", "redis")), "node-redis missing")
class NodeRedisTrackingTest(unittest.TestCase):
    def test_against_redis_server(self):
        ref = RedisServer().start()
        try:
            rc, out = run(ref.port, ref.port)
            self.assertEqual(rc, 0, out)
        finally:
            ref.cleanup()

    def test_follower_cache_invalidated_by_leader_writes(self):
        c = Cluster(3).start()
        try:
            lead = c.wait_leader()
            follower = [i for i in c.nodes if i != lead][0]
            rc, out = run(c.ports[follower], c.ports[lead])
            self.assertEqual(rc, 0, out)
        finally:
            c.cleanup()


if __name__ == "__main__":
    unittest.main()
