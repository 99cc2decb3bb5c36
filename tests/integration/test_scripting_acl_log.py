"""ACL denials inside scripts reach ACL LOG as in Redis 7.0 (context "lua", reason, object,
username; redis.acl_check_cmd is a question, not logged): the same command sequence runs on
redis-server and on redraft, and their ACL LOG entries are compared field by field (ages and
client-info aside: docs/scripting.md says what client-info holds for a write script)."""
import os
import sys
import unittest

import redis

sys.path.insert(0, os.path.dirname(__file__))
from harness import RedisServer, Server  # noqa: E402

LIB = ("#!lua name=acllib\n"
       "redis.register_function('fget', function(keys) return redis.call('get', keys[1]) end)\n"
       "redis.register_function{function_name='fro', callback=function(keys) return redis.call('get', keys[1]) end, "
       "flags={'no-writes'}}\n")

# (command, args): run as user `sl` (allowed: EVAL* / FCALL* / GET / PUBLISH, keys a*, channels ch*).
SEQUENCE = [
    ("EVAL", "return redis.call('get', 'b')", 0),                 # key
    ("EVAL", "return redis.call('set', 'a', 1)", 0),              # command
    ("EVAL", "return redis.pcall('publish', 'zz', 1)", 0),        # channel, via pcall
    ("EVAL", "return redis.acl_check_cmd('set', 'a', 1)", 0),     # not logged
    ("EVAL", "return redis.call('get', 'b')", 0),                 # merged: count 2
    ("EVAL_RO", "return redis.call('get', 'c')", 0),              # read-only script, key
    ("EVAL", "#!lua flags=no-writes\nreturn redis.call('get', 'd')", 0),
    ("FCALL", "fget", 1, "a1"),                                   # allowed
    ("FCALL", "fget", 1, "e"),                                    # key inside a function
    ("FCALL_RO", "fro", 1, "f"),
]


def entries(r):
    out = []
    for e in r.execute_command("ACL", "LOG"):
        d = dict(zip(e[0::2], e[1::2]))
        out.append({k: d[k] for k in (b"count", b"reason", b"context", b"object", b"username")})
    return out


class ScriptAclLogTest(unittest.TestCase):
    def test_denials_inside_scripts_are_logged_like_redis(self):
        ref, ours = RedisServer().start(), Server().start()
        try:
            logs = []
            for port in (ref.port, ours.port):
                admin = redis.Redis(port=port)
                admin.execute_command("FUNCTION", "LOAD", "REPLACE", LIB)
                admin.execute_command("ACL", "SETUSER", "sl", "on", "nopass", "~a*", "&ch*", "+eval", "+eval_ro",
                                      "+fcall", "+fcall_ro", "+get", "+publish", "+multi", "+exec")
                admin.execute_command("ACL", "LOG", "RESET")
                r = redis.Redis(port=port, username="sl", password="x")
                replies = []
                for cmd in SEQUENCE:
                    try:
                        replies.append(r.execute_command(*cmd))
                    except redis.ResponseError as e:
                        replies.append(str(e).split(" script:")[0])
                # Inside MULTI (a write entry here): context "lua" too.
                p = r.pipeline(transaction=True)
                p.execute_command("EVAL", "return redis.call('get', 'g')", 0)
                p.execute_command("EVAL_RO", "return redis.call('get', 'h')", 0)
                replies.append([str(x).split(" script:")[0] for x in p.execute(raise_on_error=False)])
                logs.append((replies, entries(admin)))
                admin.close()
                r.close()
            self.assertEqual(logs[0][0], logs[1][0])
            self.assertEqual(logs[0][1], logs[1][1])
            self.assertGreaterEqual(len(logs[1][1]), 8)
            # A read-only script's denial carries the client's CLIENT LIST line, as in Redis.
            info = {}
            for e in redis.Redis(port=ours.port).execute_command("ACL", "LOG"):
                d = dict(zip(e[0::2], e[1::2]))
                info[d[b"object"]] = d[b"client-info"]
            self.assertIn(b"user=sl", info[b"c"])
            self.assertIn(b"id=", info[b"c"])
            self.assertIn(b"log-index=", info[b"b"])  # a write script: the entry, applied on every node
        finally:
            ref.cleanup()
            ours.cleanup()


if __name__ == "__main__":
    unittest.main()
