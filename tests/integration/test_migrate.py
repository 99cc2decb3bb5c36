"""MIGRATE (to redis-server and to another redraft, from redraft and from redis-server), WAIT in
a 3-node cluster, and FUNCTION DUMP / RESTORE between redis-server and redraft. MIGRATE's
replies (OK, NOKEY, the target's errors, IOERR, syntax errors) are compared with what
redis-server answers for the same MIGRATE."""
import os
import sys
import time
import unittest

import redis

sys.path.insert(0, os.path.dirname(__file__))
from cluster_harness import Cluster  # noqa: E402
from harness import RedisServer, Server, free_port  # noqa: E402
from test_dump import value_of  # noqa: E402


def reply(db, *c):
    try:
        return db.execute_command(*c)
    except redis.ResponseError as e:
        return "ERR " + str(e)


def fill(db):
    db.flushall()
    db.set("s", "v")
    db.set("t", "ttl", px=100000)
    db.rpush("l", *range(300))
    db.sadd("st", "a", "b", "c")
    db.hset("h", mapping={"f%d" % i: i for i in range(200)})
    db.zadd("z", {"m%d" % i: i / 3 for i in range(50)})
    db.xadd("x", {"a": "1"}, id="1-1")
    return ["s", "t", "l", "st", "h", "z", "x"]


def values(db, keys):
    return {k: value_of(db, k) for k in keys}


class MigrateTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ref_src = RedisServer().start()
        cls.ref_dst = RedisServer().start()
        cls.auth_dst = RedisServer(["--requirepass", "sekret"]).start()
        cls.src = Server().start()
        cls.dst = Server().start()
        cls.rs = redis.Redis(port=cls.ref_src.port)
        cls.rd = redis.Redis(port=cls.ref_dst.port)
        cls.ra = redis.Redis(port=cls.auth_dst.port, password="sekret")
        cls.ds = redis.Redis(port=cls.src.port)
        cls.dd = redis.Redis(port=cls.dst.port)

    @classmethod
    def tearDownClass(cls):
        cls.src.stop()
        cls.dst.stop()
        for r in (cls.ref_src, cls.ref_dst, cls.auth_dst):
            r.cleanup()

    def both(self, *args, target_port=None):
        """The same MIGRATE from redis-server and from redraft (same data on both) to targets
        holding the same data; returns the two replies."""
        out = []
        for src in (self.rs, self.ds):
            out.append(reply(src, "MIGRATE", *args))
        return out

    def test_moves_every_type_to_redis_and_back(self):
        keys = fill(self.ds)
        expected = values(self.ds, keys)
        self.rd.flushall()
        self.assertEqual(reply(self.ds, "MIGRATE", "127.0.0.1", self.ref_dst.port, "", 0, 5000, "KEYS", *keys), b"OK")
        self.assertEqual(self.ds.exists(*keys), 0)
        self.assertEqual(values(self.rd, keys), expected)
        # ... and back from redis-server into redraft (redraft as the target of a real MIGRATE).
        self.dd.flushall()
        self.assertEqual(reply(self.rd, "MIGRATE", "127.0.0.1", self.dst.port, "", 3, 5000, "KEYS", *keys), b"OK")
        d3 = redis.Redis(port=self.dst.port, db=3)
        self.assertEqual(values(d3, keys), expected)

    def test_redraft_to_redraft_copy_replace(self):
        fill(self.ds)
        self.dd.flushall()
        self.dd.set("s", "old")
        self.assertEqual(reply(self.ds, "MIGRATE", "127.0.0.1", self.dst.port, "s", 0, 5000, "COPY"),
                         "ERR Target instance replied with error: BUSYKEY Target key name already exists.")
        self.assertEqual(self.ds.get("s"), b"v")
        self.assertEqual(reply(self.ds, "MIGRATE", "127.0.0.1", self.dst.port, "s", 0, 5000, "COPY", "REPLACE"), b"OK")
        self.assertEqual(self.ds.get("s"), b"v")
        self.assertEqual(self.dd.get("s"), b"v")
        self.assertEqual(reply(self.ds, "MIGRATE", "127.0.0.1", self.dst.port, "l", 0, 5000), b"OK")
        self.assertEqual(self.ds.exists("l"), 0)
        self.assertEqual(self.dd.llen("l"), 300)

    def test_replies_match_redis(self):
        dead = free_port()
        A = self.auth_dst.port
        R = self.ref_dst.port
        # (MIGRATE arguments, key the target holds beforehand or None)
        cases = [
            (("127.0.0.1", R, "missing", 0, 1000), None),
            (("127.0.0.1", R, "", 0, 1000, "KEYS", "missing1", "missing2"), None),
            (("127.0.0.1", R, "s", 0, 1000, "KEYS", "s"), None),
            (("127.0.0.1", R, "s", 0, 1000, "FOO"), None),
            (("127.0.0.1", R, "s", 0, 1000, "AUTH"), None),
            (("127.0.0.1", R, "s", 0, 1000, "AUTH2", "u"), None),
            (("127.0.0.1", R, "s", 0, "x"), None),
            (("127.0.0.1", R, "s", "x", 1000), None),
            (("127.0.0.1", dead, "s", 0, 1000), None),
            (("127.0.0.1", A, "s", 0, 1000, "COPY"), None),
            (("127.0.0.1", A, "s", 0, 1000, "COPY", "AUTH", "wrong"), None),
            (("127.0.0.1", A, "s", 0, 1000, "COPY", "AUTH2", "default", "wrong"), None),
            (("127.0.0.1", A, "s", 0, 1000, "COPY", "AUTH", "sekret"), None),
            (("127.0.0.1", A, "s", 0, 1000, "COPY", "AUTH", "sekret"), "s"),
            (("127.0.0.1", A, "", 0, 1000, "COPY", "AUTH", "sekret", "KEYS", "h", "s", "l"), "s"),
            (("127.0.0.1", A, "", 0, 1000, "COPY", "REPLACE", "AUTH", "sekret", "KEYS", "s", "h"), "s"),
            (("127.0.0.1", R, "s", 99, 1000, "COPY"), None),
            (("127.0.0.1", R, "", 0, 1000, "KEYS", "h", "s"), "s"),  # h moves, s stays (BUSYKEY)
        ]
        for args, held in cases:
            with self.subTest(args):
                got = []
                for src in (self.rs, self.ds):
                    fill(src)
                    self.rd.flushall()
                    self.ra.flushall()
                    if held:
                        self.rd.set(held, "x")
                        self.ra.set(held, "x")
                    got.append((reply(src, "MIGRATE", *args), sorted(src.keys())))
                self.assertEqual(got[0], got[1])
        self.assertEqual(self.ds.ping(), True)

    def test_source_key_changed_meanwhile_is_kept(self):
        """The delete compares the key with what was sent: a MIGRATE whose key was overwritten in
        the meantime keeps the new value (here: the target is slow to answer, a second client
        writes)."""
        import socket
        import threading
        lst = socket.socket()
        lst.bind(("127.0.0.1", 0))
        lst.listen(1)
        port = lst.getsockname()[1]

        def slow_target():
            conn, _ = lst.accept()
            data = b""
            while data.count(b"RESTORE") < 1 or not data.endswith(b"\r\n"):
                data += conn.recv(65536)
            sent.append(data)
            received.set()
            time.sleep(0.5)
            conn.sendall(b"+OK\r\n+OK\r\n")
            time.sleep(0.2)
            conn.close()

        received = threading.Event()
        t = threading.Thread(target=slow_target)
        t.start()
        self.ds.set("race", "one")
        res, sent = {}, []
        m = threading.Thread(target=lambda: res.update(r=reply(redis.Redis(port=self.src.port), "MIGRATE", "127.0.0.1", port, "race", 0, 5000)))
        m.start()
        self.assertTrue(received.wait(10))
        self.assertIn(b"one", sent[0])
        self.ds.set("race", "two")  # the event loop keeps serving others meanwhile
        m.join(10)
        t.join(10)
        lst.close()
        self.assertEqual(res.get("r"), b"OK")
        self.assertEqual(self.ds.get("race"), b"two")

    def test_function_dump_restore_both_ways(self):
        code = "#!lua name=mylib\nredis.register_function('f1', function() return 1 end)"
        for db in (self.rs, self.ds, self.rd, self.dd):
            db.function_flush()
        self.rs.function_load(code)
        self.ds.function_load(code)
        self.assertEqual(self.ds.function_dump(), self.rs.function_dump())
        self.assertTrue(self.dd.function_restore(self.rs.function_dump()))
        self.assertEqual(self.dd.fcall("f1", 0), 1)
        self.assertTrue(self.rd.function_restore(self.ds.function_dump()))
        self.assertEqual(self.rd.fcall("f1", 0), 1)
        self.assertEqual(reply(self.dd, "FUNCTION", "RESTORE", self.rs.function_dump()),
                         reply(self.rd, "FUNCTION", "RESTORE", self.rs.function_dump()))
        self.assertTrue(self.dd.function_restore(self.rs.function_dump(), "REPLACE"))
        for db in (self.rs, self.ds, self.rd, self.dd):
            db.function_flush()


class WaitClusterTest(unittest.TestCase):
    def test_wait_counts_followers(self):
        c = Cluster(3).start()
        try:
            leader = c.wait_leader()
            follower = next(i for i in c.alive() if i != leader)
            lc = c.client(leader)
            lc.set("a", "1")
            self.assertEqual(lc.execute_command("WAIT", 2, 5000), 2)
            fc = c.client(follower)
            fc.set("b", "1")
            self.assertGreaterEqual(fc.execute_command("WAIT", 1, 5000), 1)
            t0 = time.time()
            n = lc.execute_command("WAIT", 3, 200)  # only 2 followers: answers at the timeout
            self.assertEqual(n, 2)
            self.assertGreaterEqual(time.time() - t0, 0.19)
            # Never blocks the loop: another client is served while one waits forever-ish.
            lc2 = c.client(leader)
            import threading
            th = threading.Thread(target=lambda: c.client(leader).execute_command("WAIT", 5, 1500))
            th.start()
            time.sleep(0.1)
            t0 = time.time()
            self.assertEqual(lc2.get("a"), b"1")
            self.assertLess(time.time() - t0, 1.0)
            th.join(5)
        finally:
            c.cleanup()


if __name__ == "__main__":
    unittest.main(verbosity=2)
