"""Randomized differential test of the set family (and COPY) against redis-server (differential.py).

Members mix small integers (Redis keeps those in an intset, listed in numeric order) and strings
(a hash table, listed in hash order); every listing is compared unordered. Random picks (SPOP,
SRANDMEMBER) are compared where Redis's answer is forced (count 0, a count covering the set, a
missing key, errors) and otherwise by their shape; only forced SPOPs are generated (else the states
would diverge). SSCAN pages a hash-table set in hash order: its errors and shape are compared.
Members are compared exactly by tests/integration/compat_cases_sets.txt and the unit tests."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import differential  # noqa: E402

KEYS = ["s0", "s1", "s2", "str"]
MEMBERS = ["1", "2", "3", "10", "-5", "a", "b", "", "x\x00y", "9223372036854775808"]
COUNTS = ["0", "1", "2", "3", "20", "-1", "-3", "x", "-9223372036854775808"]


def gen(rng):
    k, k2, m = rng.choice(KEYS), rng.choice(KEYS), rng.choice(MEMBERS)
    ms = rng.sample(MEMBERS, rng.randint(1, 4))
    ks = [rng.choice(KEYS) for _ in range(rng.randint(1, 3))]
    return rng.choice([
        ["SADD", k, *ms], ["SADD", k, *ms], ["SADD", k, m], ["SREM", k, *ms], ["SMEMBERS", k],
        ["SISMEMBER", k, m], ["SMISMEMBER", k, *ms], ["SCARD", k], ["SMOVE", k, k2, m],
        ["SINTER", *ks], ["SUNION", *ks], ["SDIFF", *ks],
        ["SINTERSTORE", k, *ks], ["SUNIONSTORE", k, *ks], ["SDIFFSTORE", k, *ks],
        ["SINTERCARD", str(len(ks)), *ks], ["SINTERCARD", str(len(ks)), *ks, "LIMIT", rng.choice(COUNTS)],
        ["SRANDMEMBER", k], ["SRANDMEMBER", k, rng.choice(COUNTS)],
        # A pop of the whole set (or none) is forced; other pops would make the states diverge.
        ["SPOP", k, rng.choice(["0", "20", "-1", "x"])],
        ["SSCAN", k, "0"], ["SSCAN", k, "0", "MATCH", rng.choice(["*", "1*", "[ab]", "x*"])],
        ["SSCAN", k, "0", "COUNT", rng.choice(["0", "x", "5"])],
        ["COPY", k, k2], ["COPY", k, k2, "REPLACE"], ["SET", "str", m], ["DEL", k], ["TYPE", k],
        ["EXPIRE", k, "100"], ["EXISTS", k],
    ])


def normalize(args, reply):
    name = args[0].upper()
    if name in ("SMEMBERS", "SINTER", "SUNION", "SDIFF"):
        return differential.unordered(reply)
    if name == "SSCAN":  # a hash-table set pages in hash order: errors and the shape only
        return reply if reply.startswith(b"-") else reply[:4]
    if name == "SPOP":
        return differential.unordered(reply)
    if name == "SRANDMEMBER":
        if reply.startswith(b"-") or len(args) == 2 and reply in (b"$-1\r\n", b"_\r\n"):
            return reply
        if len(args) == 3 and args[2] not in ("1", "2", "3", "-1", "-3"):
            return differential.unordered(reply)  # 0, 20 (the whole set) or an error
        return reply[:1] + (reply.split(b"\r\n", 1)[0] if reply[:1] == b"*" else b"")  # the shape and count
    return reply


class SetDifferential(unittest.TestCase):
    def test_random_commands(self):
        differential.check(self, gen, seeds=differential.seeds(20), steps=300, normalize=normalize)


if __name__ == "__main__":
    unittest.main(verbosity=2)
