"""DUMP / RESTORE against Debian's redis-server 7.0 (the reference): for every type and for both
of Redis's encodings of each (small and large), a value built on redis-server is DUMPed there,
RESTOREd into redraft, DUMPed back from redraft and RESTOREd into redis-server again; the values
read back on each side are compared, and the DUMP bytes too wherever Redis's own bytes do not
depend on its hash-table order. Error replies of RESTORE (options, BUSYKEY, TTL, corrupted
payloads) are compared byte for byte, and a 3-node cluster restores through a follower."""
import os
import random
import sys
import time
import unittest

import redis

sys.path.insert(0, os.path.dirname(__file__))
from cluster_harness import Cluster  # noqa: E402
from harness import RedisServer, Server  # noqa: E402


def build_cases(rng):
    """name -> (commands that build key 'k', DUMP bytes deterministic in Redis)."""
    big = lambda n: "".join(rng.choice("abc") for _ in range(n))  # noqa: E731 (compressible)
    c = {}
    c["str_small"] = ([["SET", "k", "hello"]], True)
    c["str_int"] = ([["SET", "k", "-12345"]], True)
    c["str_int64"] = ([["SET", "k", "1234567890123"]], True)
    c["str_lzf"] = ([["SET", "k", big(300)]], True)
    c["str_binary"] = ([["SET", "k", bytes(range(256)) * 3]], True)
    c["str_empty"] = ([["SET", "k", ""]], True)
    c["list_small"] = ([["RPUSH", "k", "a", "1", "-70000", "x" * 70, "12345678901"]], True)
    c["list_nodes"] = ([["RPUSH", "k"] + [big(rng.randint(1, 200)) for _ in range(600)]], True)
    c["list_ints"] = ([["RPUSH", "k"] + [str(rng.randint(-10**12, 10**12)) for _ in range(3000)]], True)
    c["set_intset"] = ([["SADD", "k"] + [str(rng.randint(-40000, 40000)) for _ in range(300)]], True)
    c["set_intset64"] = ([["SADD", "k", "1", str(2**40), str(-2**62)]], True)
    c["set_hashtable"] = ([["SADD", "k"] + ["m%d" % i for i in range(50)]], False)
    c["set_big"] = ([["SADD", "k"] + [str(i) for i in range(600)]], False)
    # A listpack keeps insertion order; redraft lists fields in byte order: same bytes only when
    # the fields were added in byte order.
    c["hash_lp"] = ([["HSET", "k"] + sum([["f%03d" % i, str(i * 7)] for i in range(100)], [])], True)
    c["hash_lp_unordered"] = ([["HSET", "k"] + sum([["f%d" % i, str(i * 7)] for i in range(100)], [])], False)
    c["hash_table"] = ([["HSET", "k"] + sum([["f%d" % i, big(10)] for i in range(200)], [])], False)
    c["hash_longval"] = ([["HSET", "k", "a", "b", "long", "v" * 65]], False)
    c["zset_lp"] = ([["ZADD", "k"] + sum([[repr(rng.uniform(-100, 100)), "m%d" % i] for i in range(100)], [])], True)
    c["zset_ints"] = ([["ZADD", "k", "1", "a", "-3", "b", "4503599627370497", "c", "inf", "d", "-inf", "e"]], True)
    c["zset_skiplist"] = ([["ZADD", "k"] + sum([[str(rng.randint(0, 50)), "m%d" % i] for i in range(300)], [])], True)
    c["zset_longmember"] = ([["ZADD", "k", "1", "a" * 65, "2", "b"]], True)
    stream = [["XADD", "k", "%d-%d" % (i // 3 + 1, i % 3), "field", str(i), "other", big(5)] for i in range(250)]
    stream += [["XADD", "k", "500-0", "new", "fields"], ["XADD", "k", "500-1", "field", "x"]]
    c["stream"] = (stream, True)
    c["stream_big"] = ([["XADD", "k", "*", "f", big(3000)] for _ in range(4)], True)
    c["stream_deleted"] = ([["XADD", "k", "1-1", "a", "1"], ["XADD", "k", "2-1", "a", "2"], ["XDEL", "k", "2-1"]], False)
    c["stream_empty"] = ([["XADD", "k", "5-5", "a", "1"], ["XDEL", "k", "5-5"]], True)
    c["stream_setid"] = ([["XADD", "k", "5-5", "a", "1"], ["XSETID", "k", "9-9", "ENTRIESADDED", "7", "MAXDELETEDID", "3-3"]], True)
    c["stream_groups"] = (group_commands(rng, 40), True)
    c["stream_groups_big"] = (group_commands(rng, 400), True)
    c["stream_groups_deleted"] = (group_commands(rng, 60) + [["XDEL", "k", "3-0", "4-1"], ["XTRIM", "k", "MAXLEN", "50"]], False)
    return c


def group_commands(rng, n):
    """A stream with consumer groups in every state RDB keeps: pending entries delivered several
    times, consumers without pending entries, entries-read known and unknown, an empty group."""
    cmds = [["XADD", "k", "%d-%d" % (i // 2 + 1, i % 2), "f", str(i), "g", "v" * rng.randint(0, 30)] for i in range(n)]
    cmds += [["XGROUP", "CREATE", "k", "g1", "0"], ["XGROUP", "CREATE", "k", "g2", "$"],
             ["XGROUP", "CREATE", "k", "a", "0", "ENTRIESREAD", "3"], ["XGROUP", "CREATE", "k", "g3", "2-0"],
             ["XGROUP", "CREATECONSUMER", "k", "g2", "idle"]]
    for c in ("alice", "bob", "carol"):
        cmds.append(["XREADGROUP", "GROUP", "g1", c, "COUNT", str(rng.randint(1, n // 3)), "STREAMS", "k", ">"])
    cmds += [["XREADGROUP", "GROUP", "g1", "bob", "STREAMS", "k", "0"],  # second delivery of bob's
             ["XACK", "k", "g1", "1-0", "1-1", "2-0"],
             ["XCLAIM", "k", "g1", "zed", "0", "3-0", "3-1"],
             ["XREADGROUP", "GROUP", "g3", "x", "COUNT", "4", "STREAMS", "k", ">"],
             ["XREADGROUP", "GROUP", "a", "y", "NOACK", "COUNT", "2", "STREAMS", "k", ">"]]
    return cmds


def stream_state(r, key):
    """XINFO STREAM FULL (without radix-tree-keys/nodes, which describe Redis's memory layout),
    XINFO GROUPS, XINFO CONSUMERS and XPENDING of every group, idle times dropped."""
    r = redis.Redis(connection_pool=r.connection_pool)
    r.response_callbacks = {}  # raw replies
    full = r.execute_command("XINFO", "STREAM", key, "FULL")
    full = [x for i, x in enumerate(full) if not (i % 2 == 0 and x in (b"radix-tree-keys", b"radix-tree-nodes"))
            and not (i % 2 == 1 and full[i - 1] in (b"radix-tree-keys", b"radix-tree-nodes"))]
    out = [full]
    for g in r.execute_command("XINFO", "GROUPS", key):
        name = g[1]
        out.append(g)
        cons = r.execute_command("XINFO", "CONSUMERS", key, name)
        out.append([[x if j != 5 else 0 for j, x in enumerate(c)] for c in cons])  # idle
        out.append(r.execute_command("XPENDING", key, name))
        ext = r.execute_command("XPENDING", key, name, "-", "+", "1000")
        out.append([[e[0], e[1], e[3]] for e in ext])  # without idle
    return out


def value_of(r, key):
    """Everything a client can read of a value (order-insensitive where Redis's is unspecified)."""
    t = r.type(key)
    if t == b"string":
        v = r.get(key)
    elif t == b"list":
        v = r.lrange(key, 0, -1)
    elif t == b"set":
        v = sorted(r.smembers(key))
    elif t == b"hash":
        v = sorted(r.hgetall(key).items())
    elif t == b"zset":
        v = r.zrange(key, 0, -1, withscores=True)
    elif t == b"stream":
        v = (r.xrange(key), r.xlen(key), stream_state(r, key))
    else:
        v = None
    return t, v, r.pttl(key) > 0


class DumpRestoreTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ref = RedisServer().start()
        cls.srv = Server().start()
        cls.r = redis.Redis(port=cls.ref.port)
        cls.d = redis.Redis(port=cls.srv.port)

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()
        cls.ref.cleanup()

    def test_round_trip_every_type(self):
        rng = random.Random(7)
        for name, (cmds, exact) in build_cases(rng).items():
            with self.subTest(name):
                self.r.delete("k", "k2")
                self.d.delete("k")
                for c in cmds:
                    self.r.execute_command(*c)
                ref_dump = self.r.dump("k")
                expected = value_of(self.r, "k")
                self.assertTrue(self.d.restore("k", 0, ref_dump))
                self.assertEqual(value_of(self.d, "k"), expected)
                ours = self.d.dump("k")
                if exact:
                    self.assertEqual(ours, ref_dump)
                self.assertTrue(self.r.restore("k2", 0, ours))
                self.assertEqual(value_of(self.r, "k2"), expected)
                self.assertEqual(self.r.dump("k2") == ref_dump or not exact, True)

    def test_ttl_and_options(self):
        p = self.r.dump("src") or (self.r.set("src", "v") and self.r.dump("src"))
        for db in (self.r, self.d):
            db.delete("t1", "t2", "t3")
            db.restore("t1", 100000, p)
            self.assertTrue(90000 < db.pttl("t1") <= 100000)
            db.restore("t2", int(time.time() * 1000) + 100000, p, absttl=True)
            self.assertTrue(90000 < db.pttl("t2") <= 100000)
            db.restore("t3", 1, p, absttl=True)  # already expired: OK, no key
            self.assertEqual(db.exists("t3"), 0)
            db.restore("t1", 1, p, replace=True, absttl=True)  # deletes the old key
            self.assertEqual(db.exists("t1"), 0)
            db.restore("t1", 0, p, idletime=10)
            db.restore("t1", 0, p, replace=True, frequency=5)

    def test_errors_match_redis(self):
        self.r.set("src", "v")
        good = self.r.dump("src")
        bad_crc = good[:-1] + bytes([good[-1] ^ 1])
        nan_zset = b"\x05\x01\x01a" + b"\x00" * 6 + b"\xf8\x7f"  # a zset2 member with a NaN score
        cases = [
            ["RESTORE", "e1", "0", good, "FOO"],
            ["RESTORE", "e1", "0", good, "IDLETIME"],
            ["RESTORE", "e1", "0", good, "IDLETIME", "-1"],
            ["RESTORE", "e1", "0", good, "IDLETIME", "x"],
            ["RESTORE", "e1", "0", good, "FREQ", "256"],
            ["RESTORE", "e1", "0", good, "FREQ", "1", "IDLETIME", "1"],
            ["RESTORE", "e1", "-1", good],
            ["RESTORE", "e1", "x", good],
            ["RESTORE", "e1", "0", bad_crc],
            ["RESTORE", "e1", "0", b"short"],
            ["RESTORE", "e1", "0", fix_crc(nan_zset)],
            ["RESTORE", "e1", "0", fix_crc(b"\x06\x00")],  # a module value
            ["RESTORE", "e1", "0", fix_crc(b"\x02\x02\x01a\x01a")],  # duplicate set member
            ["RESTORE", "src", "0", good],  # BUSYKEY
            ["RESTORE", "src", "x", good],  # BUSYKEY before the TTL check
            ["DUMP", "missing"],
            ["DUMP"],
            ["RESTORE", "a", "0"],
        ]
        self.d.set("src", "v")
        for i, c in enumerate(cases):
            if c[0] == "RESTORE" and c[1] == "e1":
                c[1] = "e%d" % i
            with self.subTest(c[:2] + [x for x in c[4:]]):
                self.assertEqual(self.reply(self.r, c), self.reply(self.d, c))

    @staticmethod
    def reply(db, c):
        try:
            return db.execute_command(*c)
        except redis.ResponseError as e:
            return "ERR " + str(e)

    def test_corrupted_payloads_never_crash(self):
        """Random damage to real payloads (checksum fixed up so the parser is exercised): an error
        or a value, and the server keeps answering."""
        rng = random.Random(3)
        payloads = []
        for name, (cmds, _) in build_cases(random.Random(1)).items():
            self.r.delete("k")
            for c in cmds:
                self.r.execute_command(*c)
            payloads.append(self.r.dump("k"))
        for i in range(600):
            p = bytearray(rng.choice(payloads)[:-10])
            for _ in range(rng.randint(1, 4)):
                if len(p) > 1 and rng.random() < 0.8:
                    p[rng.randrange(len(p))] = rng.randrange(256)
                elif len(p) > 1:
                    del p[rng.randrange(len(p)):]
            p = fix_crc(bytes(p))
            try:
                self.d.restore("c%d" % i, 0, p)
            except redis.ResponseError as e:
                self.assertEqual(str(e), "Bad data format")
        self.assertTrue(self.d.ping())


class RestoreAccessTest(unittest.TestCase):
    """RESTORE ... IDLETIME / FREQ seed the eviction access table (docs/dump_format.md): with
    maxmemory set, OBJECT IDLETIME / FREQ right after RESTORE answer what redis-server answers
    (IDLETIME under an LRU policy, FREQ under an LFU one; the other option is ignored, as in
    Redis), on a single node and on every node of a cluster when restored through a follower."""

    def test_single_node_matches_redis(self):
        ref = RedisServer().start()
        srv = Server().start()
        try:
            r, d = redis.Redis(port=ref.port), redis.Redis(port=srv.port)
            r.set("src", "v")
            p = r.dump("src")
            for db in (r, d):
                db.config_set("maxmemory", "100mb")
                db.config_set("maxmemory-policy", "allkeys-lru")
                db.restore("a", 0, p, idletime=1000)
                db.restore("b", 0, p, frequency=50)  # ignored under LRU: a fresh key
            self.assertTrue(abs(d.object("idletime", "a") - r.object("idletime", "a")) <= 1)
            self.assertGreaterEqual(d.object("idletime", "a"), 1000)
            self.assertLessEqual(d.object("idletime", "b"), 1)
            for db in (r, d):
                db.config_set("maxmemory-policy", "allkeys-lfu")
                db.restore("c", 0, p, frequency=77)
                db.restore("e", 0, p, frequency=0)
            self.assertEqual(d.object("freq", "c"), r.object("freq", "c"))
            self.assertEqual(d.object("freq", "e"), r.object("freq", "e"))
            self.assertEqual(d.object("freq", "c"), 77)
        finally:
            srv.stop()
            ref.cleanup()

    def test_cluster_restore_through_follower(self):
        c = Cluster(3, extra_args=["--maxmemory", "100mb", "--maxmemory-policy", "allkeys-lru"]).start()
        try:
            leader = c.wait_leader()
            follower = next(i for i in c.alive() if i != leader)
            f = c.client(follower)
            f.set("src", "v")
            f.restore("k", 0, f.dump("src"), idletime=5000)
            time.sleep(0.5)  # past a cron tick: a follower's hint would have reached the leader
            for i in c.alive():
                cl = c.client(i)
                deadline = time.time() + 10
                # OBJECT is not an access (EXISTS would be one, and reset the idle time).
                while cl.object("idletime", "k") is None and time.time() < deadline:
                    time.sleep(0.05)
                self.assertGreaterEqual(cl.object("idletime", "k"), 5000, i)
                self.assertLessEqual(cl.object("idletime", "k"), 5010, i)
        finally:
            c.cleanup()


def crc64_jones(data):
    crc = 0
    poly = 0x95AC9329AC4BC9B5
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ poly if crc & 1 else crc >> 1
    return crc


def fix_crc(body):
    body = body + b"\x0a\x00"
    return body + crc64_jones(body).to_bytes(8, "little")


class ClusterRestoreTest(unittest.TestCase):
    def test_restore_through_follower(self):
        ref = RedisServer().start()
        c = Cluster(3).start()
        try:
            r = redis.Redis(port=ref.port)
            r.rpush("l", *range(100))
            r.zadd("z", {"a": 1, "b": 2})
            for cmd in group_commands(random.Random(5), 300):
                r.execute_command(*[("s" if x == "k" else x) for x in cmd])
            leader = c.wait_leader()
            follower = next(i for i in c.alive() if i != leader)
            f = c.client(follower)
            f.restore("l", 0, r.dump("l"))
            f.restore("z", 0, r.dump("z"), replace=True)
            f.restore("s", 0, r.dump("s"))  # a stream with consumer groups
            for i in c.alive():
                cl = c.client(i)
                deadline = time.time() + 10
                while cl.llen("l") != 100 and time.time() < deadline:
                    time.sleep(0.05)
                self.assertEqual(cl.lrange("l", 0, -1), r.lrange("l", 0, -1))
                self.assertEqual(cl.dump("z"), r.dump("z"))
                while not cl.exists("s") and time.time() < deadline:
                    time.sleep(0.05)
                self.assertEqual(stream_state(cl, "s"), stream_state(r, "s"))
                self.assertEqual(cl.dump("s"), r.dump("s"))
        finally:
            c.cleanup()
            ref.cleanup()


if __name__ == "__main__":
    unittest.main(verbosity=2)
