"""Real Node.js applications' clients against redraft: ioredis 5 and node-redis 4 (pinned in
node/package.json, installed by deps/install.sh with `npm ci`). The scripts in node/ check the
transaction APIs (ioredis multi() with EXEC results and a WATCH conflict answering null; node-redis
multi().exec(), executeIsolated + WATCH conflict -> WatchError), pipelines of 1000 commands, SCAN
iteration over 2000 keys (ioredis scanStream; node-redis scanIterator, whose cursors are JS numbers)
and hash/list/set/sorted-set round trips. They run against a single node and against a follower of
a 3-node cluster (the WATCH conflict made through the other follower), and first against Debian's
redis-server, so a failure here is redraft's and not the script's."""
import os
import shutil
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from cluster_harness import ClusterTestCase  # noqa: E402
from harness import RedisServer, Server  # noqa: E402

NODE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "node")
NODE = shutil.which("node")
SCRIPTS = ["ioredis_test.js", "node_redis_test.js"]


def node_ready():
    return NODE and all(os.path.isdir(os.path.join(NODE_DIR, "node_modules", m)) for m in ("ioredis", "redis"))


def run_script(test, script, port, other_port, prefix):
    try:
        r = subprocess.run([NODE, os.path.join(NODE_DIR, script), str(port), str(other_port), prefix],
                           cwd=NODE_DIR, capture_output=True, text=True, timeout=180)
    except subprocess.TimeoutExpired as e:
        test.fail(f"{script} against port {port} did not finish within 180 s: {e.stdout} {e.stderr}")
    out = (r.stdout + r.stderr).strip()
    print(f"  [{prefix}] {out}", flush=True)
    test.assertEqual(r.returncode, 0, f"{script} against port {port}: {out}")
    test.assertIn(" OK on port ", r.stdout)


class ReferenceTest(unittest.TestCase):
    """The scripts against Debian's redis-server: they are right about Redis."""

    def test_scripts_pass_against_redis_server(self):
        ref = RedisServer().start()
        try:
            for s in SCRIPTS:
                with self.subTest(s):
                    run_script(self, s, ref.port, ref.port, "ref")
        finally:
            ref.cleanup()


class SingleNodeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = Server().start()

    @classmethod
    def tearDownClass(cls):
        cls.srv.cleanup()

    def test_ioredis(self):
        run_script(self, "ioredis_test.js", self.srv.port, self.srv.port, "single-io")

    def test_node_redis(self):
        run_script(self, "node_redis_test.js", self.srv.port, self.srv.port, "single-nr")


class ClusterFollowerTest(ClusterTestCase):
    """Through a follower; the WATCH conflict comes from the other follower."""

    def followers(self):
        lead = self.c.wait_leader()
        return [i for i in self.c.nodes if i != lead]

    def test_ioredis_through_a_follower(self):
        f1, f2 = self.followers()
        run_script(self, "ioredis_test.js", self.c.ports[f1], self.c.ports[f2], "cluster-io")

    def test_node_redis_through_a_follower(self):
        f1, f2 = self.followers()
        run_script(self, "node_redis_test.js", self.c.ports[f1], self.c.ports[f2], "cluster-nr")

    def test_ioredis_through_the_leader(self):
        lead = self.c.wait_leader()
        f = next(i for i in self.c.nodes if i != lead)
        run_script(self, "ioredis_test.js", self.c.ports[lead], self.c.ports[f], "cluster-io-lead")


def setUpModule():
    # deps/install.sh (run by tools/build and tools/test) installs them: missing is a failure, not
    # a skip, so the suite never passes without having run the clients.
    if not node_ready():
        raise RuntimeError("node or tests/integration/node/node_modules missing: run deps/install.sh")


if __name__ == "__main__":
    unittest.main(verbosity=2)
