"""/metrics of the HTTP port: valid Prometheus text (Debian's promtool), counters that move with a
known workload, and a real Prometheus server (Debian package) scraping a 3-node cluster for a few
seconds that answers which node is the leader."""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from cluster_harness import Cluster, ClusterTestCase  # noqa: E402
from harness import free_port  # noqa: E402
from test_http import with_http  # noqa: E402


def fetch(url, timeout=10):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.status, r.headers.get("Content-Type"), r.read().decode()


def sample(text, name):
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return None


@unittest.skipUnless(shutil.which("prometheus") and shutil.which("promtool"), "prometheus not installed")
class PrometheusTest(ClusterTestCase):
    @classmethod
    def make_cluster(cls):
        return with_http(Cluster(3))

    def metrics(self, i):
        st, ctype, text = fetch(f"http://127.0.0.1:{self.c.http[i]}/metrics")
        self.assertEqual(st, 200)
        self.assertTrue(ctype.startswith("text/plain; version=0.0.4"), ctype)
        return text

    def test_promtool_and_counters(self):
        lead = self.c.wait_leader()
        for i in self.c.alive():
            text = self.metrics(i)
            r = subprocess.run(["promtool", "check", "metrics"], input=text.encode(), capture_output=True, timeout=30)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertEqual(sample(text, "redraft_raft_is_leader"), 1.0 if i == lead else 0.0)
        before = self.metrics(lead)
        c = self.c.client(lead)
        p = c.pipeline(transaction=False)
        for k in range(1000):
            p.set(f"m{k}", k)
        p.execute()
        after = self.metrics(lead)
        grew = sample(after, "redraft_commands_processed_total") - sample(before, "redraft_commands_processed_total")
        self.assertGreaterEqual(grew, 1000)
        # The per-command counter moves by exactly the workload, and every stage of a write was timed.
        set_calls = 'redraft_commands_total{cmd="set"}'
        self.assertEqual(sample(after, set_calls) - (sample(before, set_calls) or 0), 1000)
        for stage in ("propose", "leader_durable", "quorum_commit", "apply", "reply"):
            name = f'redraft_request_stage_duration_seconds_count{{op="write",stage="{stage}"}}'
            self.assertGreater(sample(after, name) - (sample(before, name) or 0), 0, stage)
        reply = 'redraft_request_stage_duration_seconds_count{op="write",stage="reply"}'
        self.assertGreaterEqual(sample(after, reply) - (sample(before, reply) or 0), 1000)
        self.assertGreaterEqual(sample(after, "redraft_raft_commit_index"), sample(before, "redraft_raft_commit_index") + 1)
        self.assertIn('redraft_raft_peer_match_index{peer="', after)

    def test_real_prometheus_scrape(self):
        tmp = tempfile.mkdtemp(prefix="redraft-prom-")
        port = free_port()
        targets = [f"127.0.0.1:{self.c.http[i]}" for i in sorted(self.c.http)]
        cfg = os.path.join(tmp, "prometheus.yml")
        with open(cfg, "w") as f:
            f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\nscrape_configs:\n"
                    "  - job_name: redraft\n    static_configs:\n      - targets: " + json.dumps(targets) + "\n")
        log = open(os.path.join(tmp, "prometheus.log"), "wb")
        proc = subprocess.Popen(["prometheus", "--config.file", cfg, "--storage.tsdb.path", os.path.join(tmp, "data"),
                                 "--web.listen-address", f"127.0.0.1:{port}"], stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        try:
            lead = self.c.wait_leader()
            want = f"127.0.0.1:{self.c.http[lead]}"
            deadline = time.time() + 60
            got, up = None, None
            q = urllib.parse.quote("redraft_raft_is_leader == 1")
            while time.time() < deadline:
                try:
                    _, _, body = fetch(f"http://127.0.0.1:{port}/api/v1/query?query={q}")
                    res = json.loads(body)["data"]["result"]
                    got = [r["metric"]["instance"] for r in res]
                    _, _, body = fetch(f"http://127.0.0.1:{port}/api/v1/query?query=sum(up)")
                    up = json.loads(body)["data"]["result"]
                    if got == [want] and up and float(up[0]["value"][1]) == 3:
                        break
                except OSError:
                    pass
                time.sleep(0.5)
            self.assertEqual(got, [want], "prometheus's answer for the leader")
            self.assertEqual(float(up[0]["value"][1]), 3, "all three targets up")
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            log.close()
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main(verbosity=2)
