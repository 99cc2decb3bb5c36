"""Randomized differential test of bitmaps and HyperLogLog against redis-server (differential.py).

b0..b2 are bitmaps (SETBIT, BITFIELD, BITOP, SET of random bytes); h0..h2 and hc are HLLs built
by PFADD/PFMERGE from a small element space, so some stay sparse and some go dense (past
hll-sparse-max-bytes or a register above 32); "h" is a hash (WRONGTYPE). Bit commands also hit the
HLL keys, corrupting them on purpose: both servers must then give the same errors and counts.

PFCOUNT of one key is a read in redraft and does not store the cardinality cache Redis stores in
the value's header (docs/bitmaps_hll.md). It is only sent for "hc", whose header bytes 8..15 are
masked in GET replies and in the final state; every other reply and byte is compared exactly."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import differential  # noqa: E402

BITS = ["b0", "b1", "b2"]
HLLS = ["h0", "h1", "h2"]
ANY = BITS + HLLS + ["h", "missing"]
BIT_OPS = ["AND", "OR", "XOR", "NOT", "and", "nand"]
TYPES = ["u1", "u3", "u8", "u16", "u63", "i1", "i5", "i8", "i32", "i64", "u64", "i0", "x8"]
OVERFLOWS = ["WRAP", "SAT", "FAIL", "sat", "bad"]


def offset(rng):
    r = rng.random()
    if r < 0.7:
        return str(rng.randint(0, 200))
    if r < 0.9:
        return str(rng.randint(0, 5000))
    return rng.choice(["-1", "x", "100000", "4294967296", "#3", "#-1", "1.5", ""])


def index(rng):
    return str(rng.randint(-30, 30)) if rng.random() < 0.9 else rng.choice(["x", "-100", "100000"])


def bitfield_args(rng, read_only):
    out = []
    for _ in range(rng.randint(0, 4)):
        kind = rng.random()
        t = rng.choice(TYPES) if rng.random() < 0.95 else rng.choice(TYPES[:8])
        off = offset(rng) if rng.random() < 0.8 else "#" + str(rng.randint(0, 20))
        if kind < 0.4 or read_only and kind < 0.95:
            out += ["GET", t, off]
        elif kind < 0.65:
            out += ["SET", t, off, str(rng.randint(-300, 300))]
        elif kind < 0.9:
            out += ["INCRBY", t, off, rng.choice([str(rng.randint(-300, 300)), "9223372036854775807",
                                                  "-9223372036854775808", "x"])]
        else:
            out += ["OVERFLOW", rng.choice(OVERFLOWS)]
    return out


def elements(rng, n):
    return [f"e{rng.randint(0, 3000)}" for _ in range(n)]


def gen(rng):
    b, k, h = rng.choice(BITS), rng.choice(ANY), rng.choice(HLLS)
    mode = [rng.choice(["BIT", "BYTE", "bit", "byte", "bits"])] if rng.random() < 0.5 else []
    srcs = rng.sample(ANY, rng.randint(1, 3))
    return rng.choice([
        ["SETBIT", b, offset(rng), rng.choice(["0", "1", "1", "2", "x"])],
        ["SETBIT", k, offset(rng), "1"], ["GETBIT", k, offset(rng)],
        ["BITCOUNT", k], ["BITCOUNT", k, index(rng), index(rng), *mode],
        ["BITPOS", k, rng.choice(["0", "1", "1", "2"])],
        ["BITPOS", k, rng.choice(["0", "1"]), index(rng)],
        ["BITPOS", k, rng.choice(["0", "1"]), index(rng), index(rng), *mode],
        ["BITOP", rng.choice(BIT_OPS), rng.choice(BITS), *srcs],
        ["BITOP", "NOT", rng.choice(BITS), rng.choice(ANY)],
        ["BITFIELD", b, *bitfield_args(rng, False)], ["BITFIELD", k, *bitfield_args(rng, False)],
        ["BITFIELD_RO", k, *bitfield_args(rng, True)],
        ["SET", b, bytes(rng.randint(0, 255) for _ in range(rng.randint(0, 12)))],
        ["PFADD", h, *elements(rng, rng.choice([0, 1, 3, 40, 200]))],
        ["PFADD", rng.choice(ANY), *elements(rng, 2)],
        ["PFADD", "hc", *elements(rng, rng.choice([1, 5, 100]))],
        ["PFCOUNT", "hc"], ["PFCOUNT", *rng.sample(HLLS + ["missing", "hc"], rng.randint(2, 3))],
        ["PFCOUNT", *rng.sample(ANY, 2)],
        ["PFMERGE", rng.choice(HLLS + ["hc"]), *rng.sample(HLLS + ["missing", "hc"], rng.randint(0, 2))],
        ["PFMERGE", rng.choice(ANY), *rng.sample(ANY, rng.randint(0, 2))],
        ["GET", k], ["GET", "hc"], ["STRLEN", k], ["DEL", k], ["HSET", "h", "f", "v"],
    ])


def mask_hll_cache(payload):
    return payload[:8] + b"\0" * 8 + payload[16:] if payload.startswith(b"HYLL") else payload


def normalize(args, reply):
    if args == ["GET", "hc"] and reply.startswith(b"$") and not reply.startswith(b"$-1"):
        head, _, body = reply.partition(b"\r\n")
        return head + b"\r\n" + mask_hll_cache(body[:-2]) + b"\r\n"
    return reply


def state_normalize(state):
    out = []
    for key, t, v, ttl in state:
        if key == b"hc":
            v = normalize(["GET", "hc"], v)
        out.append((key, t, v, ttl))
    return out


class BitsDifferential(unittest.TestCase):
    def test_random_commands(self):
        differential.check(self, gen, seeds=differential.seeds(12), steps=300, normalize=normalize,
                           state_normalize=state_normalize)


if __name__ == "__main__":
    unittest.main(verbosity=2)
