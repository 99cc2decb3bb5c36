"""kill -9 at random moments under concurrent writers: every acknowledged write survives restart
with its value and TTL; nothing unacknowledged is required, nothing acknowledged is lost."""
import os
import random
import sys
import threading
import time
import unittest

import redis

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server  # noqa: E402

WRITERS = 6
ROUNDS = 6


class Writer(threading.Thread):
    def __init__(self, port, wid, rnd):
        super().__init__(daemon=True)
        self.port, self.wid, self.rnd = port, wid, rnd
        self.acked = {}          # key -> (value, has_ttl)
        self.incr_acked = 0      # INCRs acknowledged
        self.incr_sent = 0       # INCRs sent (acknowledged or not)
        self.stop = False

    def run(self):
        r = redis.Redis(port=self.port, socket_timeout=5)
        i = 0
        try:
            while not self.stop:
                i += 1
                key = f"w{self.wid}:r{self.rnd}:{i}"
                val = f"{key}:{random.random()}"
                ttl = 1000 if i % 3 == 0 else None
                if i % 5 == 0:
                    p = r.pipeline(transaction=False)
                    p.set(key, val, ex=ttl)
                    p.incr(f"ctr:{self.wid}")
                    self.incr_sent += 1
                    p.execute()
                    self.incr_acked += 1
                else:
                    r.set(key, val, ex=ttl)
                self.acked[key] = (val.encode(), ttl is not None)
        except (redis.ConnectionError, redis.TimeoutError, ConnectionResetError):
            pass


class CrashTest(unittest.TestCase):
    def test_kill9_loses_no_acknowledged_write(self):
        # Frequent log compaction, so crashes also land around store flushes and segment deletion.
        srv = Server(args=["--log-compact-entries", "1000"]).start()
        acked = {}
        incr_acked = [0] * WRITERS
        incr_sent = [0] * WRITERS
        try:
            for rnd in range(ROUNDS):
                writers = [Writer(srv.port, w, rnd) for w in range(WRITERS)]
                for w in writers:
                    w.start()
                time.sleep(random.uniform(0.3, 1.5))
                srv.kill9()
                for w in writers:
                    w.stop = True
                    w.join(timeout=20)
                    self.assertFalse(w.is_alive())
                    acked.update(w.acked)
                    incr_acked[w.wid] += w.incr_acked
                    incr_sent[w.wid] += w.incr_sent
                srv.start()
                r = redis.Redis(port=srv.port, socket_timeout=10)
                keys = list(acked)
                p = r.pipeline(transaction=False)
                for k in keys:
                    p.get(k)
                    p.ttl(k)
                out = p.execute()
                lost = []
                for n, k in enumerate(keys):
                    val, has_ttl = acked[k]
                    got, ttl = out[2 * n], out[2 * n + 1]
                    if got != val or (ttl > 0) != has_ttl:
                        lost.append((k, val, got, ttl))
                self.assertEqual(lost, [], f"round {rnd}: {len(lost)} acknowledged writes lost or wrong")
                for w in range(WRITERS):
                    v = int(r.get(f"ctr:{w}") or 0)
                    self.assertGreaterEqual(v, incr_acked[w], f"acknowledged INCRs lost for writer {w}")
                    self.assertLessEqual(v, incr_sent[w], f"INCR applied more often than sent ({w})")
                r.close()
            print(f"{len(acked)} acknowledged writes checked over {ROUNDS} kill -9 rounds")
        finally:
            srv.cleanup()


if __name__ == "__main__":
    unittest.main(verbosity=2)
