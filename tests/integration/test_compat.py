"""Byte-for-byte compatibility: the same commands to Debian's redis-server and to redraft."""
import os
import re
import shlex
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import RawConn, RedisServer, Server, encode  # noqa: E402


def unordered(reply):
    """A flat array of bulk strings with its elements sorted (for KEYS: Redis's order is hash order)."""
    head, _, rest = reply.partition(b"\r\n")
    items, pos = [], 0
    while pos < len(rest):
        nl = rest.index(b"\r\n", pos)
        n = int(rest[pos + 1:nl])
        items.append(rest[pos:nl + 2 + n + 2])
        pos = nl + 2 + n + 2
    return head + b"\r\n" + b"".join(sorted(items))


def unordered_pairs(reply):
    """Field-value pairs (HGETALL, HRANDFIELD ... WITHVALUES, HSCAN's array) sorted by pair: Redis
    lists a small hash in insertion order, redraft in field byte order."""
    scan = b"*2\r\n$1\r\n0\r\n"
    if reply.startswith(scan):
        return scan + unordered_pairs(reply[len(scan):])
    if not reply.startswith((b"*", b"%")) or reply.startswith(b"*-1"):
        return reply
    head, _, rest = reply.partition(b"\r\n")
    items, pos = [], 0
    while pos < len(rest):
        nl = rest.index(b"\r\n", pos)
        n = int(rest[pos + 1:nl])
        items.append(rest[pos:nl + 2 + n + 2])
        pos = nl + 2 + n + 2
    pairs = sorted(zip(items[0::2], items[1::2]))
    return head + b"\r\n" + b"".join(a + b for a, b in pairs)


def zero_integers(reply):
    """Every integer element (:N) of a reply replaced by :0, for lines starting with '%' (replies
    holding idle times or delivery timestamps: XPENDING's extended form, XINFO ... FULL)."""
    return re.sub(rb"(?:(?<=\r\n)|^):-?[0-9]+(?=\r\n)", b":0", reply)


def unescape(arg):
    """In compat_cases.txt, \\r, \\n and \\0 inside an argument stand for CR, LF and NUL, and
    \\xHH for the byte HH (the argument is then sent as bytes: bitmaps, HLL headers)."""
    arg = arg.replace("\\r", "\r").replace("\\n", "\n").replace("\\0", "\0")
    if "\\x" not in arg:
        return arg
    parts = re.split(r"\\x([0-9a-fA-F]{2})", arg)
    return b"".join(bytes([int(p, 16)]) if i % 2 else p.encode() for i, p in enumerate(parts))


def load_cases():
    """Every compat_cases*.txt (one file per command family)."""
    here = os.path.dirname(__file__)
    cases = []
    for name in sorted(os.listdir(here)):
        if name.startswith("compat_cases") and name.endswith(".txt"):
            cases += load_case_file(os.path.join(here, name))
    return cases


def load_case_file(path):
    cases, cur = [], []
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("#"):
                continue
            if not line.strip():
                if cur:
                    cases.append(cur)
                cur = []
                continue
            cur.append(line)
    if cur:
        cases.append(cur)
    return cases


class CompatTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ref = RedisServer().start()  # 16 databases, as redraft by default
        cls.srv = Server().start()

    @classmethod
    def tearDownClass(cls):
        cls.ref.cleanup()
        cls.srv.cleanup()

    def test_cases(self):
        mismatches = []
        cases = load_cases()
        for case in cases:
            ref, ours = RawConn(self.ref.port), RawConn(self.srv.port)
            others = None  # a second connection on each side, opened by the first '&' line
            for conn in (ref, ours):
                conn.call("FLUSHALL")
            for line in case:
                on_other = line.startswith("&")  # '&': sent on the case's second connection
                line = line[1:] if on_other else line
                if on_other and others is None:
                    others = (RawConn(self.ref.port), RawConn(self.srv.port))
                r, o = others if on_other else (ref, ours)
                compare = not line.startswith("!")
                args = [unescape(a) for a in shlex.split(line.lstrip("!~^%"))]
                want = r.call(*args)
                got = o.call(*args)
                if line.startswith("~"):
                    want, got = unordered(want), unordered(got)
                if line.startswith("^"):
                    want, got = unordered_pairs(want), unordered_pairs(got)
                if line.startswith("%"):  # idle times and delivery timestamps: clock-dependent
                    want, got = zero_integers(want), zero_integers(got)
                if compare and want != got:
                    mismatches.append(f"{line!r}\n    redis:   {want!r}\n    redraft: {got!r}")
            for conn in (ref, ours) + (others or ()):
                conn.close()
        self.assertFalse(mismatches, f"{len(mismatches)} replies differ:\n" + "\n".join(mismatches))
        print(f"{sum(len(c) for c in cases)} commands in {len(cases)} cases matched byte for byte")


if __name__ == "__main__":
    unittest.main(verbosity=2)
