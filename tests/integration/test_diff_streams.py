"""Randomized differential test of the stream family against redis-server (differential.py).

IDs are explicit ("ms-seq", "ms", "ms-*") from a small range so both servers derive the same ones
and collisions, ms-* increments and "equal or smaller" errors are frequent; "*" depends on each
server's clock, so its replies are checked for shape in test_auto_ids (not compared). Trimming
uses exact bounds only: '~' trims whole radix-tree nodes in Redis and exactly here
(docs/streams.md). Every other reply is compared byte for byte, in RESP2 and RESP3, then the
final state (XRANGE - + of every stream)."""
import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import differential  # noqa: E402
from harness import RawConn, Server  # noqa: E402

SKEYS = ["s0", "s1", "s2"]
FIELDS = ["a", "b", "", "f\x00g"]


def rid(rng):
    ms = rng.randint(0, 6)
    r = rng.random()
    if r < 0.5:
        return f"{ms}-{rng.randint(0, 3)}"
    if r < 0.7:
        return f"{ms}-*"
    if r < 0.9:
        return str(ms)
    return rng.choice(["0-0", "-", "+", "x", "1-x", "18446744073709551615-18446744073709551615"])


def bound(rng):
    r = rng.random()
    if r < 0.3:
        return rng.choice(["-", "+"])
    b = f"{rng.randint(0, 6)}" + (f"-{rng.randint(0, 3)}" if rng.random() < 0.5 else "")
    return ("(" + b) if rng.random() < 0.3 else b


def trim(rng):
    if rng.random() < 0.6:
        return []
    op = [rng.choice(["=", "="])] if rng.random() < 0.3 else []
    if rng.random() < 0.5:
        return ["MAXLEN", *op, str(rng.randint(0, 6))]
    return ["MINID", *op, f"{rng.randint(0, 6)}-{rng.randint(0, 3)}"]


def gen(rng):
    k = rng.choice(SKEYS + ["str", "missing"])
    fv = []
    for _ in range(rng.randint(1, 2)):
        fv += [rng.choice(FIELDS), str(rng.randint(0, 99))]
    ids = [rid(rng) for _ in range(rng.randint(1, 3))]
    count = ["COUNT", rng.choice(["0", "1", "2", "5", "-1"])] if rng.random() < 0.4 else []
    keys = rng.sample(SKEYS + ["missing"], rng.randint(1, 2))
    return rng.choice([
        ["XADD", k, rid(rng), *fv], ["XADD", k, rid(rng), *fv], ["XADD", k, *trim(rng), rid(rng), *fv],
        ["XADD", k, "NOMKSTREAM", *trim(rng), rid(rng), *fv],
        ["XLEN", k], ["XRANGE", k, bound(rng), bound(rng), *count], ["XREVRANGE", k, bound(rng), bound(rng), *count],
        ["XDEL", k, *ids], ["XTRIM", k, *(trim(rng) or ["MAXLEN", "3"])],
        ["XREAD", *count, "STREAMS", *keys, *[rng.choice(["$", "0", "2-1", "4", "0-0"]) for _ in keys]],
        ["XSETID", k, rid(rng), *(["ENTRIESADDED", rng.choice(["0", "3", "100", "-1"])] if rng.random() < 0.3 else []),
         *(["MAXDELETEDID", rid(rng)] if rng.random() < 0.3 else [])],
        ["SET", "str", "v"], ["DEL", k], ["TYPE", k], ["EXISTS", k],
    ])


class StreamDifferential(unittest.TestCase):
    def test_random_commands(self):
        differential.check(self, gen, seeds=differential.seeds(20), steps=300)


class AutoIds(unittest.TestCase):
    def test_auto_ids(self):
        """'*' IDs: <ms>-<seq> near this machine's clock, strictly increasing, seq 0 on a new ms."""
        srv = Server().start()
        try:
            c = RawConn(srv.port)
            before = int(time.time() * 1000)
            last = (0, 0)
            for i in range(200):
                r = c.call("XADD", "s", "*", "f", str(i))
                m = re.fullmatch(rb"\$\d+\r\n(\d+)-(\d+)\r\n", r)
                self.assertIsNotNone(m, r)
                ms, seq = int(m.group(1)), int(m.group(2))
                self.assertGreater((ms, seq), last)
                if ms > last[0]:
                    self.assertEqual(seq, 0)
                last = (ms, seq)
            after = int(time.time() * 1000)
            self.assertTrue(before - 1000 <= last[0] <= after + 1000, (before, last, after))
            self.assertEqual(c.call("XLEN", "s"), b":200\r\n")
            r = c.call("XADD", "s", f"{last[0]}-*", "f", "v")
            self.assertEqual(r, b"$%d\r\n%d-%d\r\n" % (len(f"{last[0]}-{last[1] + 1}"), last[0], last[1] + 1))
            c.close()
        finally:
            srv.cleanup()


if __name__ == "__main__":
    unittest.main(verbosity=2)
