"""Databases (SELECT 0..15): redis-py clients on different databases see separate key spaces on
a single node and through a 3-node cluster (a write through a follower on db 3 is read through
another node on db 3 and is absent from db 0), SWAPDB is seen by a connection already on a
swapped database, and the databases, their counts and the SWAPDB mapping survive a restart and a
snapshot to a wiped node. INFO keyspace and CLIENT INFO's db= are compared with redis-server."""
import os
import re
import sys
import time
import unittest

import redis

sys.path.insert(0, os.path.dirname(__file__))
from cluster_harness import Cluster  # noqa: E402
from harness import RawConn, RedisServer, Server  # noqa: E402


def keyspace(r, expires=False):
    """INFO keyspace (the exact text, over a raw connection) as {db: keys}, or {db: (keys,
    expires)}; avg_ttl (Redis's estimate, always 0 here) is checked for form only."""
    port = r.connection_pool.connection_kwargs["port"]
    conn = RawConn(port)
    reply = conn.call("INFO", "keyspace")
    conn.close()
    head, _, text = reply.decode().partition("\r\n")
    assert head.startswith("$"), reply
    out = {}
    for line in text.split("\r\n"):
        m = re.match(r"^db(\d+):keys=(\d+),expires=(\d+),avg_ttl=\d+$", line)
        if m:
            out[int(m.group(1))] = (int(m.group(2)), int(m.group(3))) if expires else int(m.group(2))
        else:
            assert line in ("# Keyspace", ""), line
    return out


class SingleNodeTest(unittest.TestCase):
    def setUp(self):
        self.srv = Server().start()

    def tearDown(self):
        self.srv.cleanup()

    def client(self, db, **kw):
        kw.setdefault("socket_timeout", 10)
        return redis.Redis(port=self.srv.port, db=db, **kw)

    def test_clients_on_db0_and_db1_see_separate_key_spaces(self):
        d0, d1 = self.client(0), self.client(1)
        d0.set("k", "zero")
        d1.set("k", "one")
        d1.hset("h", mapping={"f": "v"})
        d1.rpush("l", "a", "b")
        self.assertEqual(d0.get("k"), b"zero")
        self.assertEqual(d1.get("k"), b"one")
        self.assertEqual(d0.dbsize(), 1)
        self.assertEqual(d1.dbsize(), 3)
        self.assertEqual(sorted(d1.keys("*")), [b"h", b"k", b"l"])
        self.assertEqual(d0.keys("*"), [b"k"])
        self.assertEqual(sorted(d1.scan_iter()), [b"h", b"k", b"l"])
        self.assertIsNone(d0.hget("h", "f"))
        self.assertEqual(d0.randomkey(), b"k")
        self.assertEqual(keyspace(d0), {0: 1, 1: 3})
        self.assertEqual(int(d1.client_info()["db"]), 1)
        self.assertTrue(d1.move("k", 2))
        self.assertEqual(self.client(2).get("k"), b"one")
        self.assertEqual(d1.dbsize(), 2)
        d1.flushdb()
        self.assertEqual(d1.dbsize(), 0)
        self.assertEqual(d0.get("k"), b"zero")
        self.assertEqual(keyspace(d0), {0: 1, 2: 1})
        # Keys in any database expire actively (DBSIZE counts keys until they are deleted).
        d9 = self.client(9)
        d9.set("soon", "x", px=50)
        deadline = time.time() + 10
        while d9.dbsize() and time.time() < deadline:
            time.sleep(0.05)
        self.assertEqual(d9.dbsize(), 0)

    def test_swapdb_is_seen_by_a_connection_already_on_a_swapped_database(self):
        on1 = self.client(1, single_connection_client=True)
        on1.set("where", "db1")
        self.client(0).set("where", "db0")
        self.assertEqual(on1.get("where"), b"db1")
        self.assertTrue(self.client(0).swapdb(0, 1))
        self.assertEqual(on1.get("where"), b"db0")  # the same connection, still on db 1
        self.assertEqual(self.client(0).get("where"), b"db1")
        on1.set("new", "x")
        self.assertEqual(keyspace(on1), {0: 1, 1: 2})

        # The databases, their counts and the mapping survive a restart.
        self.client(5).set("five", "5")
        self.srv.stop()
        self.srv.start()
        self.assertEqual(self.client(0).get("where"), b"db1")
        self.assertEqual(self.client(1).get("where"), b"db0")
        self.assertEqual(self.client(1).dbsize(), 2)
        self.assertEqual(self.client(5).get("five"), b"5")
        self.assertEqual(keyspace(self.client(0)), {0: 1, 1: 2, 5: 1})
        # And a crash (kill -9: the log is replayed over the last flushed state).
        self.client(0).swapdb(0, 5)
        self.client(5).set("after", "crash")
        self.srv.kill9()
        self.srv.start()
        self.assertEqual(self.client(0).get("five"), b"5")
        self.assertEqual(self.client(5).get("where"), b"db1")
        self.assertEqual(self.client(5).get("after"), b"crash")

    def test_blocked_clients_wait_in_their_database(self):
        """BLPOP on db 1 is not served by a push to db 0, is by a push to db 1, by a MOVE into
        db 1 and by a SWAPDB that brings a non-empty list into db 1 (as in Redis)."""
        import threading

        def blpop_in_thread(results):
            r = self.client(1, socket_timeout=20)
            t = threading.Thread(target=lambda: results.append(r.blpop("q", timeout=10)))
            t.start()
            time.sleep(0.3)  # parked
            return t

        d0 = self.client(0)
        for how in ("push", "move", "swapdb"):
            got = []
            t = blpop_in_thread(got)
            d0.rpush("q", "in-db0")
            time.sleep(0.3)
            self.assertEqual(got, [], how)  # not woken by database 0
            start = time.monotonic()
            if how == "push":
                self.client(1).rpush("q", "x")
            elif how == "move":
                self.assertTrue(d0.move("q", 1))
            else:
                self.assertTrue(d0.swapdb(0, 1))
            t.join(timeout=15)
            self.assertEqual(got, [(b"q", b"x" if how == "push" else b"in-db0")], how)
            # At once, not by the 3 s safety sweep of parked keys (server/blocking.cc).
            self.assertLess(time.monotonic() - start, 1.0, how)
            d0.flushall()

    def test_info_keyspace_and_client_db_as_redis(self):
        ref = RedisServer().start()
        try:
            for port in (ref.port, self.srv.port):
                for db, n in ((0, 2), (3, 1), (15, 4)):
                    r = redis.Redis(port=port, db=db, socket_timeout=10)
                    for i in range(n):
                        r.set(f"k{i}", i, ex=1000 if i % 2 else None)
                r = redis.Redis(port=port, db=15, socket_timeout=10)
                r.persist("k1")
                r.expire("k2", 500)
                r.hset("h", "f", "v")
                r.expire("h", 100)
                r.swapdb(3, 4)
                redis.Redis(port=port, db=7).set("gone", 1)
                redis.Redis(port=port, db=7).delete("gone")
            want = redis.Redis(port=ref.port, db=2, socket_timeout=10)
            got = self.client(2)
            self.assertEqual(keyspace(got, expires=True), keyspace(want, expires=True))
            self.assertEqual(keyspace(got, expires=True), {0: (2, 1), 4: (1, 0), 15: (5, 3)})
            self.assertEqual(got.client_info()["db"], want.client_info()["db"])
            for r in (want, got):
                with self.assertRaisesRegex(redis.ResponseError, "^DB index is out of range$"):
                    r.execute_command("SELECT", 16)
        finally:
            ref.cleanup()


class ClusterDatabasesTest(unittest.TestCase):
    def setUp(self):
        self.c = Cluster(3, extra_args=["--log-compact-entries", "1000"]).start()

    def tearDown(self):
        self.c.cleanup()

    def local(self, i, db):
        """Node i's own state of database db (READONLY: no barrier, no forwarding)."""
        r = self.c.client(i, db=db)
        r.execute_command("READONLY")
        return r

    def test_follower_writes_land_in_the_session_database_everywhere_and_survive_a_wipe(self):
        leader = self.c.leader()
        f1, f2 = [j for j in self.c.alive() if j != leader]
        w3 = self.c.client(f1, db=3)  # through a follower: forwarded to the leader
        w3.set("k", "three")
        w3.sadd("s", "a", "b")
        self.c.client(f1, db=0).set("k", "zero")
        r3 = self.c.client(f2, db=3)  # linearizable reads through another node
        self.assertEqual(r3.get("k"), b"three")
        self.assertEqual(r3.smembers("s"), {b"a", b"b"})
        self.assertEqual(r3.dbsize(), 2)
        r0 = self.c.client(f2, db=0)
        self.assertEqual(r0.get("k"), b"zero")
        self.assertEqual(r0.exists("s"), 0)
        self.assertEqual(self.c.client(leader, db=3).get("k"), b"three")

        # SWAPDB through a follower; MOVE and FLUSHDB on another database.
        self.assertTrue(self.c.client(f2, db=0).swapdb(3, 4))
        self.assertEqual(r3.dbsize(), 0)
        self.assertEqual(self.c.client(f1, db=4).get("k"), b"three")
        self.assertTrue(self.c.client(f1, db=0).move("k", 6))
        self.c.client(f1, db=8).set("flushed", "x")
        self.c.client(f1, db=8).flushdb()
        commit = int(self.c.raft_info(leader)["raft_commit_index"])
        for i in self.c.alive():
            self.c.wait_applied(i, commit)
            self.assertEqual(self.local(i, 4).smembers("s"), {b"a", b"b"}, f"node {i}")
            self.assertEqual(self.local(i, 6).get("k"), b"zero", f"node {i}")
            self.assertEqual(self.local(i, 0).dbsize(), 0, f"node {i}")
            self.assertEqual(self.local(i, 8).dbsize(), 0, f"node {i}")

        # Enough entries for the log to be compacted; a wiped node must get it all by snapshot.
        self.c.kill9(f2)
        p = self.c.client(leader, db=5).pipeline(transaction=False)
        for n in range(1500):
            p.set(f"s{n}", n)
        p.execute()
        self.c.client(leader, db=0).swapdb(5, 9)  # the mapping changes again before the snapshot
        self.c.restart(f2, wipe=True)
        commit = int(self.c.raft_info(self.c.leader())["raft_commit_index"])
        self.c.wait_applied(f2, commit, timeout=30)
        self.assertIn("installed snapshot", self.c.nodes[f2].log())
        self.assertEqual(self.local(f2, 9).dbsize(), 1500)
        self.assertEqual(self.local(f2, 9).get("s1499"), b"1499")
        self.assertEqual(self.local(f2, 5).dbsize(), 0)
        self.assertEqual(self.local(f2, 4).smembers("s"), {b"a", b"b"})
        self.assertEqual(self.local(f2, 4).get("k"), b"three")
        self.assertEqual(self.local(f2, 6).get("k"), b"zero")
        self.assertEqual(keyspace(self.local(f2, 0)), {4: 2, 6: 1, 9: 1500})
        # The snapshot's node keeps taking writes in the right databases.
        self.c.client(f2, db=9).set("after", "snap")
        self.assertEqual(self.c.client(f1, db=9).get("after"), b"snap")
        self.assertEqual(self.c.client(f1, db=5).get("after"), None)


if __name__ == "__main__":
    unittest.main(verbosity=2)
