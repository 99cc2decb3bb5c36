"""The web console in headless Chromium (tests/integration/node/console_test.js, puppeteer-core):
a 3-node cluster's view (3 nodes, one leader), a node killed and the view changing, a 5 MB binary
uploaded through the page and downloaded back byte-identical, the diagnostics tab (recent traces
joined across nodes, SLOWLOG, LATENCY). Screenshots are kept under
<build>/artifacts/console/."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from cluster_harness import Cluster  # noqa: E402
from harness import SERVER_BIN  # noqa: E402
from test_http import with_http  # noqa: E402

NODE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "node")


@unittest.skipUnless(shutil.which("chromium") and shutil.which("node") and
                     os.path.isdir(os.path.join(NODE_DIR, "node_modules", "puppeteer-core")),
                     "chromium, node or puppeteer-core (deps/install.sh) missing")
class ConsoleTest(unittest.TestCase):
    def test_console_in_chromium(self):
        c = with_http(Cluster(3), same_offset=True).start()
        tmp = tempfile.mkdtemp(prefix="redraft-console-")
        try:
            artifacts = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(SERVER_BIN))), "artifacts", "console")
            os.makedirs(artifacts, exist_ok=True)
            lead = c.wait_leader()
            serve = next(i for i in c.alive() if i != lead)  # the page comes from a follower
            kill = next(i for i in c.alive() if i not in (lead, serve))
            src = os.path.join(tmp, "blob.bin")
            with open(src, "wb") as f:
                f.write(os.urandom(5 * 1024 * 1024))
            dl = os.path.join(tmp, "downloads")
            os.makedirs(dl)
            cfg = {"url": f"http://127.0.0.1:{c.http[serve]}/", "kill_pid": c.nodes[kill].proc.pid,
                   "file": src, "download_dir": dl, "artifacts": artifacts}
            cfg_path = os.path.join(tmp, "cfg.json")
            with open(cfg_path, "w") as f:
                json.dump(cfg, f)
            # The diagnostics tab's traces and SLOWLOG (step 5): 1 request in 20 traced, all slow.
            c.client(serve).config_set("trace-sample-rate", "0.05")
            c.client(serve).config_set("slowlog-log-slower-than", "0")
            # Some load through the served node (forwarded writes) for the ops/s chart.
            stop = threading.Event()

            def load():
                cl = c.client(serve)
                n = 0
                while not stop.is_set():
                    try:
                        cl.set(f"load:{n % 100}", n)
                    except Exception:  # noqa: BLE001 (a node is killed meanwhile)
                        time.sleep(0.1)
                    n += 1
                    time.sleep(0.01)
            t = threading.Thread(target=load, daemon=True)
            t.start()
            r = subprocess.run(["node", os.path.join(NODE_DIR, "console_test.js"), cfg_path], cwd=NODE_DIR,
                               capture_output=True, timeout=150)
            stop.set()
            t.join(timeout=10)
            out = (r.stdout + r.stderr).decode(errors="replace")
            print(out)
            self.assertEqual(r.returncode, 0, out)
            with open(src, "rb") as a, open(os.path.join(dl, "uploads_blob.bin"), "rb") as b:
                self.assertEqual(a.read(), b.read())
            self.assertTrue(os.path.exists(os.path.join(artifacts, "console-cluster.png")))
        finally:
            c.cleanup()
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main(verbosity=2)
