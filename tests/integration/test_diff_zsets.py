"""Randomized differential test of the sorted set family against redis-server (differential.py).

Keys z0..z2 and dst get random scores; "lex" only ever holds score 0 (lex ranges over mixed scores
are unspecified in Redis), and "s" is a string (WRONGTYPE). ZRANDMEMBER's picks are not compared
(only its errors); every other reply is compared byte for byte, then the final state."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import differential  # noqa: E402

ZKEYS = ["z0", "z1", "z2", "dst"]
ANY = ZKEYS + ["lex", "s", "missing"]
MEMBERS = ["a", "b", "c", "d", "", "e\x00f"]
SCORES = ["1", "-2", "2.5", "0", "inf", "-inf", "0.1", "0.2", "3", "1e-3", "-0", "x"]
MINS = ["-inf", "+inf", "0", "(0", "1", "(1", "2.5", "(3", "x", "", "(inf"]
LEX = ["-", "+", "[a", "(a", "[b", "(c", "[d", "[", "x"]
FLAGS = ["NX", "XX", "GT", "LT", "CH", "INCR"]


def gen(rng):
    k, m, sc = rng.choice(ZKEYS + ["s", "missing"]), rng.choice(MEMBERS), rng.choice(SCORES)
    ms = rng.sample(MEMBERS, rng.randint(1, 3))
    lo, hi = rng.choice(MINS), rng.choice(MINS)
    r1, r2 = str(rng.randint(-4, 4)), str(rng.randint(-4, 4))
    limit = ["LIMIT", str(rng.randint(-1, 3)), str(rng.randint(-1, 3))] if rng.random() < 0.4 else []
    ws = ["WITHSCORES"] if rng.random() < 0.5 else []
    rev = ["REV"] if rng.random() < 0.5 else []
    keys = rng.sample(ANY, rng.randint(1, 3))
    opts = []
    if rng.random() < 0.3:
        opts += ["WEIGHTS"] + [rng.choice(["1", "2", "-1", "0", "0.5", "inf", "x"]) for _ in keys]
    if rng.random() < 0.3:
        opts += ["AGGREGATE", rng.choice(["SUM", "MIN", "MAX", "avg"])]
    setop = rng.choice(["ZUNION", "ZINTER", "ZDIFF"])
    lk, lm = rng.choice(["lex", "lex", "s", "missing"]), rng.choice(MEMBERS)
    return rng.choice([
        ["ZADD", k, sc, m], ["ZADD", k, sc, m, rng.choice(SCORES), rng.choice(MEMBERS)],
        ["ZADD", k, *rng.sample(FLAGS, rng.randint(1, 2)), sc, m],
        ["ZINCRBY", k, sc, m], ["ZREM", k, *ms], ["ZCARD", k], ["ZSCORE", k, m], ["ZMSCORE", k, *ms],
        ["ZRANK", k, m], ["ZREVRANK", k, m], ["ZCOUNT", k, lo, hi],
        ["ZRANGE", k, r1, r2, *ws], ["ZRANGE", k, r1, r2, *rev, *ws],
        ["ZRANGE", k, lo, hi, "BYSCORE", *rev, *limit, *ws], ["ZREVRANGE", k, r1, r2, *ws],
        ["ZRANGEBYSCORE", k, lo, hi, *ws, *limit], ["ZREVRANGEBYSCORE", k, hi, lo, *limit, *ws],
        ["ZADD", "lex", "0", lm], ["ZADD", "lex", "0", lm, "0", rng.choice(MEMBERS)], ["ZREM", "lex", lm],
        ["ZRANGEBYLEX", lk, rng.choice(LEX), rng.choice(LEX), *limit],
        ["ZREVRANGEBYLEX", lk, rng.choice(LEX), rng.choice(LEX), *limit],
        ["ZRANGE", lk, rng.choice(LEX), rng.choice(LEX), "BYLEX", *rev, *limit],
        ["ZLEXCOUNT", lk, rng.choice(LEX), rng.choice(LEX)], ["ZREMRANGEBYLEX", lk, rng.choice(LEX), rng.choice(LEX)],
        ["ZPOPMIN", k], ["ZPOPMAX", k, rng.choice(["0", "1", "2", "9", "-1"])], ["ZPOPMIN", lk, "2"],
        ["ZMPOP", str(len(keys)), *keys, rng.choice(["MIN", "MAX"]), *(["COUNT", rng.choice(["1", "3", "0"])]
                                                                      if rng.random() < 0.5 else [])],
        ["ZREMRANGEBYRANK", k, r1, r2], ["ZREMRANGEBYSCORE", k, lo, hi],
        ["ZRANGESTORE", rng.choice(ZKEYS + ["s"]), k, r1, r2],
        ["ZRANGESTORE", rng.choice(ZKEYS), k, lo, hi, "BYSCORE", *rev, *limit],
        [setop, str(len(keys)), *keys, *(opts if setop != "ZDIFF" or rng.random() < 0.1 else []), *ws],
        [setop + "STORE", rng.choice(ZKEYS + ["s"]), str(len(keys)), *keys,
         *(opts if setop != "ZDIFF" else [])],
        ["ZINTERCARD", str(len(keys)), *keys, *(["LIMIT", rng.choice(["0", "1", "-1"])] if rng.random() < 0.5 else [])],
        ["ZRANDMEMBER", k, rng.choice(["-3", "2", "9", "0", "x"]), *ws], ["ZRANDMEMBER", k],
        ["ZSCAN", k, "0"], ["SET", "s", "v"], ["DEL", k], ["TYPE", k], ["EXISTS", k],
    ])


def normalize(args, reply):
    if args[0] == "ZRANDMEMBER":
        return reply if reply.startswith(b"-") or reply in (b"*0\r\n", b"$-1\r\n", b"_\r\n") else None
    return reply


class ZsetDifferential(unittest.TestCase):
    def test_random_commands(self):
        differential.check(self, gen, seeds=differential.seeds(20), steps=300, normalize=normalize)


if __name__ == "__main__":
    unittest.main(verbosity=2)
