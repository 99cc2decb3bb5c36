"""ACL users replicated through the Raft log (issue 10 item 4, docs/acl.md): a restricted user
is enforced by every node of a 3-node cluster; a change made on the leader is enforced on the
followers once committed; users survive a restart and a snapshot sent to a wiped node, and are
not keys. Real processes, redis-py."""
import os
import sys
import time
import unittest

import redis

sys.path.insert(0, os.path.dirname(__file__))
from cluster_harness import Cluster  # noqa: E402

NOPERM_KEY = "this user has no permissions to access one of the keys used as arguments"


def commit_index(c, i):
    return int(c.raft_info(i)["raft_commit_index"])


def wait_all_applied(c, i_from):
    idx = commit_index(c, i_from)
    for j in c.alive():
        c.wait_applied(j, idx)


def app_client(c, i, password="pw", user="app"):
    return c.client(i, username=user, password=password)


def wait_for(pred, timeout=15, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


class AclClusterTest(unittest.TestCase):
    def setUp(self):
        self.c = Cluster(3, extra_args=["--log-compact-entries", "1000"]).start()

    def tearDown(self):
        self.c.cleanup()

    def create_app_user(self, leader):
        r = self.c.client(leader)
        self.assertTrue(r.execute_command("ACL", "SETUSER", "app", "on", ">pw", "~app:*", "+@all", "-@dangerous"))
        wait_all_applied(self.c, leader)

    def check_restricted_everywhere(self, nodes, tag):
        default = self.c.client(self.c.wait_leader())
        default.set("other", "untouched")
        for i in nodes:
            a = app_client(self.c, i)
            self.assertEqual(a.execute_command("ACL", "WHOAMI"), b"app")
            self.assertTrue(a.set(f"app:{tag}{i}", "v"))
            self.assertEqual(a.get(f"app:{tag}{i}"), b"v")
            for attempt in (lambda: a.get("other"), lambda: a.set("other", "x"), lambda: a.delete("other"),
                            lambda: a.mget(f"app:{tag}{i}", "other"), lambda: a.hset("h", "f", "v"),
                            lambda: a.lpush("l", "x"), lambda: a.incr("n")):
                with self.assertRaises(redis.exceptions.NoPermissionError) as cm:
                    attempt()
                self.assertIn(NOPERM_KEY, str(cm.exception))
            with self.assertRaises(redis.exceptions.NoPermissionError) as cm:
                a.execute_command("FLUSHALL")
            self.assertIn("this user has no permissions to run the 'flushall' command", str(cm.exception))
            a.close()
        lead = self.c.wait_leader()
        for i in nodes:
            r = self.c.client(i, socket_timeout=10)
            r.execute_command("READONLY")
            self.c.wait_applied(i, commit_index(self.c, lead))
            self.assertEqual(r.get("other"), b"untouched", f"node {i}")
            self.assertFalse(r.exists("h", "l", "n"), f"node {i}")

    def test_restricted_user_cannot_touch_other_keys_through_any_node(self):
        leader = self.c.wait_leader()
        self.create_app_user(leader)
        self.check_restricted_everywhere([1, 2, 3], "a")
        # Wrong passwords and unknown users, as Redis answers them.
        for i in (1, 2, 3):
            for bad in (app_client(self.c, i, password="bad"), app_client(self.c, i, user="nobody")):
                with self.assertRaises(redis.exceptions.RedisError) as cm:
                    bad.ping()
                self.assertIn("WRONGPASS invalid username-password pair or user is disabled.", str(cm.exception))
            log = self.c.client(i).execute_command("ACL", "LOG")
            reasons = {(e[b"reason"] if isinstance(e, dict) else dict(zip(e[::2], e[1::2]))[b"reason"]) for e in log}
            self.assertIn(b"auth", reasons, f"node {i} logged the failed AUTH")
            self.assertIn(b"key", reasons, f"node {i} logged the key denials")

    def test_change_on_leader_is_enforced_on_followers_once_committed(self):
        leader = self.c.wait_leader()
        followers = [i for i in (1, 2, 3) if i != leader]
        self.create_app_user(leader)
        readers = {i: app_client(self.c, i) for i in followers}
        for i in followers:
            self.assertEqual(readers[i].get("app:x"), None)
        # Revoke GET on the leader: once committed, every follower refuses it.
        self.c.client(leader).execute_command("ACL", "SETUSER", "app", "-get")
        idx = commit_index(self.c, leader)
        for i in followers:
            self.c.wait_applied(i, idx)
            with self.assertRaises(redis.exceptions.NoPermissionError) as cm:
                readers[i].get("app:x")
            self.assertIn("this user has no permissions to run the 'get' command", str(cm.exception))
            self.assertTrue(readers[i].set("app:x", "still allowed"))
        # A change made through a follower is forwarded to the leader and reaches every node.
        f = followers[0]
        self.assertTrue(self.c.client(f).execute_command("ACL", "SETUSER", "viaf", "on", ">x", "~v:*", "+get"))
        wait_all_applied(self.c, leader)
        for i in (1, 2, 3):
            v = app_client(self.c, i, password="x", user="viaf")
            self.assertIsNone(v.get("v:1"))
            with self.assertRaises(redis.exceptions.NoPermissionError):
                v.set("v:1", "x")
        self.assertEqual(self.c.client(f).execute_command("ACL", "DELUSER", "viaf"), 1)
        wait_all_applied(self.c, leader)
        # Every node describes the user the same way.
        lists = {i: self.c.client(i).execute_command("ACL", "LIST") for i in (1, 2, 3)}
        self.assertEqual(lists[1], lists[2])
        self.assertEqual(lists[2], lists[3])
        self.assertEqual(lists[1][0][:9], b"user app ")
        self.assertIn(b"-get", lists[1][0])
        # Deleting the user on the leader closes its connections on every node.
        self.assertEqual(self.c.client(leader).execute_command("ACL", "DELUSER", "app"), 1)
        idx = commit_index(self.c, leader)
        for i in followers:
            self.c.wait_applied(i, idx)
            with self.assertRaises((redis.exceptions.ConnectionError, redis.exceptions.AuthenticationError)):
                readers[i].set("app:y", "v")
            with self.assertRaises(redis.exceptions.RedisError) as cm:
                app_client(self.c, i).ping()
            self.assertIn("WRONGPASS", str(cm.exception))

    def test_users_survive_restart_leader_change_and_snapshot_to_wiped_node(self):
        leader = self.c.wait_leader()
        self.create_app_user(leader)
        r = self.c.client(leader)
        # Enough entries that the log is compacted (--log-compact-entries 1000): a wiped node
        # can only catch up from a snapshot.
        for chunk in range(3):
            p = r.pipeline(transaction=False)
            for k in range(1000):
                p.set(f"k{chunk}:{k}", "x")
            p.execute()
        nkeys = r.dbsize()
        self.assertEqual(nkeys, 3000, "users are not keys")
        self.assertNotIn(b"app", b" ".join(r.keys("*")))
        wait_all_applied(self.c, leader)
        # The leader killed: a new leader keeps enforcing and takes an ACL change; the old leader
        # comes back from its own store and log with the users.
        self.c.kill9(leader)
        new_leader = self.c.wait_leader(exclude=leader)
        self.assertTrue(self.c.client(new_leader).execute_command("ACL", "SETUSER", "app", "-strlen", "(~log:*", "-@all", "+rpush)"))
        self.c.restart(leader)
        self.c.wait_applied(leader, commit_index(self.c, new_leader), timeout=30)
        self.check_restricted_everywhere([1, 2, 3], "b")
        # A follower from its wiped data directory: it can only catch up from a snapshot.
        wiped = [i for i in (1, 2, 3) if i != new_leader][0]
        self.c.restart(wiped, wipe=True)
        wait_for(lambda: int(self.c.raft_info(wiped).get("raft_snapshots_installed", 0)) >= 1, 60,
                 "a snapshot installed on the wiped node")
        self.c.wait_applied(wiped, commit_index(self.c, new_leader), timeout=60)
        self.check_restricted_everywhere([wiped], "c")
        lists = {i: self.c.client(i).execute_command("ACL", "LIST") for i in (1, 2, 3)}
        self.assertEqual(lists[1], lists[2])
        self.assertEqual(lists[1], lists[3])
        self.assertIn(b"-strlen", lists[1][0])
        self.assertIn(b"(~log:* resetchannels -@all +rpush)", lists[1][0])  # a selector, replicated
        self.assertEqual(app_client(self.c, wiped).rpush("log:l", "x"), 1)
        for i in (1, 2, 3):
            with self.assertRaises(redis.exceptions.NoPermissionError) as cm:
                app_client(self.c, i).strlen("app:x")
            self.assertIn("this user has no permissions to run the 'strlen' command", str(cm.exception))
        self.assertEqual(self.c.client(wiped).execute_command("ACL", "GETUSER", "app")[5],
                         self.c.client(new_leader).execute_command("ACL", "GETUSER", "app")[5])
        self.assertEqual(self.c.client(new_leader).dbsize(), nkeys + 1 + 3 + 1 + 1)

if __name__ == "__main__":
    unittest.main(verbosity=2)
