"""Randomized differential test of the list family against redis-server (differential.py).

Lists have no unspecified orders or random picks, so every reply is compared as is. A small
alphabet makes LINSERT pivots and LREM matches frequent, and pushes outnumber pops so lists grow
long enough for LINSERT/LREM to move elements on either side of the change."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import differential  # noqa: E402

KEYS = ["l0", "l1", "l2", "s"]
ELEMS = ["a", "b", "c", "", "d\x00e"]
INDEXES = ["0", "1", "2", "-1", "-2", "-5", "5", "10", "x"]
COUNTS = ["0", "1", "2", "3", "-1", "-2", "-3", "x"]


def gen(rng):
    k, k2, e = rng.choice(KEYS), rng.choice(KEYS), rng.choice(ELEMS)
    es = [rng.choice(ELEMS) for _ in range(rng.randint(1, 4))]
    i, j = rng.choice(INDEXES), rng.choice(INDEXES)
    side, side2 = rng.choice(["LEFT", "RIGHT"]), rng.choice(["LEFT", "RIGHT"])
    pops = [["LPOP", k], ["RPOP", k], ["LPOP", k, rng.choice(COUNTS)], ["RPOP", k, rng.choice(COUNTS)],
            ["LMOVE", k, k2, side, side2], ["RPOPLPUSH", k, k2],
            ["LMPOP", "2", k, k2, side], ["LMPOP", "1", k, side, "COUNT", rng.choice(["1", "3", "0"])],
            ["LREM", k, rng.choice(COUNTS), e], ["LTRIM", k, i, j], ["DEL", k]]
    pos_opts = rng.choice([[], ["RANK", rng.choice(["1", "2", "-1", "-3", "0"])],
                           ["COUNT", rng.choice(["0", "1", "2"])], ["MAXLEN", rng.choice(["0", "2", "5"])],
                           ["RANK", "-2", "COUNT", "0", "MAXLEN", "4"]])
    others = [["LPUSH", k, *es], ["RPUSH", k, *es], ["LPUSHX", k, *es], ["RPUSHX", k, *es],
              ["LLEN", k], ["LRANGE", k, i, j], ["LRANGE", k, "0", "-1"], ["LINDEX", k, i],
              ["LSET", k, i, e], ["LINSERT", k, rng.choice(["BEFORE", "AFTER"]), e, rng.choice(ELEMS)],
              ["LPOS", k, e, *pos_opts], ["SET", "s", e], ["TYPE", k], ["EXISTS", k]]
    return rng.choice(pops) if rng.random() < 0.35 else rng.choice(others)


class ListDifferential(unittest.TestCase):
    def test_random_commands(self):
        differential.check(self, gen, seeds=differential.seeds(20), steps=300)


if __name__ == "__main__":
    unittest.main(verbosity=2)
