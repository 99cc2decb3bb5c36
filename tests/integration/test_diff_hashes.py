"""Randomized differential test of the hash family against redis-server (differential.py)."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import differential  # noqa: E402

KEYS = ["h0", "h1", "h2", "s"]
FIELDS = ["a", "b", "c", "d", "", "f\x00x"]
VALUES = ["1", "-7", "3.5", "x", "", "9223372036854775807", "1e3"]


def gen(rng):
    k, f, v = rng.choice(KEYS), rng.choice(FIELDS), rng.choice(VALUES)
    fs = rng.sample(FIELDS, rng.randint(1, 3))
    return rng.choice([
        ["HSET", k, f, v], ["HSET", k, f, v, rng.choice(FIELDS), rng.choice(VALUES)], ["HSETNX", k, f, v],
        ["HMSET", k, f, v], ["HGET", k, f], ["HMGET", k, *fs], ["HDEL", k, *fs], ["HLEN", k],
        ["HSTRLEN", k, f], ["HEXISTS", k, f], ["HGETALL", k], ["HKEYS", k], ["HVALS", k],
        ["HINCRBY", k, f, rng.choice(["1", "-3", "x", "9223372036854775807"])],
        ["HINCRBYFLOAT", k, f, rng.choice(["1.5", "-3", "x", "1e308", "inf"])],
        ["SET", "s", v], ["DEL", k], ["TYPE", k], ["EXISTS", k], ["HRANDFIELD", k, "-3"],
    ])


def normalize(args, reply):
    name = args[0].upper()
    if name == "HRANDFIELD":
        return None if not reply.startswith(b"-") else reply
    if name in ("HGETALL",):
        return differential.unordered_pairs(reply)
    if name in ("HKEYS", "HVALS"):
        return differential.unordered(reply)
    return reply


class HashDifferential(unittest.TestCase):
    def test_random_commands(self):
        differential.check(self, gen, seeds=differential.seeds(20), steps=300, normalize=normalize)


if __name__ == "__main__":
    unittest.main(verbosity=2)
