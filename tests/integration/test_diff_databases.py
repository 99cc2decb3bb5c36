"""Randomized differential test of databases against redis-server (differential.py): SELECT,
MOVE, SWAPDB, FLUSHDB, COPY ... DB, DBSIZE and KEYS interleaved with writes of every type on a
few keys, then the final state of every database used is compared."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import differential  # noqa: E402

KEYS = ["a", "b", "h", "l", "s"]
DBS = ["0", "1", "2", "3"]
BAD_DBS = ["16", "-1", "x", "2147483648"]


def gen(rng):
    k, k2, v = rng.choice(KEYS), rng.choice(KEYS), rng.choice(["1", "x", ""])
    db = rng.choice(DBS) if rng.random() < 0.9 else rng.choice(BAD_DBS)
    db2 = rng.choice(DBS) if rng.random() < 0.9 else rng.choice(BAD_DBS)
    return rng.choice([
        ["SELECT", db], ["SELECT", db], ["SET", k, v], ["SET", k, v], ["GET", k], ["DEL", k],
        ["HSET", "h", v or "f", "v"], ["RPUSH", "l", v], ["SADD", "s", v], ["LRANGE", "l", "0", "-1"],
        ["MOVE", k, db], ["MOVE", k, db], ["SWAPDB", db, db2], ["COPY", k, k2, "DB", db],
        ["COPY", k, k2, "DB", db, "REPLACE"], ["FLUSHDB"] if rng.random() < 0.3 else ["DBSIZE"],
        ["DBSIZE"], ["KEYS", "*"], ["EXISTS", k, k2], ["TYPE", k], ["EXPIRE", k, "100"],
        ["INCR", "a"], ["RENAME", k, k2],
    ])


def normalize(args, reply):
    if args[0] == "KEYS":
        return differential.unordered(reply)
    return reply


class DatabasesDifferential(unittest.TestCase):
    def test_random_commands(self):
        differential.check(self, gen, seeds=differential.seeds(20), steps=300, normalize=normalize,
                           state_dbs=[int(d) for d in DBS])


if __name__ == "__main__":
    unittest.main(verbosity=2)
