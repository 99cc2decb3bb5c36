"""Randomized differential test of stream consumer groups against redis-server (differential.py).

Explicit IDs from a small range, two groups, three consumers, with XADD/XDEL/XTRIM/XSETID mixed in
so deleted entries, SETID rewinds (owners changing), NOACK, claims of deleted entries and lag
estimates after deletions all come up. Replies holding idle times or delivery/seen timestamps
(XPENDING's extended form, XINFO CONSUMERS, XINFO STREAM FULL) are compared with their integers
zeroed; min-idle-times are 0 or huge so both servers decide the same. Every other reply is
compared byte for byte, in RESP2 and RESP3, then the final state."""
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import differential  # noqa: E402

SKEYS = ["s0", "s1"]
GROUPS = ["g0", "g1", "nog"]
CONSUMERS = ["alice", "bob", "carol"]


def eid(rng):
    return f"{rng.randint(1, 8)}-{rng.randint(0, 2)}"


def idle(rng):
    return rng.choice(["0", "0", "100000000", "-5"])


def gen(rng):
    k = rng.choice(SKEYS + ["missing", "str"])
    g = rng.choice(GROUPS)
    c = rng.choice(CONSUMERS)
    ids = [rng.choice([eid(rng), eid(rng), "bad"]) if rng.random() < 0.05 else eid(rng) for _ in range(rng.randint(1, 3))]
    count = ["COUNT", rng.choice(["0", "1", "2", "5", "-1"])] if rng.random() < 0.5 else []
    setid = rng.choice(["0", "$", eid(rng), "-"])
    return rng.choice([
        ["XADD", k, eid(rng), "f", str(rng.randint(0, 9))],
        ["XADD", k, eid(rng), "f", str(rng.randint(0, 9))],
        ["XADD", k, f"{rng.randint(1, 8)}-*", "f", "v"],
        ["XDEL", k, *ids],
        ["XTRIM", k, "MAXLEN", str(rng.randint(0, 4))],
        ["XSETID", k, f"{rng.randint(8, 9)}-{rng.randint(0, 2)}"],
        ["XGROUP", "CREATE", k, g, setid, *(["MKSTREAM"] if rng.random() < 0.3 else []),
         *(["ENTRIESREAD", rng.choice(["0", "2", "-1"])] if rng.random() < 0.2 else [])],
        ["XGROUP", "SETID", k, g, setid, *(["ENTRIESREAD", rng.choice(["0", "3"])] if rng.random() < 0.2 else [])],
        ["XGROUP", "DESTROY", k, g] if rng.random() < 0.3 else ["XGROUP", "CREATECONSUMER", k, g, c],
        ["XGROUP", "DELCONSUMER", k, g, c],
        ["XREADGROUP", "GROUP", g, c, *count, *(["NOACK"] if rng.random() < 0.2 else []), "STREAMS", k, ">"],
        ["XREADGROUP", "GROUP", g, c, *count, *(["NOACK"] if rng.random() < 0.2 else []), "STREAMS", k, ">"],
        ["XREADGROUP", "GROUP", g, c, *count, "STREAMS", k, rng.choice(["0", eid(rng)])],
        ["XREADGROUP", "GROUP", g, c, *count, "STREAMS", *SKEYS, ">", ">"],
        ["XACK", k, g, *ids],
        ["XPENDING", k, g],
        ["XPENDING", k, g, *(["IDLE", idle(rng)] if rng.random() < 0.3 else []), "-", "+", rng.choice(["10", "2", "0"]),
         *([c] if rng.random() < 0.4 else [])],
        ["XCLAIM", k, g, c, idle(rng), *ids, *rng.sample(["JUSTID", "FORCE", "RETRYCOUNT 3", "IDLE 10", "TIME 1",
                                                             "LASTID 5-0"], rng.randint(0, 2))],
        ["XAUTOCLAIM", k, g, c, idle(rng), rng.choice(["0", eid(rng), f"({eid(rng)}"]), *count[:0],
         *(["COUNT", rng.choice(["1", "2", "100"])] if rng.random() < 0.5 else []),
         *(["JUSTID"] if rng.random() < 0.3 else [])],
        ["XINFO", "GROUPS", k],
        ["XINFO", "CONSUMERS", k, g],
        ["XINFO", "STREAM", k],
        ["XINFO", "STREAM", k, "FULL", *(["COUNT", rng.choice(["0", "1", "3"])] if rng.random() < 0.5 else [])],
        ["SET", "str", "v"], ["DEL", k],
    ])


def split_options(args):
    """XCLAIM's sampled options come as "NAME value" strings: split them into arguments."""
    out = []
    for a in args:
        out += a.split(" ") if isinstance(a, str) and " " in a else [a]
    return out


def clocked(args):
    """Replies with idle times or timestamps in them."""
    return ((args[0] == "XPENDING" and len(args) > 3) or args[:2] == ["XINFO", "CONSUMERS"]
            or (args[:2] == ["XINFO", "STREAM"] and len(args) > 3))


def normalize(args, reply):
    if clocked(args):
        return re.sub(rb"(?:(?<=\r\n)|^):-?[0-9]+(?=\r\n)", b":0", reply)
    return reply


class StreamGroupsDifferential(unittest.TestCase):
    def test_random_commands(self):
        differential.check(self, lambda rng: split_options(gen(rng)), seeds=differential.seeds(12), steps=300,
                           normalize=normalize)


if __name__ == "__main__":
    unittest.main(verbosity=2)
