"""Damaged data refuses to start with one clear message naming the file and what to do (issue 7).

Byte surgery on a real data directory after a clean shutdown: a flipped byte inside a synced Raft
log record (not a torn tail: records synced after it prove it was acknowledged), and a garbled
RocksDB MANIFEST. The server must exit non-zero at once — no crash loop, no silent repair — with
a message that names what is damaged and says what to do.
"""
import glob
import os
import subprocess
import sys
import unittest

import redis

sys.path.insert(0, os.path.dirname(__file__))
from harness import SERVER_BIN, Server  # noqa: E402


class DamagedDataRefusesToStart(unittest.TestCase):
    def setUp(self):
        self.s = Server().start()
        r = redis.Redis(port=self.s.port)
        for k in range(300):
            r.set(f"k{k}", "v" * 100)
        self.assertEqual(self.s.stop(), 0)

    def tearDown(self):
        self.s.cleanup()

    def start_fails(self):
        cmd = [SERVER_BIN, "--port", str(self.s.port), "--dir", self.s.dir, "--bind", "127.0.0.1"]
        p = subprocess.run(cmd, capture_output=True, timeout=30)
        out = (p.stdout + p.stderr).decode(errors="replace")
        self.assertNotEqual(p.returncode, 0, out)
        self.assertGreater(p.returncode, 0, f"killed by a signal rather than a clean refusal: {out}")
        lines = [l for l in out.splitlines() if "startup failed" in l]
        self.assertEqual(len(lines), 1, out)
        self.assertIn("refuses to start", lines[0])
        self.assertIn("rejoins as a new node", lines[0])
        return lines[0]

    def test_flipped_byte_in_a_synced_log_record(self):
        seg = sorted(glob.glob(os.path.join(self.s.dir, "log", "log-*.seg")))[0]
        with open(seg, "r+b") as f:
            data = f.read(1 << 20)
            at = data.find(b"k150")  # inside an entry's payload, with synced records after it
            self.assertGreater(at, 0)
            f.seek(at)
            f.write(b"X")
        line = self.start_fails()
        self.assertIn(os.path.join(self.s.dir, "log"), line)
        self.assertIn(os.path.basename(seg), line)
        print("\n" + line)

    def test_garbled_rocksdb_manifest(self):
        manifest = sorted(glob.glob(os.path.join(self.s.dir, "store", "MANIFEST-*")))[-1]
        size = os.path.getsize(manifest)
        with open(manifest, "r+b") as f:
            f.seek(size // 3)
            f.write(os.urandom(64))
        line = self.start_fails()
        self.assertIn(os.path.join(self.s.dir, "store"), line)
        print("\n" + line)


if __name__ == "__main__":
    unittest.main(verbosity=2)
