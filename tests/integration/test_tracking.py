"""Client-side caching (CLIENT TRACKING) compared byte for byte with redis-server 7.0.

Each scenario drives several connections through the same steps against redis-server and a
single redraft node; every reply and every invalidation frame (RESP3 push, or the RESP2
`__redis__:invalidate` message of a redirect target) must be identical. Client ids differ
between the servers, so replies are compared with each connection's id replaced by its name.
"""
import os
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import RawConn, RedisServer, Server  # noqa: E402

# Steps: ("open", name) | ("call", name, *args) | ("push", name) reads one frame |
# ("none", name) asserts nothing more arrives | ("close", name) | ("sleep", seconds).
# "{id:x}" in an argument is connection x's CLIENT ID.
SCENARIOS = {
    "resp3_default": [
        ("open", "t"), ("open", "w"),
        ("call", "t", "HELLO", "3"),
        ("call", "t", "CLIENT", "TRACKING", "on"),
        ("call", "t", "GET", "k"), ("call", "t", "MGET", "k", "j"),
        ("call", "w", "SET", "k", "1"), ("push", "t"),
        ("call", "w", "SET", "j", "1"), ("push", "t"),
        ("call", "w", "SET", "k", "2"), ("none", "t"),  # not read again: no second invalidation
        ("call", "t", "HGETALL", "h"), ("call", "w", "HSET", "h", "f", "v", "g", "w"), ("push", "t"),
        ("call", "t", "GET", "own"), ("call", "t", "SET", "own", "x"), ("push", "t"),  # after the reply
        ("call", "t", "GET", "d1"), ("call", "w", "SELECT", "1"), ("call", "w", "SET", "d1", "x"),
        ("push", "t"),  # the table ignores databases (as Redis)
        ("call", "t", "GET", "s1"), ("call", "t", "GET", "s2"),  # written by a script, by EXEC
        ("call", "w", "EVAL", "redis.call('set', KEYS[1], 'x') return 1", "1", "s1"), ("push", "t"),
        ("call", "w", "MULTI"), ("call", "w", "SET", "s2", "y"), ("call", "w", "EXEC"), ("push", "t"),
        ("call", "w", "SELECT", "0"),
        ("call", "t", "GET", "k"), ("call", "w", "FLUSHALL"), ("push", "t"),  # null invalidation
        ("call", "w", "SET", "k", "3"), ("none", "t"),  # FLUSHALL emptied the table
        ("call", "t", "CLIENT", "TRACKINGINFO"), ("call", "t", "CLIENT", "GETREDIR"),
        ("call", "t", "CLIENT", "TRACKING", "off"), ("call", "t", "CLIENT", "TRACKINGINFO"),
        ("call", "t", "CLIENT", "GETREDIR"),
        ("call", "t", "GET", "k"), ("call", "w", "SET", "k", "4"), ("none", "t"),
    ],
    "resp2_redirect": [
        ("open", "r"), ("open", "t"), ("open", "w"),
        ("call", "r", "SUBSCRIBE", "__redis__:invalidate"),
        ("call", "t", "CLIENT", "TRACKING", "on", "REDIRECT", "{id:r}"),
        ("call", "t", "GET", "x"), ("call", "w", "SET", "x", "1"), ("push", "r"),
        ("call", "t", "GET", "x"), ("call", "w", "DEL", "x"), ("push", "r"),
        ("call", "t", "GET", "y"), ("call", "w", "FLUSHDB"), ("push", "r"),
        ("call", "t", "CLIENT", "GETREDIR"), ("call", "t", "CLIENT", "TRACKINGINFO"),
        ("none", "t"),
    ],
    "resp3_redirect_broken": [
        ("open", "r"), ("open", "t"), ("open", "w"),
        ("call", "t", "HELLO", "3"),
        ("call", "t", "CLIENT", "TRACKING", "on", "REDIRECT", "{id:r}"),
        ("call", "t", "GET", "x"), ("close", "r"), ("sleep", 0.2),
        ("call", "w", "SET", "x", "1"), ("push", "t"),
        ("call", "t", "CLIENT", "TRACKINGINFO"),
    ],
    "bcast": [
        ("open", "t"), ("open", "w"),
        ("call", "t", "HELLO", "3"),
        ("call", "t", "CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "user:", "PREFIX", "obj:"),
        ("call", "w", "MSET", "user:1", "a", "obj:2", "b", "other", "c", "user:0", "d"),
        ("push", "t"), ("push", "t"), ("none", "t"),
        ("call", "w", "SET", "nothing", "1"), ("none", "t"),
        ("call", "w", "INCR", "user:9"), ("push", "t"),
        ("call", "t", "CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "u"),
        ("call", "t", "CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "zz"),
        ("call", "t", "CLIENT", "TRACKINGINFO"),
        ("call", "w", "SET", "zz1", "1"), ("push", "t"),
    ],
    "bcast_all_keys_noloop": [
        ("open", "t"), ("open", "w"),
        ("call", "t", "HELLO", "3"),
        ("call", "t", "CLIENT", "TRACKING", "on", "BCAST", "NOLOOP"),
        ("call", "t", "SET", "mine", "1"), ("none", "t"),
        ("call", "w", "SET", "theirs", "1"), ("push", "t"),
        ("call", "t", "CLIENT", "TRACKINGINFO"),
    ],
    "optin_optout": [
        ("open", "t"), ("open", "u"), ("open", "w"),
        ("call", "t", "HELLO", "3"), ("call", "u", "HELLO", "3"),
        ("call", "t", "CLIENT", "TRACKING", "on", "OPTIN"),
        ("call", "t", "GET", "a"), ("call", "t", "CLIENT", "CACHING", "yes"),
        ("call", "t", "CLIENT", "TRACKINGINFO"), ("call", "t", "GET", "b"), ("call", "t", "GET", "c"),
        ("call", "w", "SET", "a", "1"), ("call", "w", "SET", "b", "1"), ("call", "w", "SET", "c", "1"),
        ("push", "t"), ("none", "t"),
        ("call", "u", "CLIENT", "TRACKING", "on", "OPTOUT"),
        ("call", "u", "CLIENT", "CACHING", "no"), ("call", "u", "GET", "a"), ("call", "u", "GET", "b"),
        ("call", "w", "SET", "a", "2"), ("call", "w", "SET", "b", "2"), ("push", "u"), ("none", "u"),
        ("call", "t", "MULTI"), ("call", "t", "CLIENT", "CACHING", "yes"), ("call", "t", "GET", "m1"),
        ("call", "t", "GET", "m2"), ("call", "t", "EXEC"),
        ("call", "w", "MSET", "m1", "1", "m2", "2"), ("push", "t"), ("push", "t"),
    ],
    "noloop": [
        ("open", "t"), ("open", "w"),
        ("call", "t", "HELLO", "3"),
        ("call", "t", "CLIENT", "TRACKING", "on", "NOLOOP"),
        ("call", "t", "GET", "n"), ("call", "t", "SET", "n", "v"), ("none", "t"),
        ("call", "t", "GET", "n"), ("call", "w", "SET", "n", "w"), ("push", "t"),
        ("call", "t", "CLIENT", "TRACKINGINFO"),
    ],
    # An unchanged SETBIT (answered as a read, docs/unchanged_writes.md) invalidates nothing, its
    # own key included; one that flips, grows or creates does (Redis 7.0 signals only a change).
    "setbit_unchanged": [
        ("open", "t"), ("open", "w"), ("open", "b"),
        ("call", "t", "HELLO", "3"), ("call", "b", "HELLO", "3"),
        ("call", "w", "SETBIT", "bits", "7", "1"),
        ("call", "t", "CLIENT", "TRACKING", "on"),
        ("call", "b", "CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "bi"),
        ("call", "t", "GET", "bits"),
        ("call", "w", "SETBIT", "bits", "7", "1"), ("call", "w", "SETBIT", "bits", "0", "0"),
        ("none", "t"), ("none", "b"),
        ("call", "t", "SETBIT", "bits", "7", "1"), ("none", "t"), ("none", "b"),
        ("call", "w", "SETBIT", "bits", "9", "0"), ("push", "t"), ("push", "b"),
        ("call", "t", "GET", "bits"), ("call", "t", "SETBIT", "bits", "7", "0"), ("push", "t"), ("push", "b"),
        ("call", "t", "GET", "bits"), ("call", "w", "SETBIT", "bitsnew", "1", "0"), ("none", "t"), ("push", "b"),
    ],
    "errors": [
        ("open", "t"), ("open", "w"),
        ("call", "t", "CLIENT", "CACHING", "yes"),
        ("call", "t", "CLIENT", "TRACKING"),
        ("call", "t", "CLIENT", "TRACKING", "maybe"),
        ("call", "t", "CLIENT", "TRACKING", "on", "BOGUS"),
        ("call", "t", "CLIENT", "TRACKING", "on", "REDIRECT"),
        ("call", "t", "CLIENT", "TRACKING", "on", "REDIRECT", "abc"),
        ("call", "t", "CLIENT", "TRACKING", "on", "REDIRECT", "987654"),
        ("call", "t", "CLIENT", "TRACKING", "on", "REDIRECT", "{id:w}", "REDIRECT", "{id:w}"),
        ("call", "t", "CLIENT", "TRACKING", "on", "PREFIX", "a"),
        ("call", "t", "CLIENT", "TRACKING", "on", "BCAST", "OPTIN"),
        ("call", "t", "CLIENT", "TRACKING", "on", "OPTIN", "OPTOUT"),
        ("call", "t", "CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "ab", "PREFIX", "a"),
        ("call", "t", "CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "ab"),
        ("call", "t", "CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "abc"),
        ("call", "t", "CLIENT", "TRACKING", "on"),
        ("call", "t", "CLIENT", "TRACKING", "off"),
        ("call", "t", "CLIENT", "TRACKING", "on", "OPTIN"),
        ("call", "t", "CLIENT", "TRACKING", "on", "OPTOUT"),
        ("call", "t", "CLIENT", "CACHING", "no"),
        ("call", "t", "CLIENT", "CACHING", "maybe"),
        ("call", "t", "CLIENT", "CACHING"),
        ("call", "t", "CLIENT", "GETREDIR", "x"),
        ("call", "t", "CLIENT", "TRACKINGINFO"),
        ("call", "t", "RESET"), ("call", "t", "CLIENT", "TRACKINGINFO"),
    ],
}


def _id_map(ids):
    return sorted(((b":%d\r\n" % i, b":<%s>\r\n" % n.encode()) for n, i in ids.items()), key=lambda p: -len(p[0]))


def run(port, steps):
    conns, ids, out = {}, {}, []
    for step in steps:
        kind, name = step[0], step[1]
        if kind == "open":
            conns[name] = RawConn(port, timeout=5)
            ids[name] = int(conns[name].call("CLIENT", "ID")[1:-2])
        elif kind == "call":
            args = [_subst(a, ids) for a in step[2:]]
            out.append((step, conns[name].call(*args)))
        elif kind == "push":
            c = conns[name]
            c.sock.settimeout(2)
            try:
                got = c.reply()
            except socket.timeout:
                got = b"<timeout>" + c.buf
                c.buf = b""
            c.sock.settimeout(5)
            out.append((step, got))
        elif kind == "none":
            c = conns[name]
            c.sock.settimeout(0.3)
            try:
                c._fill()
                got = c.buf
            except socket.timeout:
                got = b"<none>"
            c.sock.settimeout(5)
            out.append((step, got))
        elif kind == "close":
            conns.pop(name).close()
        elif kind == "sleep":
            time.sleep(name)
    for c in conns.values():
        c.close()
    result = []
    for step, raw in out:
        for a, b in _id_map(ids):
            raw = raw.replace(a, b)
        result.append((step, raw))
    return result


def _subst(arg, ids):
    for n, i in ids.items():
        arg = arg.replace("{id:%s}" % n, str(i))
    return arg


class TrackingCompatTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ref = RedisServer().start()
        cls.srv = Server().start()

    @classmethod
    def tearDownClass(cls):
        cls.ref.cleanup()
        cls.srv.cleanup()

    def test_scenarios(self):
        mismatches = []
        for name, steps in SCENARIOS.items():
            for port in (self.ref.port, self.srv.port):
                c = RawConn(port)
                c.call("FLUSHALL")
                c.close()
            want = run(self.ref.port, steps)
            got = run(self.srv.port, steps)
            for (step, w), (_, g) in zip(want, got):
                if w != g:
                    mismatches.append(f"{name}: {step}\n  redis:   {w!r}\n  redraft: {g!r}")
        self.assertFalse(mismatches, "\n".join(mismatches))

    def test_expiry_invalidates(self):
        """The deletion of an expired key invalidates it when it applies (active expiry)."""
        for port in (self.ref.port, self.srv.port):
            t, w = RawConn(port), RawConn(port)
            t.call("HELLO", "3")
            self.assertEqual(t.call("CLIENT", "TRACKING", "on"), b"+OK\r\n")
            w.call("SET", "soon", "v", "PX", "150")
            self.assertEqual(t.call("GET", "soon"), b"$1\r\nv\r\n")
            t.sock.settimeout(5)
            self.assertEqual(t.reply(), b">2\r\n$10\r\ninvalidate\r\n*1\r\n$4\r\nsoon\r\n", port)
            t.close()
            w.close()


if __name__ == "__main__":
    unittest.main()
