"""Peer traffic over mutual TLS (tls-cluster, issue 10 items 2 and 7; docs/peer_protocol.md)
against a real 3-node cluster whose only peer protection is TLS (no cluster-secret, so every
refusal below is TLS's doing):
  - writes through each node replicate; redis-cli --tls and redis-py over TLS work against every
    node (the cluster also runs TLS on its client ports);
  - forged Raft traffic (a forwarded write, a vote with the transfer context that would push the
    term up by 1000) sent over TLS with a certificate from another CA, with a valid certificate
    naming another member than the one claimed, or in plaintext, changes nothing: term, leader,
    CLUSTER NODES and data stay as they were, and each refusal is one log line naming the remote
    address;
  - a real redraft-server holding another CA's certificate for slot 3 cannot take part;
  - control: the same forgeries with a certificate naming the member they claim do take effect
    (the attacks are real; what stops them above is the certificate check)."""
import os
import shutil
import socket
import ssl
import subprocess
import sys
import time
import unittest

import redis

sys.path.insert(0, os.path.dirname(__file__))
from cluster_harness import Cluster  # noqa: E402
from harness import Server, free_port  # noqa: E402
from peer_wire import RAFT_VOTE, frame, fwd, log_entry, raft_message  # noqa: E402
from tls_certs import make_node_certs  # noqa: E402


def node_tls_args(certs, i, tls_port):
    return ["--tls-cluster", "yes", "--tls-port", str(tls_port), "--tls-cert-file", certs[f"node{i}.crt"],
            "--tls-key-file", certs[f"node{i}.key"], "--tls-ca-cert-file", certs["ca.crt"]]


def cluster_id(c):
    with open(os.path.join(c.nodes[1].dir, "nodes.conf")) as f:
        return f.readline().split()[2].encode()


def tls_deliver(port, cert, key, frames, ca=None):
    """Sends frames to a peer port over TLS presenting cert/key (plaintext if cert is None); waits
    until the node closes the connection (True) or 3 s pass with it open (False)."""
    try:
        raw = socket.create_connection(("127.0.0.1", port), timeout=5)
    except OSError:
        return True
    s = raw
    try:
        if cert is not None:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.check_hostname = False
            if ca:
                ctx.load_verify_locations(ca)
            else:
                ctx.verify_mode = ssl.CERT_NONE
            ctx.load_cert_chain(cert, key)
            s = ctx.wrap_socket(raw)
        for fr in frames:
            s.sendall(fr)
        s.settimeout(3)
        while s.recv(4096):
            pass
        return True
    except socket.timeout:
        return False
    except (ssl.SSLError, OSError):
        return True
    finally:
        s.close()
        if s is not raw:
            raw.close()


class TlsClusterTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.certs = make_node_certs([1, 2, 3])
        cls.other = make_node_certs([1, 2, 3])  # another CA, certificates for the same ids
        # Small compaction interval: a node that falls behind is sent a snapshot (test_5).
        cls.c = Cluster(3, secret=False, extra_args=["--log-compact-entries", "1000",
                                                        "--log-compact-bytes", "1mb"])
        cls.tls_ports = {}
        for i, s in cls.c.nodes.items():
            cls.tls_ports[i] = free_port()
            s.args += node_tls_args(cls.certs, i, cls.tls_ports[i])
        cls.c.start()

    @classmethod
    def tearDownClass(cls):
        cls.c.cleanup()
        shutil.rmtree(cls.certs["dir"], ignore_errors=True)
        shutil.rmtree(cls.other["dir"], ignore_errors=True)

    def tls_client(self, i):
        return redis.Redis(port=self.tls_ports[i], ssl=True, ssl_ca_certs=self.certs["ca.crt"],
                           ssl_certfile=self.certs["client.crt"], ssl_keyfile=self.certs["client.key"], socket_timeout=10)

    def observe(self):
        c = self.c
        leader = c.leader()
        return {
            "leader": leader,
            "terms": {i: c.raft_info(i)["raft_term"] for i in c.nodes},
            "nodes": sorted(c.client(leader).execute_command("CLUSTER", "NODES").decode().split("\n")),
            "data": [c.client(i).get(f"k{n}") for i in c.nodes for n in range(10)],
        }

    def test_1_writes_through_every_node_replicate_and_tls_clients_work(self):
        c = self.c
        for i in c.nodes:
            for n in range(10):
                self.assertTrue(self.tls_client(i).set(f"k{n}" if i == 1 else f"k{i}-{n}", f"v{i}-{n}"))
        for i in c.nodes:
            r = self.tls_client(i)
            for j in c.nodes:
                self.assertEqual(r.get(f"k{j}-3" if j != 1 else "k3"), f"v{j}-3".encode())
            pipe = r.pipeline(transaction=False)
            for n in range(500):
                pipe.incr(f"ctr{i}")
            self.assertEqual(pipe.execute()[-1], 500)
        follower = next(i for i in c.nodes if i != c.leader())
        out = subprocess.run(["redis-cli", "--tls", "--cacert", self.certs["ca.crt"], "--cert", self.certs["client.crt"],
                              "--key", self.certs["client.key"], "-p", str(self.tls_ports[follower]), "GET", "ctr1"],
                             capture_output=True, text=True, timeout=10)
        self.assertEqual(out.stdout.strip(), "500", out.stderr)
        for i in c.nodes:
            self.assertIn("tls-cluster: peer connections are mutual TLS", c.nodes[i].log())

    def forgeries(self):
        """(target, claimed sender, frames): a forwarded write to the leader, and a transfer vote
        pushing a follower's term up by 1000."""
        c = self.c
        cid = cluster_id(c)
        leader = c.leader()
        f1, f2 = [i for i in c.nodes if i != leader]
        info = c.raft_info(f1)
        term, last = int(info["raft_term"]), int(info["raft_last_index"])
        return [
            (leader, f1, [frame(cid, f1, b"hello", b""),
                          frame(cid, f1, b"fwd", fwd(7001, log_entry(b"set", b"forged", b"fwd"), term))]),
            (f1, f2, [frame(cid, f2, b"hello", b""),
                      frame(cid, f2, b"raft", raft_message(RAFT_VOTE, f2, f1, term + 1000, term, last + 10,
                                                          context=b"CampaignTransfer"))]),
        ]

    def test_2_forged_peer_traffic_without_the_right_certificate_changes_nothing(self):
        c = self.c
        before = self.observe()
        tries = 0
        for target, sender, frames in self.forgeries():
            port = c.ports[target] + 10000
            # Another CA's certificate for the member it claims.
            self.assertTrue(tls_deliver(port, self.other[f"node{sender}.crt"], self.other[f"node{sender}.key"], frames))
            # Our CA's valid certificate, but for another member than the one it claims.
            liar = next(i for i in c.nodes if i not in (sender, target))
            self.assertTrue(tls_deliver(port, self.certs[f"node{liar}.crt"], self.certs[f"node{liar}.key"], frames,
                                        ca=self.certs["ca.crt"]))
            # A client certificate (names no member).
            self.assertTrue(tls_deliver(port, self.certs["client.crt"], self.certs["client.key"], frames))
            # Plaintext.
            self.assertTrue(tls_deliver(port, None, None, frames))
            tries += 4
        time.sleep(1.5)  # a forged commit or election would have happened by now
        self.assertEqual(before, self.observe())
        for i in c.nodes:
            self.assertIsNone(c.client(i).get("forged"), f"a forged write reached node {i}")
        logs = "".join(c.nodes[i].log() for i in c.nodes)
        refusals = [l for l in logs.splitlines() if "refused peer connection from 127.0.0.1:" in l or
                    ("closing inbound connection from 127.0.0.1:" in l and "certificate names no redraft-node-" in l)]
        self.assertGreaterEqual(len(refusals), tries, "\n".join(refusals))
        self.assertRegex(logs, r"certificate verify failed")
        self.assertRegex(logs, r"not a TLS handshake")
        self.assertRegex(logs, r"names no member id")
        self.assertRegex(logs, r"certificate names no redraft-node-\d+ but it claims to be node \d+")
        self.assertTrue(c.client(c.leader()).set("still", "works"))

    def test_3_a_node_with_another_cas_certificate_cannot_take_part(self):
        c = self.c
        before = self.observe()
        members = ",".join(f"{i}@127.0.0.1:{p}" for i, p in c.ports.items())
        rogue_tls = free_port()
        rogue = Server(args=["--cluster-node-id", "3", "--cluster-members", members, "--tls-cluster", "yes",
                             "--tls-port", str(rogue_tls), "--tls-cert-file", self.other["node3.crt"],
                             "--tls-key-file", self.other["node3.key"], "--tls-ca-cert-file", self.other["ca.crt"]])
        # It claims slot 3 from another address (its own free port): it probes every member.
        try:
            rogue.start()
            time.sleep(3)
            self.assertEqual(before, self.observe())
            info = redis.Redis(port=rogue.port, socket_timeout=5).info("raft")
            self.assertNotEqual(info.get("raft_role"), "follower")
            self.assertNotEqual(info.get("raft_role"), "leader")
            self.assertRegex(rogue.log(), r"refused TLS connection to peer \d+")
        finally:
            rogue.cleanup()

    def start_joiner(self, cert, key, ca, tls_port, datadir=None):
        """A --cluster-join node serving TLS only on tls_port (port 0), as MEET then reaches it."""
        srv = Server(port=tls_port, datadir=datadir, args=[
            "--port", "0", "--tls-port", str(tls_port), "--cluster-join", "yes", "--tls-cluster", "yes",
            "--tls-cert-file", cert, "--tls-key-file", key, "--tls-ca-cert-file", ca, "--tls-auth-clients", "optional"])
        srv.start(wait=False)
        deadline = time.time() + 15
        while time.time() < deadline:
            try:
                r = redis.Redis(port=tls_port, ssl=True, ssl_cert_reqs="none", socket_timeout=2)
                return srv, int(r.execute_command("CLUSTER", "MYID"), 16)
            except (redis.ConnectionError, redis.TimeoutError, redis.ResponseError):
                time.sleep(0.1)
        raise AssertionError(f"joiner on {tls_port} did not come up:\n{srv.log()[-2000:]}")

    def test_4_cluster_meet_over_tls_admits_a_node_only_under_the_id_its_certificate_names(self):
        c = self.c
        leader = c.client(c.leader())
        voters_before = c.voters(c.leader())
        # Another CA: the TLS handshake of MEET's probe fails.
        port5 = free_port()
        n5, _ = self.start_joiner(self.other["node3.crt"], self.other["node3.key"], self.other["ca.crt"], port5)
        try:
            with self.assertRaisesRegex(redis.ResponseError, "certificate verify failed"):
                leader.execute_command("CLUSTER", "MEET", "127.0.0.1", port5)
        finally:
            n5.cleanup()
        # Our CA, but a certificate naming member 3: refused under the joiner's own (random) id.
        port4 = free_port()
        n4, id4 = self.start_joiner(self.certs["node3.crt"], self.certs["node3.key"], self.certs["ca.crt"], port4)
        datadir = n4.dir
        n4.owns_dir = False
        try:
            with self.assertRaisesRegex(redis.ResponseError, f"does not name redraft-node-{id4}"):
                leader.execute_command("CLUSTER", "MEET", "127.0.0.1", port4)
            self.assertEqual(c.voters(c.leader()), voters_before)
            # The operator issues a certificate for the id the node logged, and restarts it.
            certs4 = make_node_certs([id4], dirname=self.certs["dir"])
            n4.stop()
            n4, again = self.start_joiner(certs4[f"node{id4}.crt"], certs4[f"node{id4}.key"], self.certs["ca.crt"], port4,
                                          datadir=datadir)
            self.assertEqual(again, id4)  # the id lives in its log directory
            self.assertEqual(leader.execute_command("CLUSTER", "MEET", "127.0.0.1", port4), b"OK")
            self.assertTrue(leader.set("after-meet", "v"))
            deadline = time.time() + 20
            r4 = redis.Redis(port=port4, ssl=True, ssl_ca_certs=self.certs["ca.crt"], ssl_certfile=self.certs["client.crt"],
                             ssl_keyfile=self.certs["client.key"], socket_timeout=5)
            while time.time() < deadline:
                try:
                    if r4.execute_command("READONLY") and r4.get("after-meet") == b"v":
                        break
                except redis.RedisError:
                    pass
                time.sleep(0.2)
            self.assertEqual(r4.get("after-meet"), b"v", "the node admitted over TLS did not catch up")
            # Remove it again: the other tests observe the original three.
            leader = c.client(c.leader())
            leader.execute_command("CLUSTER", "FORGET", f"{id4:040x}")
        finally:
            n4.cleanup()
            shutil.rmtree(datadir, ignore_errors=True)

    def test_5_a_node_that_fell_behind_gets_a_snapshot_over_tls(self):
        """The leader compacts its log past what a stopped follower has: the follower can only
        catch up from a snapshot, streamed over the TLS peer connection."""
        c = self.c
        f = next(i for i in c.nodes if i != c.leader())
        behind = int(c.raft_info(f)["raft_last_index"])
        c.kill9(f)
        lead = c.leader()
        leader = c.client(lead)
        for chunk in range(5):
            pipe = leader.pipeline(transaction=False)
            for n in range(600):
                pipe.set(f"snap{chunk * 600 + n}", "x" * 1000)  # 3 MB: the log is compacted
            pipe.execute()
        deadline = time.time() + 30
        while time.time() < deadline and int(c.raft_info(lead)["raft_snapshot_index"]) <= behind:
            time.sleep(0.2)
        self.assertGreater(int(c.raft_info(lead)["raft_snapshot_index"]), behind, "the leader did not compact")
        c.restart(f)
        target = int(c.raft_info(lead)["raft_commit_index"])
        c.wait_applied(f, target, timeout=60)
        r = c.client(f)
        r.execute_command("READONLY")
        self.assertEqual(r.get("snap2999"), b"x" * 1000)
        self.assertEqual(r.get("snap0"), b"x" * 1000)
        self.assertNotIn("refused", c.nodes[f].log().split("raft node")[-1])

    def test_6_a_recorded_peer_session_replayed_on_a_new_connection_is_refused(self):
        """A member's real TLS session to a peer port, recorded byte for byte (client side), then
        replayed verbatim on a new connection: the node's fresh handshake randoms make it fail, with
        one refusal line; the recording itself was a working session."""
        c = self.c
        cid = cluster_id(c)
        target = c.leader()
        sender = next(i for i in c.nodes if i != target)
        port = c.ports[target] + 10000
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.load_verify_locations(self.certs["ca.crt"])
        ctx.load_cert_chain(self.certs[f"node{sender}.crt"], self.certs[f"node{sender}.key"])
        refusals = lambda: c.nodes[target].log().count("refused peer connection from")  # noqa: E731
        before = refusals()
        inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
        tls = ctx.wrap_bio(inc, out)
        recorded = b""
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            while True:
                try:
                    tls.do_handshake()
                    break
                except ssl.SSLWantReadError:
                    data = out.read()
                    recorded += data
                    sock.sendall(data)
                    inc.write(sock.recv(65536))
            tls.write(frame(cid, sender, b"hello", b""))
            data = out.read()
            recorded += data
            sock.sendall(data)
            time.sleep(1)
            self.assertEqual(refusals(), before, "the recorded session itself was refused")
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(recorded)
            sock.settimeout(5)
            try:
                while sock.recv(4096):
                    pass
            except ConnectionResetError:
                pass
        deadline = time.time() + 5
        while time.time() < deadline and refusals() == before:
            time.sleep(0.1)
        self.assertEqual(refusals(), before + 1)

    def test_9_control_a_certificate_naming_the_claimed_member_is_let_through(self):
        """With the certificate of the member it claims, the same forged vote moves the follower's
        term by 1000: the forgeries are real and TLS (not something else) refused them above."""
        c = self.c
        target, sender, frames = self.forgeries()[1]
        term = int(c.raft_info(target)["raft_term"])
        tls_deliver(c.ports[target] + 10000, self.certs[f"node{sender}.crt"], self.certs[f"node{sender}.key"], frames,
                    ca=self.certs["ca.crt"])
        deadline = time.time() + 5
        while time.time() < deadline and int(c.raft_info(target)["raft_term"]) < term + 1000:
            time.sleep(0.1)
        self.assertGreaterEqual(int(c.raft_info(target)["raft_term"]), term + 1000)


if __name__ == "__main__":
    unittest.main(verbosity=2)
