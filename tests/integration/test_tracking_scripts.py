"""Client tracking and scripts, and tracking-table-max-keys, against redis-server 7.0.

Scripts: a tracking client that runs a script reading keys is invalidated for the keys the
script declared (EVAL/EVALSHA/FCALL and their _RO forms), as Redis 7.0 remembers them; compared
byte for byte with the scenario runner of test_tracking.py. The table limit: past
tracking-table-max-keys keys, a key leaves the table and its reader gets an invalidation (which
key is arbitrary, as Redis's random pick), and CONFIG SET / GET / the config file know it.
"""
import os
import socket
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import RawConn, RedisServer, Server  # noqa: E402
import test_tracking  # noqa: E402  (its runner only)

LIB = ("#!lua name=tlib\n"
       "redis.register_function{function_name='fro', callback=function(keys) return redis.call('get', keys[1]) end, "
       "flags={'no-writes'}}\n"
       "redis.register_function('frw', function(keys) local v = redis.call('get', keys[1]) redis.call('incr', keys[2]) "
       "return v end)\n")

SCENARIOS = {
    "script_keys": [
        ("open", "t"), ("open", "w"),
        ("call", "w", "FUNCTION", "LOAD", "REPLACE", LIB),
        ("call", "w", "SCRIPT", "LOAD", "return redis.call('get', KEYS[1])"),
        ("call", "t", "HELLO", "3"),
        ("call", "t", "CLIENT", "TRACKING", "on"),
        ("call", "t", "EVAL", "return redis.call('get', KEYS[1])", "1", "k1"),
        ("call", "w", "SET", "k1", "v"), ("push", "t"),
        ("call", "t", "EVAL", "return redis.call('mget', KEYS[1], KEYS[2])", "2", "k2", "k3"),
        ("call", "w", "MSET", "k2", "v", "k3", "v"), ("push", "t"), ("push", "t"),
        ("call", "t", "EVALSHA", "4e6d8fc8bb01276962cce5371fa795a7763657ae", "1", "k4"),
        ("call", "w", "SET", "k4", "v"), ("push", "t"),
        ("call", "t", "EVAL_RO", "return redis.call('get', KEYS[1])", "1", "k5"),
        ("call", "w", "SET", "k5", "v"), ("push", "t"),
        ("call", "t", "EVAL", "#!lua flags=no-writes\nreturn redis.call('exists', KEYS[1])", "1", "k6"),
        ("call", "w", "SET", "k6", "v"), ("push", "t"),
        ("call", "t", "FCALL_RO", "fro", "1", "k7"),
        ("call", "w", "SET", "k7", "v"), ("push", "t"),
        ("call", "t", "FCALL", "frw", "2", "k8", "k9"),  # reads, then writes k9: invalidated
        ("push", "t"), ("call", "w", "SET", "k8", "v"), ("push", "t"), ("none", "t"),
        ("call", "t", "MULTI"), ("call", "t", "EVAL", "return redis.call('get', KEYS[1])", "1", "k10"),
        ("call", "t", "EXEC"),
        ("call", "w", "SET", "k10", "v"), ("push", "t"), ("none", "t"),
    ],
}


class TrackingScriptsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ref = RedisServer().start()
        fd, cls.conf = tempfile.mkstemp(prefix="redraft-tracking-", suffix=".conf")
        with os.fdopen(fd, "w") as f:
            f.write("tracking-table-max-keys 5000\n")
        cls.srv = Server(conf=cls.conf).start()

    @classmethod
    def tearDownClass(cls):
        cls.ref.cleanup()
        cls.srv.cleanup()
        os.unlink(cls.conf)

    def test_scripts_track_their_declared_keys(self):
        mismatches = []
        for port in (self.ref.port, self.srv.port):  # no scenario connection gets id 3 (HELLO's proto)
            while int(RawConn(port).call("CLIENT", "ID")[1:-2]) < 4:
                pass
        for name, steps in SCENARIOS.items():
            for port in (self.ref.port, self.srv.port):
                c = RawConn(port)
                c.call("FLUSHALL")
                c.close()
            want = test_tracking.run(self.ref.port, steps)
            got = test_tracking.run(self.srv.port, steps)
            for (step, w), (_, g) in zip(want, got):
                if w != g:
                    mismatches.append(f"{name}: {step}\n  redis:   {w!r}\n  redraft: {g!r}")
        self.assertFalse(mismatches, "\n".join(mismatches))

    def test_table_limit_evicts_and_invalidates(self):
        self.assertEqual(RawConn(self.srv.port).call("CONFIG", "GET", "tracking-table-max-keys"),
                         b"*2\r\n$23\r\ntracking-table-max-keys\r\n$4\r\n5000\r\n")  # from the config file
        for port in (self.ref.port, self.srv.port):
            admin, t = RawConn(port), RawConn(port)
            admin.call("FLUSHALL")  # empties the tracking table (keys left by other tests)
            self.assertEqual(admin.call("CONFIG", "SET", "tracking-table-max-keys", "3"), b"+OK\r\n")
            self.assertEqual(admin.call("CONFIG", "GET", "tracking-table-max-keys"),
                             b"*2\r\n$23\r\ntracking-table-max-keys\r\n$1\r\n3\r\n")
            t.call("HELLO", "3")
            t.call("CLIENT", "TRACKING", "on")
            for k in ("a", "b", "c"):
                self.assertEqual(t.call("GET", k), b"_\r\n")
            self.assertEqual(self.pending(t), b"", port)  # 3 keys: at the limit
            self.assertEqual(t.call("GET", "d"), b"_\r\n")
            evicted = self.pending(t)  # one of a..d left the table: its invalidation
            self.assertRegex(evicted, rb"^>2\r\n\$10\r\ninvalidate\r\n\*1\r\n\$1\r\n[abcd]\r\n$", port)
            gone = evicted[-3:-2]
            # The evicted key is no longer tracked: a write to it says nothing; the others do.
            admin.call("SET", gone, "x")
            self.assertEqual(self.pending(t), b"", port)
            # Lowering the limit evicts down to it (Redis: before it sleeps, a random walk that may
            # take more than one round; here after a read or at the next cron tick). Each of the 3
            # keys still tracked is invalidated once: by the eviction or by a later write.
            admin.call("CONFIG", "SET", "tracking-table-max-keys", "1")
            t.sock.sendall(b"*1\r\n$4\r\nPING\r\n")  # its reply may come after the invalidations
            evictions = self.pending(t, wait=0.5).count(b">2\r\n$10\r\ninvalidate")
            self.assertGreaterEqual(evictions, 1, port)
            admin.call("MSET", "a", "1", "b", "1", "c", "1", "d", "1")
            writes = self.pending(t).count(b">2\r\n$10\r\ninvalidate")
            self.assertEqual(evictions + writes, 3, (port, evictions, writes))
            # 0: no limit.
            admin.call("CONFIG", "SET", "tracking-table-max-keys", "0")
            for i in range(50):
                t.call("GET", "n%d" % i)
            self.assertEqual(self.pending(t), b"", port)
            self.assertEqual(admin.call("CONFIG", "SET", "tracking-table-max-keys", "-1")[:5], b"-ERR ")
            admin.call("CONFIG", "SET", "tracking-table-max-keys", "1000000")
            admin.close()
            t.close()

    @staticmethod
    def pending(conn, wait=0.3):
        conn.sock.settimeout(wait)
        try:
            while True:
                conn._fill()
        except socket.timeout:
            pass
        conn.sock.settimeout(5)
        got, conn.buf = conn.buf, b""
        return got


if __name__ == "__main__":
    unittest.main()
