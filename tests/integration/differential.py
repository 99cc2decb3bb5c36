"""Randomized differential testing of a command family: the same random command stream goes to
Debian's redis-server and to redraft, every reply is compared byte for byte (after an optional
normalizer, for replies whose order or choice Redis leaves unspecified), then the final state of
every key is compared. Each seed runs in RESP2 and in RESP3.

A family test supplies gen(rng) -> list of arguments (str or bytes) over a small key space, and
optionally normalize(args, reply) -> bytes or None (None: do not compare this reply, e.g. SPOP's
choice; the final state still catches a wrong effect). Usage:

    import differential
    class ListsDifferential(unittest.TestCase):
        def test_random(self):
            differential.check(self, gen, seeds=differential.seeds(40), steps=300)

seeds(n) honours REDRAFT_DIFF_SEEDS (a larger local budget) and REDRAFT_DIFF_SEED (reproduce one).
A mismatch fails with the seed, protocol, step, command, both replies and the commands before it.
"""
import os
import random

from harness import RawConn, RedisServer, Server


def seeds(ci_budget):
    """The seeds to run: REDRAFT_DIFF_SEED=N reproduces one; REDRAFT_DIFF_SEEDS=N widens the budget."""
    if os.environ.get("REDRAFT_DIFF_SEED"):
        return [int(os.environ["REDRAFT_DIFF_SEED"])]
    return range(int(os.environ.get("REDRAFT_DIFF_SEEDS", ci_budget)))


def _items(body):
    """Splits the concatenated bulk strings of a flat aggregate into a list of their encodings."""
    items, pos = [], 0
    while pos < len(body):
        nl = body.index(b"\r\n", pos)
        if body[pos:pos + 1] in (b"$", b"="):
            n = int(body[pos + 1:nl])
            end = nl + 2 + n + 2 if n >= 0 else nl + 2
        else:
            end = nl + 2
        items.append(body[pos:end])
        pos = end
    return items


def unordered(reply):
    """A flat array/set of simple elements with its elements sorted (SMEMBERS, KEYS...)."""
    if not reply[:1] in (b"*", b"~") or reply.startswith((b"*-1", b"*0\r\n")):
        return reply
    head, _, rest = reply.partition(b"\r\n")
    return head + b"\r\n" + b"".join(sorted(_items(rest)))


def unordered_pairs(reply):
    """A flat array or map of field-value pairs with the pairs sorted (HGETALL)."""
    if not reply[:1] in (b"*", b"%") or reply.startswith(b"*-1"):
        return reply
    head, _, rest = reply.partition(b"\r\n")
    items = _items(rest)
    pairs = sorted(zip(items[0::2], items[1::2]))
    return head + b"\r\n" + b"".join(a + b for a, b in pairs)


class Pair:
    """A redis-server and a redraft-server (single node), both empty, with raw connections."""

    def __init__(self, redraft_args=()):
        self.ref = RedisServer().start()  # 16 databases, as redraft by default
        self.srv = Server(args=list(redraft_args)).start()

    def connections(self, proto):
        conns = [RawConn(self.ref.port), RawConn(self.srv.port)]
        for c in conns:
            if proto == 3:
                c.call("HELLO", "3")
            c.call("FLUSHALL")
        return conns

    def cleanup(self):
        self.ref.cleanup()
        self.srv.cleanup()


def _state(conn):
    """Every key with its type and a canonical dump of its value (order-free where Redis's is)."""
    keys = sorted(_items(conn.call("KEYS", "*").partition(b"\r\n")[2]))
    out = []
    for enc in keys:
        key = enc.split(b"\r\n", 1)[1][:-2]
        t = conn.call("TYPE", key)
        if t == b"+string\r\n":
            v = conn.call("GET", key)
        elif t == b"+hash\r\n":
            v = unordered_pairs(conn.call("HGETALL", key))
        elif t == b"+list\r\n":
            v = conn.call("LRANGE", key, "0", "-1")
        elif t == b"+set\r\n":
            v = unordered(conn.call("SMEMBERS", key))
        elif t == b"+zset\r\n":
            v = conn.call("ZRANGE", key, "0", "-1", "WITHSCORES")
        elif t == b"+stream\r\n":
            v = conn.call("XRANGE", key, "-", "+")
        else:
            v = b"?"
        out.append((key, t, v, conn.call("PTTL", key) != b":-1\r\n"))
    return out


def run_seed(pair, gen, seed, proto, steps, normalize=None, state_dbs=None, state_normalize=None):
    """Runs one seed; returns None or a description of the first difference. The final state is
    compared in the connection's database, or in each of state_dbs (SELECTed in turn), after
    state_normalize(state) if given (a documented difference, e.g. PFCOUNT's cache bytes)."""
    rng = random.Random(seed * 10 + proto)
    ref, ours = pair.connections(proto)
    history = []
    try:
        for step in range(steps):
            args = gen(rng)
            want, got = ref.call(*args), ours.call(*args)
            history.append(args)
            if normalize is not None:
                want, got = normalize(args, want), normalize(args, got)
            if want != got:
                return (f"seed {seed} RESP{proto} step {step}: {args!r}\n  redis:   {want!r}\n  redraft: {got!r}\n"
                        f"  before it: {history[-15:-1]!r}")
        for db in state_dbs or [None]:
            if db is not None:
                ref.call("SELECT", str(db))
                ours.call("SELECT", str(db))
            s_ref, s_ours = _state(ref), _state(ours)
            if state_normalize is not None:
                s_ref, s_ours = state_normalize(s_ref), state_normalize(s_ours)
            if s_ref != s_ours:
                diff = [(a, b) for a, b in zip(s_ref, s_ours) if a != b][:3] or (len(s_ref), len(s_ours))
                where = "" if db is None else f" in db {db}"
                return f"seed {seed} RESP{proto}: final states differ{where} after {steps} commands: {diff!r}"
        return None
    finally:
        ref.close()
        ours.close()


def check(testcase, gen, seeds, steps, normalize=None, protos=(2, 3), redraft_args=(), state_dbs=None,
          state_normalize=None):
    """Runs every seed in every protocol against one server pair; fails on the first difference."""
    pair = Pair(redraft_args)
    try:
        n = 0
        for seed in seeds:
            for proto in protos:
                err = run_seed(pair, gen, seed, proto, steps, normalize, state_dbs, state_normalize)
                testcase.assertIsNone(err, err)
                n += steps
        print(f"{n} random commands matched redis-server")
    finally:
        pair.cleanup()
