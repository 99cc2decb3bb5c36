"""The ACL file (aclfile, ACL LOAD, ACL SAVE; docs/acl.md "ACL file"):

* ACL LOAD of good and bad files answers byte for byte as redis-server 7.0 (both servers read the
  same file, so the file name in the errors is the same), a bad file changes nothing, and ACL SAVE
  writes the same file as Redis for the same users.
* A file that does not load stops the start-up with Redis's text.
* In a 3-node cluster whose nodes have an aclfile, the file seeds the users of the empty state on
  every node; ACL LOAD on a follower replaces the users on every node (one log entry); a restart
  does not reload the file over the replicated users."""
import os
import subprocess
import sys
import tempfile
import time
import unittest

import redis

sys.path.insert(0, os.path.dirname(__file__))
from cluster_harness import Cluster  # noqa: E402
from harness import SERVER_BIN, RawConn, RedisServer, Server, free_port  # noqa: E402

BAD_FILES = [
    "foo bar\n",
    "user\n",
    "user alice on nosuch\n",
    "user a b\nuser a on\n",
    "user alice (~x +get\n",
    'user alice "on\n',
    "user alice on\nfoo\nuser bob +nosuch\n",
    "user alice (~x nosuch)\n",
    "user alice (+nosuch)\n",
    "user alice on '>a b'\n",
    "user alice on +get|nosuch -nosuch\n",
    "user alice\tbar\n",
    "user alice ~* ~x\n",
    "user alice #abc\n",
    "user alice <nosuchpass\n",
]
GOOD_FILES = [
    "\n\n  \nuser bob on >x\n",
    "user alice on >pw ~a* %R~r* &ch +get (~b* +set) (%W~w* +@write)\r\nuser default on nopass ~* &* +@all\n",
    "user alice  on  nopass  ~*  +@all\n",  # double spaces: empty words are no-ops
    "user default on nopass ~* +@all\nuser carol on nopass resetchannels -@all +@read\n",
]


class AclFileCompatTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="redraft-aclfile-")
        cls.path = os.path.join(cls.tmp, "users.acl")
        with open(cls.path, "w") as f:
            f.write("user default on nopass ~* &* +@all\n")
        cls.ref = RedisServer(args=["--aclfile", cls.path]).start()
        cls.srv = Server(args=["--aclfile", cls.path]).start()

    @classmethod
    def tearDownClass(cls):
        cls.ref.cleanup()
        cls.srv.cleanup()

    def both(self, *args):
        out = []
        for port in (self.ref.port, self.srv.port):
            c = RawConn(port)
            out.append(c.call(*args))
            c.close()
        return out

    def write(self, text):
        with open(self.path, "w") as f:
            f.write(text)

    def test_load_errors_and_results_match_redis(self):
        for text in GOOD_FILES[:1]:  # a known state to compare against
            self.write(text)
            want, got = self.both("ACL", "LOAD")
            self.assertEqual(want, got)
        before = self.both("ACL", "LIST")
        for text in BAD_FILES:
            self.write(text)
            want, got = self.both("ACL", "LOAD")
            self.assertEqual(want, got, f"ACL LOAD of {text!r}")
            self.assertTrue(got.startswith(b"-ERR "), got)
            self.assertEqual(self.both("ACL", "LIST"), before, f"a bad file {text!r} changed the users")
        for text in GOOD_FILES:
            self.write(text)
            want, got = self.both("ACL", "LOAD")
            self.assertEqual((want, got), (b"+OK\r\n", b"+OK\r\n"), text)
            want, got = self.both("ACL", "LIST")
            self.assertEqual(want, got, f"ACL LIST after loading {text!r}")
        os.remove(self.path)
        want, got = self.both("ACL", "LOAD")
        self.assertEqual(want, got)
        self.assertEqual(*self.both("CONFIG", "GET", "aclfile"))

    def test_load_closes_the_connections_of_every_user_but_default_like_redis(self):
        self.write("user alice on nopass ~* +@all\n")
        self.assertEqual(self.both("ACL", "LOAD"), [b"+OK\r\n", b"+OK\r\n"])
        for port in (self.ref.port, self.srv.port):
            a, d = RawConn(port), RawConn(port)
            self.assertEqual(a.call("AUTH", "alice", "x"), b"+OK\r\n")
            self.assertEqual(d.call("PING"), b"+PONG\r\n")
            self.assertEqual(a.call("ACL", "LOAD"), b"+OK\r\n")  # alice is still in the file
            try:
                got = a.call("PING")
            except (ConnectionError, OSError):
                got = None
            self.assertIsNone(got, f"port {port}: alice's connection survived ACL LOAD")
            self.assertEqual(d.call("PING"), b"+PONG\r\n")
            a.close()
            d.close()

    def test_save_writes_what_redis_writes(self):
        self.write("user default on nopass ~* &* +@all\n")
        self.both("ACL", "LOAD")
        self.both("ACL", "SETUSER", "zed", "on", ">pw", "~z*", "&c", "+@hash", "(~y* +get)")
        self.both("ACL", "SETUSER", "amy", "off", "nopass", "+@all", "-@dangerous")
        files = []
        for port in (self.ref.port, self.srv.port):
            c = RawConn(port)
            self.assertEqual(c.call("ACL", "SAVE"), b"+OK\r\n")
            c.close()
            with open(self.path) as f:
                files.append(f.read())
        self.assertEqual(files[0], files[1])
        self.assertIn("user zed on #", files[1])
        self.assertNotIn("pw", files[1].replace("#", ""))  # hashes only
        # A file that cannot be written: Redis's error for both, and the users stay.
        os.rename(self.tmp, self.tmp + ".away")
        try:
            want, got = self.both("ACL", "SAVE")
        finally:
            os.rename(self.tmp + ".away", self.tmp)
        self.assertEqual(want, got)
        self.assertIn(b"There was an error trying to save the ACLs", got)
        # What was saved loads again, to the same users.
        before = self.both("ACL", "LIST")
        self.assertEqual(self.both("ACL", "LOAD"), [b"+OK\r\n", b"+OK\r\n"])
        self.assertEqual(self.both("ACL", "LIST"), before)


class AclFileStartupTest(unittest.TestCase):
    def test_a_file_that_does_not_load_stops_the_start_up(self):
        with tempfile.TemporaryDirectory(prefix="redraft-aclfile-") as tmp:
            path = os.path.join(tmp, "bad.acl")
            with open(path, "w") as f:
                f.write("user alice on nosuch\n")
            for acl in (path, os.path.join(tmp, "missing.acl")):
                p = subprocess.run([SERVER_BIN, "--port", str(free_port()), "--bind", "127.0.0.1", "--dir",
                                    os.path.join(tmp, "d"), "--aclfile", acl], capture_output=True, timeout=30)
                out = (p.stdout + p.stderr).decode()
                self.assertNotEqual(p.returncode, 0)
                self.assertIn("Aborting Redis startup because of ACL errors: ", out)
            self.assertIn("No such file or directory", out)


class AclFileClusterTest(unittest.TestCase):
    def test_file_seeds_an_empty_cluster_and_load_replaces_users_everywhere(self):
        with tempfile.TemporaryDirectory(prefix="redraft-aclfile-") as tmp:
            path = os.path.join(tmp, "users.acl")
            with open(path, "w") as f:
                f.write("user app on >pw ~app:* +@all -@dangerous\n")
            c = Cluster(3, extra_args=["--aclfile", path]).start()
            try:
                def users_everywhere(names):
                    deadline = time.time() + 15
                    while time.time() < deadline:
                        got = [sorted(x.decode() for x in c.client(i).execute_command("ACL", "USERS")) for i in c.nodes]
                        if all(g == sorted(names) for g in got):
                            return
                        time.sleep(0.1)
                    self.fail(f"users {names} not on every node: {got}")

                users_everywhere(["app", "default"])
                for i in c.nodes:
                    a = c.client(i, username="app", password="pw")
                    self.assertTrue(a.set(f"app:{i}", "v"))
                    with self.assertRaises(redis.exceptions.NoPermissionError):
                        a.set("other", "v")
                # ACL LOAD through a follower: one entry, every node ends with the file's users.
                follower = [i for i in c.nodes if i != c.leader()][0]
                with open(path, "w") as f:
                    f.write("user ops on >pw2 ~* +@all\n")
                self.assertTrue(c.client(follower).execute_command("ACL", "LOAD"))
                users_everywhere(["default", "ops"])
                # A bad file changes nothing anywhere.
                with open(path, "w") as f:
                    f.write("user x +nosuch\n")
                with self.assertRaises(redis.exceptions.ResponseError):
                    c.client(follower).execute_command("ACL", "LOAD")
                # Changes made since are not overwritten by the file at restart (it only seeds an
                # empty state): the replicated users are the truth.
                with open(path, "w") as f:
                    f.write("user seedonly on nopass\n")
                self.assertTrue(c.client(c.leader()).execute_command("ACL", "SETUSER", "later", "on"))
                users_everywhere(["default", "later", "ops"])
                c.restart(follower)
                c.wait_leader()
                time.sleep(1.5)  # a seed would be proposed within a second
                users_everywhere(["default", "later", "ops"])
            finally:
                c.cleanup()


if __name__ == "__main__":
    unittest.main(verbosity=2)
