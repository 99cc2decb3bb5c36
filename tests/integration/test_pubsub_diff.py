"""Pub/Sub and keyspace notifications compared byte for byte with redis-server 7.0.

Scripts of (connection, frames to read, command) steps run against both servers; every frame
each connection receives must be identical (client ids aside). Covers subscribe/unsubscribe
sequences and their counts, RESP2 subscriber mode (errors, PING), RESP3 pushes, RESET, PUBSUB
introspection, ACL channel permissions, notify-keyspace-events normalization, and the stream of
keyspace notifications for a workload over every command family."""
import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import RawConn, RedisServer, Server, encode  # noqa: E402


def run_script(port, script):
    conns, out = {}, []
    try:
        for step in script:
            who, args = step[0], list(step[1:])
            n = 1
            if args and isinstance(args[0], int):
                n, args = args[0], args[1:]
            c = conns.get(who) or conns.setdefault(who, RawConn(port))
            if args and args[0] not in ("READ", "READSET"):
                c.send(encode(*args))
            frames = [c.reply() for _ in range(n)]
            if args[0] == "READSET":  # patterns are walked in hash order by Redis: compare as a set
                frames.sort()
            out.append((who, b"".join(frames)))
    finally:
        for c in conns.values():
            c.close()
    return out


SUBSCRIBER_SCRIPT = [
    ("a", 3, "SUBSCRIBE", "ch1", "ch2", "ch1"), ("a", "GET", "x"), ("a", "PING"), ("a", "PING", "hi"),
    ("a", "PING", "a", "b"), ("a", "CLIENT", "LIST"), ("a", "SET", "k", "v"), ("a", "MULTI"),
    ("b", "PUBLISH", "ch1", "m1"), ("a", "READ"),
    ("a", 2, "PSUBSCRIBE", "c*", "ch?"), ("b", "PUBLISH", "ch2", "m2"), ("a", 3, "READSET"),
    ("b", "PUBLISH", "nobody", "m"), ("b", "PUBSUB", "NUMSUB", "ch1", "zz"), ("b", "PUBSUB", "NUMSUB"),
    ("b", "PUBSUB", "NUMPAT"), ("b", "PUBSUB", "CHANNELS", "ch1"), ("b", "PUBSUB", "CHANNELS", "x*"),
    ("b", "PUBSUB", "FOO"), ("b", "PUBSUB", "CHANNELS", "a", "b"), ("b", "PUBSUB", "channels", "a", "b"), ("b", "PUBSUB"), ("b", "PUBSUB", "NUMPAT", "x"),
    ("b", "PUBSUB", "HELP"), ("b", "PUBLISH", "x"), ("b", "SUBSCRIBE"),
    ("a", "UNSUBSCRIBE", "ch1"), ("a", "UNSUBSCRIBE", "never"), ("a", 2, "PUNSUBSCRIBE"),
    ("a", "UNSUBSCRIBE"), ("a", "UNSUBSCRIBE"), ("a", "PUNSUBSCRIBE"), ("a", "GET", "x"), ("a", "PING"),
    ("a", "SSUBSCRIBE", "s1"), ("a", "GET", "x"), ("a", "SUBSCRIBE", "q"), ("b", "SPUBLISH", "s1", "hello"),
    ("b", "PUBLISH", "s1", "not-shard"), ("a", "READ"), ("b", "PUBSUB", "SHARDNUMSUB", "s1", "q"),
    ("b", "PUBSUB", "SHARDCHANNELS"), ("b", "PUBSUB", "SHARDCHANNELS", "s*"),
    ("a", "SUNSUBSCRIBE"), ("a", "UNSUBSCRIBE"), ("a", "SUNSUBSCRIBE"), ("a", "SUNSUBSCRIBE", "s9"),
    # RESP3: pushes, any command allowed, a message to the publisher itself before its reply.
    ("c", "HELLO", "3"), ("c", "SUBSCRIBE", "z"), ("c", "GET", "x"), ("c", "PING"), ("b", "PUBLISH", "z", "zz"),
    ("c", "READ"), ("c", 2, "PUBLISH", "z", "self"), ("c", "PSUBSCRIBE", "z*"), ("b", "PUBLISH", "z", "2"),
    ("c", 2, "READSET"), ("c", "UNSUBSCRIBE"), ("c", "UNSUBSCRIBE"), ("c", "PUNSUBSCRIBE", "z*", "other"),
    ("c", "SSUBSCRIBE", "sh"), ("c", "SUNSUBSCRIBE"), ("c", "RESET"), ("c", "GET", "x"),
    # RESET leaves subscriber mode (and RESP3), silently.
    ("d", 2, "SUBSCRIBE", "k", "l"), ("d", "RESET"), ("d", "GET", "x"), ("d", "PING"),
    ("d", "HELLO", "3"), ("d", "PSUBSCRIBE", "p"), ("d", "RESET"), ("b", "PUBLISH", "p", "lost"), ("d", "PING"),
    # Binary-safe names and payloads.
    # Inside MULTI: PUBLISH and SUBSCRIBE are queued and run by EXEC.
    ("m", "MULTI"), ("m", "PUBLISH", "ch-m", "x"), ("m", "SET", "k", "v"), ("m", "EXEC"), ("s", "SUBSCRIBE", "ch-m"),
    ("m", "MULTI"), ("m", "PUBLISH", "ch-m", "y"), ("m", "EXEC"), ("s", "READ"), ("m", "MULTI"), ("m", "SUBSCRIBE", "q"),
    ("m", "EXEC"), ("m", "GET", "k"),
    ("e", "SUBSCRIBE", "bin\x00\r\nch"), ("b", "PUBLISH", "bin\x00\r\nch", "pay\r\nload\x00"), ("e", "READ"),
]

ACL_SCRIPT = [
    ("adm", "ACL", "SETUSER", "u", "on", "nopass", "+@all", "~*", "resetchannels", "&news.*", "&lit*"),
    ("u", "AUTH", "u", "x"),
    ("u", "PUBLISH", "news.a", "x"), ("u", "PUBLISH", "other", "x"), ("u", "SPUBLISH", "other", "x"),
    ("u", "SPUBLISH", "news.b", "x"), ("u", "SUBSCRIBE", "news.x", "other"), ("u", "SSUBSCRIBE", "other"),
    ("u", "PSUBSCRIBE", "news.a*"), ("u", "PSUBSCRIBE", "news.*"), ("u", "PSUBSCRIBE", "lit*"),
    ("u", "UNSUBSCRIBE", "other"), ("u", 2, "PUNSUBSCRIBE"),
    ("adm", "ACL", "DRYRUN", "u", "PUBLISH", "other", "x"), ("adm", "ACL", "DRYRUN", "u", "PSUBSCRIBE", "news.*"),
    ("adm", "ACL", "DRYRUN", "u", "SUBSCRIBE", "news.1", "bad"),
]

# One command per line; the subscriber sees every event of every family.
NOTIFY_WORKLOAD = [
    ["SET", "k", "v"], ["SET", "k", "v", "EX", "100"], ["SET", "k", "v", "NX"], ["SET", "k", "w", "XX", "GET"],
    ["SETNX", "k2", "x"], ["SETNX", "k2", "x"], ["SETEX", "k5", "10", "v"], ["PSETEX", "k6", "10000", "v"],
    ["GETSET", "k", "w"], ["GETDEL", "k2"], ["GETDEL", "k2"], ["GETEX", "k", "EX", "50"], ["GETEX", "k", "PERSIST"],
    ["GETEX", "k", "PERSIST"], ["MSET", "a", "1", "b", "2"], ["MSETNX", "a", "1", "c", "2"], ["MSETNX", "c", "1", "d", "2"],
    ["INCR", "a"], ["DECR", "a"], ["DECRBY", "a", "3"], ["INCRBY", "a", "9"], ["INCRBYFLOAT", "a", "1.5"],
    ["INCR", "b"], ["APPEND", "b", "x"], ["APPEND", "new", "x"], ["SETRANGE", "b", "0", "zz"], ["SETRANGE", "b", "0", ""],
    # SETBIT notifies only a change: created, grown or flipped (an unchanged one is answered as a
    # read, docs/unchanged_writes.md)
    ["SETBIT", "bm", "3", "1"], ["SETBIT", "bm", "3", "1"], ["SETBIT", "bm", "20", "0"], ["SETBIT", "bm", "20", "0"],
    ["SETBIT", "bm", "3", "0"], ["SETBIT", "bm", "3", "0"],
    ["DEL", "a", "nosuch", "c"], ["UNLINK", "d"], ["EXPIRE", "b", "100"], ["EXPIRE", "nosuch", "100"], ["PERSIST", "b"],
    ["PERSIST", "b"], ["PEXPIRE", "new", "100000"], ["EXPIREAT", "new", "9999999999"], ["PEXPIREAT", "b", "1"],
    ["RENAME", "k", "k3"], ["RENAME", "k3", "k3"], ["RENAMENX", "k3", "k5"], ["RENAMENX", "k3", "k7"], ["COPY", "k7", "k4"],
    ["COPY", "k7", "k4"], ["COPY", "k7", "k4", "DB", "2", "REPLACE"], ["MOVE", "k4", "1"], ["MOVE", "k4", "1"],
    ["HSET", "h", "f", "1", "g", "2"], ["HMSET", "h", "f", "1"], ["HSETNX", "h", "f", "x"], ["HSETNX", "h", "z", "x"],
    ["HINCRBY", "h", "f", "2"], ["HINCRBYFLOAT", "h", "f", "0.5"], ["HDEL", "h", "f", "nope"], ["HDEL", "h", "nope"],
    ["HDEL", "h", "g", "z"],
    ["LPUSH", "l", "a", "b", "c"], ["RPUSH", "l", "d"], ["LPUSHX", "nol", "a"], ["RPUSHX", "l", "e"], ["LPOP", "l"],
    ["RPOP", "l", "1"], ["LPOP", "l", "0"], ["LSET", "l", "0", "q"], ["LINSERT", "l", "BEFORE", "q", "w"],
    ["LINSERT", "l", "BEFORE", "nope", "w"], ["LREM", "l", "0", "w"], ["LREM", "l", "0", "nope"], ["LTRIM", "l", "0", "0"],
    ["LTRIM", "l", "5", "1"], ["RPUSH", "l2", "1", "2"], ["LMOVE", "l2", "l3", "LEFT", "RIGHT"], ["RPOPLPUSH", "l2", "l3"],
    ["RPUSH", "rot", "1", "2"], ["LMOVE", "rot", "rot", "LEFT", "RIGHT"], ["RPUSH", "one", "1"], ["RPOPLPUSH", "one", "one"],
    ["LMPOP", "1", "l3", "LEFT", "COUNT", "5"], ["RPUSH", "l4", "x"], ["BLPOP", "l4", "0"], ["RPUSH", "l4", "x", "y"],
    ["BRPOP", "l4", "0"], ["BLMOVE", "l4", "l5", "RIGHT", "LEFT", "0"], ["BLMPOP", "0", "1", "l5", "RIGHT"],
    ["SADD", "s", "a", "b", "c"], ["SADD", "s", "a"], ["SREM", "s", "a"], ["SREM", "s", "nope"], ["SMOVE", "s", "s2", "b"],
    ["SMOVE", "s", "s2", "nope"], ["SADD", "s2", "c"], ["SMOVE", "s", "s2", "c"], ["SADD", "s", "q"], ["SPOP", "s"],
    ["SADD", "s", "x", "y"], ["SPOP", "s", "5"], ["SADD", "s", "x", "y", "z"], ["SPOP", "s", "0"], ["SADD", "s5", "1", "2"],
    ["SINTERSTORE", "s6", "s5", "s2"], ["SUNIONSTORE", "s6", "s5", "s2"], ["SDIFFSTORE", "s6", "s5", "s5"],
    ["SDIFFSTORE", "s6", "s5", "s5"],
    ["ZADD", "z", "1", "a", "2", "b", "3", "c"], ["ZADD", "z", "1", "a"], ["ZADD", "z", "5", "a"], ["ZADD", "z", "NX", "9", "a"],
    ["ZINCRBY", "z", "1", "a"], ["ZADD", "z", "INCR", "1", "b"], ["ZREM", "z", "a"], ["ZREM", "z", "nope"], ["ZPOPMIN", "z"],
    ["ZADD", "z", "1", "x", "2", "y", "3", "w"], ["ZPOPMAX", "z", "2"], ["ZREMRANGEBYRANK", "z", "0", "0"],
    ["ZREMRANGEBYRANK", "z", "5", "9"], ["ZADD", "z", "1", "a", "2", "b"], ["ZREMRANGEBYSCORE", "z", "1", "1"],
    ["ZADD", "z2", "0", "a", "0", "b"], ["ZREMRANGEBYLEX", "z2", "[a", "[a"], ["ZUNIONSTORE", "z3", "2", "z", "z2"],
    ["ZINTERSTORE", "z3", "2", "z", "nosuch"], ["ZRANGESTORE", "z4", "z", "0", "-1"], ["ZDIFFSTORE", "z5", "1", "z"],
    ["ZRANGESTORE", "z4", "nosuch", "0", "-1"], ["ZMPOP", "1", "z5", "MIN", "COUNT", "10"], ["ZADD", "z6", "1", "a"],
    ["BZPOPMIN", "z6", "0"], ["ZADD", "z6", "1", "a", "2", "b"], ["BZPOPMAX", "z6", "0"], ["BZMPOP", "0", "1", "z6", "MAX"],
    ["MULTI"], ["SET", "t", "1"], ["INCR", "t"], ["SELECT", "3"], ["SET", "t3", "1"], ["EXEC"], ["SELECT", "5"],
    ["SET", "in5", "x"], ["DEL", "in5"], ["SELECT", "0"],
    # A write meeting an expired key reports "expired" first (Redis's lookupKeyWrite).
    ["SET", "x1", "1", "PX", "1"], ["SET", "x2", "1", "PX", "1"], ["SET", "x3", "a", "PX", "1"],
    ["SET", "x4", "a", "PX", "1"], ["SLEEP"], ["SET", "x1", "v"], ["INCR", "x2"], ["APPEND", "x3", "z"],
    ["SETNX", "x4", "n"],
    ["SET", "e", "1", "PX", "1"], ["HSET", "eh", "f", "v"], ["PEXPIRE", "eh", "1"],
]


def notification_stream(port, flags, pattern="*"):
    admin, sub = RawConn(port), RawConn(port)
    try:
        admin.call("FLUSHALL")
        admin.call("CONFIG", "SET", "notify-keyspace-events", flags)
        sub.send(encode("PSUBSCRIBE", pattern))
        sub.reply()
        for cmd in NOTIFY_WORKLOAD:
            if cmd == ["SLEEP"]:
                time.sleep(0.01)
            else:
                admin.call(*cmd)
        time.sleep(1.5)  # e and eh expire: "expired" when the deletion happens (active expiry)
        deadline = time.time() + 20
        while admin.call("EXISTS", "e", "eh") != b":0\r\n" and time.time() < deadline:
            time.sleep(0.1)
        admin.call("PUBLISH", "the-end", "x")
        msgs = []
        while True:
            r = sub.reply()
            if b"the-end" in r:
                # Expiry deletions come in the order each server's sweep meets the keys.
                expired = sorted(m for m in msgs if m.endswith(b"expired\r\n") or m.count(b"keyevent@0__:expired"))
                return [m for m in msgs if m not in expired] + expired
            msgs.append(r)
    finally:
        admin.call("CONFIG", "SET", "notify-keyspace-events", "")
        admin.close()
        sub.close()


class PubsubDifferential(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.redis = RedisServer().start()
        cls.node = Server().start()

    @classmethod
    def tearDownClass(cls):
        cls.node.cleanup()
        cls.redis.cleanup()

    def compare(self, script):
        ours, ref = run_script(self.node.port, script), run_script(self.redis.port, script)
        for i, ((who, a), (_, b)) in enumerate(zip(ours, ref)):
            if script[i][1:3] == ("HELLO", "3") or "HELLO" in script[i]:  # the client id differs
                a, b = re.sub(rb":\d+\r\n\$4\r\nmode", b"", a), re.sub(rb":\d+\r\n\$4\r\nmode", b"", b)
            self.assertEqual(a, b, f"step {i} {script[i]}")

    def test_subscriber_frames(self):
        self.compare(SUBSCRIBER_SCRIPT)

    def test_acl_channels(self):
        try:
            self.compare(ACL_SCRIPT)
        finally:
            for port in (self.node.port, self.redis.port):
                c = RawConn(port)
                c.call("ACL", "DELUSER", "u")
                c.close()

    def test_notify_flags_normalization(self):
        for flags in ["KEA", "Elg", "AK", "$lshzxetd", "gKEm", "Kn", "A", "AKEmn", "", "KEx", "Kx9", "Eh$lzsg",
                      "KA", "E", "d", "AKEtdm"]:
            for port in (self.node.port, self.redis.port):
                c = RawConn(port)
                got = (c.call("CONFIG", "SET", "notify-keyspace-events", flags),
                       c.call("CONFIG", "GET", "notify-keyspace-events"))
                c.call("CONFIG", "SET", "notify-keyspace-events", "")
                c.close()
                if port == self.node.port:
                    ours = got
            self.assertEqual(ours, got, flags)

    def test_output_limit_config(self):
        script = [("a", "CONFIG", "SET", "client-output-buffer-limit", v) for v in
                  ["pubsub 1mb 512kb 5", "foo 1 2 3", "pubsub 1 2", "pubsub x 2 3", "normal 0 0 0 pubsub 2gb 1k 0",
                   "PUBSUB 32mb 8mb 60"]]
        script = [s for step in script for s in (step, ("a", "CONFIG", "GET", "client-output-buffer-limit"))]
        self.compare(script)

    def test_notifications_per_family(self):
        for flags in ["KEA", "Kx", "E$", "Elgz", "KEhs"]:
            ours = notification_stream(self.node.port, flags)
            ref = notification_stream(self.redis.port, flags)
            self.assertEqual(ours, ref, flags)
        self.assertGreater(len(notification_stream(self.node.port, "KEA")), 250)

    def test_subscriber_survives_idle_timeout(self):
        """As Redis: `timeout` closes idle clients, never subscribers."""
        admin, sub, idle = RawConn(self.node.port), RawConn(self.node.port), RawConn(self.node.port)
        try:
            sub.send(encode("SUBSCRIBE", "idle-test"))
            sub.reply()
            admin.call("CONFIG", "SET", "timeout", "1")
            time.sleep(2.5)
            self.assertTrue(idle.closed_by_peer(timeout=3))
            pub = RawConn(self.node.port)  # admin itself was idle too
            self.assertEqual(pub.call("PUBLISH", "idle-test", "still here"), b":1\r\n")
            pub.close()
            self.assertEqual(sub.reply(), b"*3\r\n$7\r\nmessage\r\n$9\r\nidle-test\r\n$10\r\nstill here\r\n")
        finally:
            RawConn(self.node.port).call("CONFIG", "SET", "timeout", "0")
            for c in (admin, sub, idle):
                c.close()

    def test_no_flags_no_events(self):
        self.assertEqual(notification_stream(self.node.port, ""), [])


if __name__ == "__main__":
    unittest.main()
