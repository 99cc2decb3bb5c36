"""Seeded differential test of '~' trimming against redis-server: Redis trims only whole radix-tree
nodes (cut at 100 entries / 4096 listpack bytes, with master-field compression, integer-encoded
values and XDEL's deleted flags counting), and redraft's node mirror (docs/streams.md, "Nodes")
must remove exactly the same entries. Random XADD (explicit increasing IDs with small and huge
gaps, varying field sets, values of every listpack size class, some large enough to cut nodes by
bytes), XADD with MAXLEN/MINID ~ and =, XTRIM with ~ and LIMIT, XDEL of live, deleted and unknown
IDs, and RESTORE of Redis's own DUMP (payload nodes holding deleted entries) go to both servers;
every reply is compared byte for byte, and the whole stream (XRANGE - +) every 25 steps and at
the end; a second test aims at count-cut nodes (small entries) with XDELs in the last node, a
third at nodes left with only deleted entries. REDRAFT_DIFF_SEEDS / REDRAFT_DIFF_SEED widen or
pick the seeds (differential.py)."""
import os
import random
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import differential  # noqa: E402

KEYS = ["s0", "s1"]
FIELD_SETS = [["a", "b"], ["a", "b"], ["a", "b"], ["a"], ["b", "a"], ["x", "y", "z"], ["1", "22"], ["a", "b", "c"]]


def value(rng, big):
    r = rng.random()
    if rng.random() < 0.3:
        return str(rng.randint(0, 999))  # small entries: nodes cut by count
    if big and r < 0.3:
        return "v" * rng.randint(300, 3000)
    if r < 0.25:
        return str(rng.randint(-200, 200))
    if r < 0.35:
        return str(rng.choice([rng.randint(-2**63, 2**63 - 1), rng.randint(-2**31, 2**31), rng.randint(-10**7, 10**7)]))
    if r < 0.45:
        return "0" + str(rng.randint(0, 99))  # not canonical: stored as a string
    if r < 0.9:
        return "s" * rng.randint(0, 70)
    return "w" * rng.randint(64, 200)


class Gen:
    """Commands for one run: IDs per key strictly above the last added (mostly), so XADD succeeds."""

    def __init__(self, rng, xlen):
        self.rng = rng
        self.xlen = xlen  # key -> the reference's current XLEN
        self.last = {k: [0, 0] for k in KEYS}
        self.added = {k: [] for k in KEYS}
        self.big = rng.random() < 0.4  # runs where large values cut nodes by bytes

    def new_id(self, k):
        rng, last = self.rng, self.last[k]
        r = rng.random()
        if r < 0.6:
            last[1] += 1
        elif r < 0.85:
            last[0] += rng.randint(1, 3)
            last[1] = rng.randint(0, 5)
        elif r < 0.95:
            last[0] += rng.choice([2**8, 2**16, 2**24, 2**33, 2**40])
            last[1] = rng.choice([0, 7, 2**20, 2**40])
        else:
            return f"{last[0]}-*"  # server picks last+1: our bookkeeping follows below
        return f"{last[0]}-{last[1]}"

    def trim(self, k, allow_limit=True):
        rng = self.rng
        op = rng.choice(["~", "~", "~", "="])
        if rng.random() < 0.6:
            n = self.xlen(k)  # bounds near the current length, so whole nodes go often
            u = rng.random()
            cut = rng.randint(80, 260) if u < 0.7 else rng.randint(0, 80) if u < 0.95 else n
            t = ["MAXLEN", op, str(max(0, n - cut))]
        else:
            ids = self.added[k]
            # mostly an ID from the older part of the history, so streams keep growing
            i = ids[rng.randrange(max(1, len(ids) // rng.choice([2, 4, 6, 10])))] if ids else "0-1"
            t = ["MINID", op, i]
        if op == "~" and allow_limit and rng.random() < 0.4:
            t += ["LIMIT", str(rng.choice([0, 1, 50, 99, 100, 101, 150, 250, 1000]))]
        return t

    def next(self):
        rng = self.rng
        k = KEYS[0] if rng.random() < 0.85 else KEYS[1]  # one stream grows long
        r = rng.random()
        grown = self.xlen(k) >= 250  # trims wait for a few nodes, then come often
        if grown and r < 0.25:
            return ["XTRIM", k, *self.trim(k)]
        fields = rng.choice(FIELD_SETS)
        fv = sum([[f, value(rng, self.big)] for f in fields], [])
        if grown and r < 0.35:
            return ["XADD", k, *self.trim(k), self.new_id(k), *fv]
        if r < 0.86:
            return ["XADD", k, self.new_id(k), *fv]
        if r < 0.91:
            ids = self.added[k]
            # any ID of the history, or one of the last node's (deleted entries count toward its 100)
            pool = ids if rng.random() < 0.5 else ids[-100:]
            pick = [pool[rng.randrange(len(pool))] for _ in range(rng.randint(1, 2))] if ids else []
            return ["XDEL", k, *pick, f"{rng.randint(0, 5)}-{rng.randint(0, 5)}"]
        if r < 0.96:
            return ["XLEN", k]
        if r < 0.97:
            # XDEL of a run of recent entries: nodes emptied by XDEL go away, the tail too
            return ["XDEL", k, *self.added[k][-rng.randint(1, 20):], "0-1"]
        if r < 0.99:
            return ["XRANGE", k, "-", "+", "COUNT", "3"]
        return ["RESTORE-OWN", k]

    def saw(self, args, reply):
        """Follows the IDs XADD answered (for 'ms-*' and for the XDEL/MINID picks)."""
        if args[0] == "XADD" and reply.startswith(b"$") and not reply.startswith(b"$-1"):
            i = reply.split(b"\r\n")[1].decode()
            ms, seq = i.split("-")
            self.last[args[1]] = [int(ms), int(seq)]
            self.added[args[1]].append(i)


def run(seed, steps):
    pair = differential.Pair()
    try:
        ref, ours = pair.connections(2)
        g = Gen(random.Random(seed), lambda k: int(ref.call("XLEN", k)[1:-2]))
        hist = []
        for step in range(steps):
            args = g.next()
            if args[0] == "RESTORE-OWN":
                payload = ref.call("DUMP", args[1])
                if not payload.startswith(b"$") or payload.startswith(b"$-1"):
                    continue
                body = payload.split(b"\r\n", 1)[1][:-2]
                args = ["RESTORE", args[1], "0", body, "REPLACE"]
            want, got = ref.call(*args), ours.call(*args)
            hist.append(args if args[0] != "RESTORE" else args[:3])
            if want != got:
                return f"seed {seed} step {step}: {args!r}\n  redis:   {want!r}\n  redraft: {got!r}\n  before: {hist[-12:-1]!r}"
            g.saw(args, want)
            if step % 25 == 24 or step == steps - 1:
                for k in KEYS:
                    if ref.call("XRANGE", k, "-", "+") != ours.call("XRANGE", k, "-", "+"):
                        return f"seed {seed} step {step}: XRANGE {k} differs; before: {hist[-12:]!r}"
                    if ref.call("XLEN", k) != ours.call("XLEN", k):
                        return f"seed {seed} step {step}: XLEN {k} differs"
        return None
    finally:
        ref.close()
        ours.close()
        pair.cleanup()


class StreamTrimDifferential(unittest.TestCase):
    def test_approx_trimming_matches_redis(self):
        n = 0
        for seed in differential.seeds(5):
            err = run(seed, 2000)
            self.assertIsNone(err, err)
            n += 2000
        print(f"{n} random stream commands matched redis-server")

    def test_deletions_near_the_last_node(self):
        """Bursts of XADD, XDELs among the latest entries (deleted entries count toward a node's
        100 and stay in its bytes), then '~' trims: every reply compared."""
        pair = differential.Pair()
        try:
            ref, ours = pair.connections(2)
            for seed in differential.seeds(4):
                rng = random.Random(seed)
                ref.call("DEL", "s")
                ours.call("DEL", "s")
                ids, ms = [], 1
                for _ in range(25):
                    script = []
                    tiny = rng.random() < 0.7  # nodes cut by count (100, deleted included), else by bytes
                    for _ in range(rng.randint(20, 120)):
                        ms += 1
                        ids.append(f"{ms}-0")
                        fields = rng.choice(FIELD_SETS)
                        vals = [str(rng.randint(0, 9999)) if tiny else value(rng, rng.random() < 0.2) for _ in fields]
                        script.append(["XADD", "s", ids[-1], *sum([[f, v] for f, v in zip(fields, vals)], [])])
                    script += [["XDEL", "s", *rng.sample(ids[-40:], rng.randint(1, 10))]]
                    if rng.random() < 0.5:
                        t = ["MAXLEN", "~", str(rng.randint(0, 400))] if rng.random() < 0.7 else ["MINID", "~", rng.choice(ids)]
                        script.append(["XTRIM", "s", *t] + (["LIMIT", str(rng.choice([50, 100, 150, 300]))] if rng.random() < 0.3 else []))
                    script.append(["XLEN", "s"])
                    for args in script:
                        self.assertEqual(ours.call(*args), ref.call(*args), (seed, args[:5]))
                self.assertEqual(ours.call("XRANGE", "s", "-", "+"), ref.call("XRANGE", "s", "-", "+"))
            ref.close()
            ours.close()
        finally:
            pair.cleanup()

    def test_nodes_emptied_by_flags(self):
        """A node whose live entries an exact MINID flagged while its last (XDEL'd) ID stays at
        the bound keeps existing with no live entry; a later MINID ~ frees it, and the XADDs after
        fill a new node or that one: boundaries (and so the next '~') follow Redis's either way."""
        pair = differential.Pair()
        try:
            ref, ours = pair.connections(2)
            for variant in (False, True):
                script = [["DEL", "s"]] + [["XADD", "s", f"{i}-0", "f", "v"] for i in range(1, 4)]
                script += [["XDEL", "s", "3-0"], ["XTRIM", "s", "MINID", "=", "3-0"], ["XLEN", "s"]]
                script += [["XTRIM", "s", "MINID", "~", "4-0"]] if variant else []
                script += [["XADD", "s", f"{i}-0", "f", "v"] for i in range(5, 200)]
                script += [["XTRIM", "s", "MAXLEN", "~", "50"], ["XLEN", "s"], ["XRANGE", "s", "-", "+", "COUNT", "1"]]
                for args in script:
                    self.assertEqual(ours.call(*args), ref.call(*args), (variant, args))
            ref.close()
            ours.close()
        finally:
            pair.cleanup()


if __name__ == "__main__":
    unittest.main(verbosity=2)
