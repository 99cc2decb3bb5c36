"""ACL checked where a command executes (docs/acl.md "Checked again where it executes"), against
real processes:

* EXEC re-checks every queued command against the user's permissions at EXEC time (the user was
  changed by another connection after MULTI): the same reply bytes and ACL LOG as redis-server.
* A write forwarded to the leader carries its user and is judged at apply against that user's
  permissions in the replicated ACL state: a forwarded frame (sent by a process that holds the
  cluster secret, i.e. a follower whose own check was bypassed or had not yet applied a
  revocation) asking user `app` (~app:*) to write `other` changes nothing on any node, while the
  same frame for `app:...` commits (so the frame itself works)."""
import os
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from cluster_harness import Cluster  # noqa: E402
from harness import CLUSTER_SECRET, RawConn, RedisServer, Server  # noqa: E402
from peer_wire import connect, frame, fwd, log_entry, lp, varint  # noqa: E402


def entry_with_user(user, *argv):
    """commands/command.h: the log form with the optional user field (varint 0, varint 65536,
    length-prefixed name) after the arguments."""
    return log_entry(*argv) + varint(0) + varint(65536) + lp(user)


def cluster_id(c):
    with open(os.path.join(c.nodes[1].dir, "nodes.conf")) as f:
        return f.readline().split()[2].encode()


class ExecRecheckTest(unittest.TestCase):
    """Byte for byte with redis-server 7.0: two connections, one queues, the other revokes."""

    @classmethod
    def setUpClass(cls):
        cls.ref = RedisServer().start()
        cls.srv = Server().start()

    @classmethod
    def tearDownClass(cls):
        cls.ref.cleanup()
        cls.srv.cleanup()

    def run_both(self, script):
        """script: (connection 'a'|'b', args...) lines; returns the replies of both servers."""
        out = []
        for port in (self.ref.port, self.srv.port):
            conns = {"a": RawConn(port), "b": RawConn(port)}
            conns["b"].call("FLUSHALL")
            conns["b"].call("ACL", "LOG", "RESET")
            replies = [conns[who].call(*args) for who, *args in script]
            for conn in conns.values():
                conn.close()
            out.append(replies)
        return out

    def test_exec_rechecks_queued_commands_like_redis(self):
        script = [
            ("b", "ACL", "SETUSER", "u", "on", "nopass", "~*", "&*", "+@all"),
            ("a", "AUTH", "u", "x"),
            ("a", "MULTI"),
            ("a", "SET", "a", "1"),
            ("a", "SET", "other", "1"),
            ("a", "GET", "a"),
            ("a", "INCR", "a"),
            ("a", "PING"),
            ("a", "SET", "b", "2", "EX", "100"),
            ("b", "ACL", "SETUSER", "u", "resetkeys", "~a", "~b", "-incr", "-ping"),
            ("a", "EXEC"),
            ("a", "GET", "other"),
            ("a", "EXISTS", "b"),
            ("b", "GET", "other"),
            ("b", "ACL", "LOG", "RESET"),
            # Reads only (run on the node after one read barrier, no log entry).
            ("a", "MULTI"),
            ("a", "GET", "a"),
            ("a", "ECHO", "x"),
            ("b", "ACL", "SETUSER", "u", "resetkeys", "~b", "-echo"),
            ("a", "EXEC"),
            ("b", "ACL", "LOG"),
            ("b", "ACL", "DELUSER", "u"),
        ]
        want, got = self.run_both(script)
        # ACL LOG entries carry ages and client details: compare what they say, not the clock.
        log_at = len(script) - 2

        def essentials(reply):
            fields = []
            for entry in reply.split(b"*14\r\n")[1:]:
                parts = entry.split(b"\r\n")
                fields.append([parts[i] for i in range(0, 16)])  # count, reason, context, object, username
            return fields

        self.assertEqual(essentials(want[log_at]), essentials(got[log_at]))
        self.assertGreaterEqual(len(essentials(got[log_at])), 2)
        want[log_at] = got[log_at] = None
        for line, w, g in zip(script, want, got):
            self.assertEqual(w, g, f"{line}: redis {w!r}, redraft {g!r}")


class ForwardedWriteCheckedAtLeaderTest(unittest.TestCase):
    def test_forwarded_write_is_judged_by_its_user_where_it_executes(self):
        c = Cluster(3).start()
        try:
            leader = c.leader()
            f1 = [i for i in c.nodes if i != leader][0]
            r = c.client(leader)
            self.assertTrue(r.execute_command("ACL", "SETUSER", "app", "on", ">pw", "~app:*", "+@all", "-@dangerous"))
            self.assertTrue(r.set("keep", "1"))  # a FLUSHALL that ran would remove it
            cid = cluster_id(c)
            term = int(c.raft_info(f1)["raft_term"])
            writes = [
                (1, entry_with_user(b"app", b"set", b"other", b"forged")),      # denied: key
                (2, entry_with_user(b"app", b"flushall")),                      # denied: command
                (3, entry_with_user(b"nosuch", b"set", b"app:ghost", b"x")),    # no such user
                (4, entry_with_user(b"app", b"set", b"app:fwd", b"ok")),        # allowed: the frame works
            ]
            # As follower f1 (it holds the secret): what a follower whose own check was bypassed,
            # or had not applied a revocation yet, would forward.
            with connect(c.ports[leader] + 10000, cid, f1, leader, CLUSTER_SECRET) as s:
                for seq, data in writes:
                    s.sendall(frame(cid, f1, b"fwd", fwd(900000 + seq, data, term)))
                deadline = time.time() + 10
                while time.time() < deadline and r.get("app:fwd") is None:
                    time.sleep(0.05)
            self.assertEqual(r.get("app:fwd"), b"ok")
            idx = int(c.raft_info(leader)["raft_commit_index"])
            for i in c.nodes:
                c.wait_applied(i, idx)
                n = c.client(i)
                self.assertEqual(n.get("app:fwd"), b"ok", f"node {i}")
                self.assertIsNone(n.get("other"), f"node {i} applied a write its user may not make")
                self.assertIsNone(n.get("app:ghost"), f"node {i} applied a write of a user that does not exist")
                self.assertEqual(n.get("keep"), b"1", f"node {i} ran a FLUSHALL its user may not run")
                self.assertEqual(n.dbsize(), 2, f"node {i}")
                self.assertNotIn("PANIC", c.nodes[i].log())
        finally:
            c.cleanup()


class RevocationRaceTest(unittest.TestCase):
    """A follower forwards writes its own check passed before it applied a revocation: the leader
    orders them after the revocation, and apply refuses them. Observable with a fence: right after
    revoking `app`'s right to `other`, the default user sets other to 1,000,000 (after the
    revocation in the log). An INCR by app that is ordered after the fence would answer more than
    1,000,000; every INCR app gets an answer for must be below it."""

    FENCE = 1000000

    def test_writes_forwarded_before_the_follower_applied_a_revocation_are_refused(self):
        c = Cluster(3).start()
        try:
            leader = c.leader()
            follower = [i for i in c.nodes if i != leader][0]
            admin = c.client(leader)
            over_fence, refused, acked = [], 0, 0
            for rnd in range(8):
                admin.set("other", 0)
                admin.execute_command("ACL", "SETUSER", "app", "on", ">pw", "resetkeys", "~app:*", "~other", "+@all")
                c.wait_applied(follower, int(c.raft_info(leader)["raft_commit_index"]))
                conn = RawConn(c.ports[follower])
                self.assertEqual(conn.call("AUTH", "app", "pw"), b"+OK\r\n")
                stop = threading.Event()
                replies = []

                def hammer():
                    batch = b"*2\r\n$4\r\nINCR\r\n$5\r\nother\r\n" * 32
                    while not stop.is_set():
                        conn.send(batch)
                        for _ in range(32):
                            replies.append(conn.reply())

                t = threading.Thread(target=hammer, daemon=True)
                t.start()
                time.sleep(0.15)
                # Revoke, then the fence: both on the leader, in this order in the log.
                admin.execute_command("ACL", "SETUSER", "app", "resetkeys", "~app:*")
                admin.set("other", self.FENCE)
                time.sleep(0.15)
                stop.set()
                t.join(timeout=30)
                conn.close()
                for r in replies:
                    if r.startswith(b":"):
                        acked += 1
                        if int(r[1:-2]) > self.FENCE:
                            over_fence.append(int(r[1:-2]))
                    elif r.startswith(b"-NOPERM"):
                        refused += 1
                    else:
                        self.fail(f"unexpected reply {r!r}")
            print(f"{acked} INCRs acknowledged, {refused} refused, {len(over_fence)} ordered after the fence")
            self.assertGreater(refused, 0)
            self.assertEqual(over_fence, [], "app wrote 'other' after its right was revoked")
            self.assertEqual(int(c.client(leader).get("other")), self.FENCE)
        finally:
            c.cleanup()


if __name__ == "__main__":
    unittest.main(verbosity=2)
