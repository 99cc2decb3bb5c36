"""Peer-port wire formats, built here from their documentation, for tests that speak to a node's
peer port as another process would: frames (cluster/frame.h), the authentication handshake
(cluster/peer_auth.h, docs/peer_protocol.md), Raft messages (raft/message.cc), forwarded writes and
log entries (commands/command.h)."""
import hashlib
import hmac
import os
import socket
import struct


def crc32c(data, crc=0):
    crc ^= 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 & -(crc & 1))
    return crc ^ 0xFFFFFFFF


def mask(crc):
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def varint(v):
    out = bytearray()
    while v >= 0x80:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


def lp(b):
    return varint(len(b)) + b


def bulk(b):
    return b"$%d\r\n%s\r\n" % (len(b), b)


def frame(cluster_id, sender, typ, payload):
    """cluster/frame.h: *7 of magic, version, cluster id, from, type, payload, masked crc hex.
    The CRC covers elements 2..6; a bitwise CRC is slow, so it runs over small payloads only."""
    elems = [b"1", cluster_id, str(sender).encode(), typ, payload]
    crc = b"%08x" % mask(crc32c(b"".join(elems)))
    return b"*7\r\n" + bulk(b"RDRAFT") + b"".join(bulk(e) for e in elems) + bulk(crc)


def read_frame(sock):
    """Reads one frame; returns (from, type, payload) or None if the connection closed first."""
    buf = b""

    def need(n):
        nonlocal buf
        while len(buf) < n:
            chunk = sock.recv(65536)
            if not chunk:
                raise EOFError
            buf += chunk

    def line():
        nonlocal buf
        while b"\r\n" not in buf:
            need(len(buf) + 1)
        head, _, buf = buf.partition(b"\r\n")
        return head

    try:
        if line() != b"*7":
            return None
        elems = []
        for _ in range(7):
            n = int(line()[1:])
            need(n + 2)
            elems.append(buf[:n])
            buf = buf[n + 2:]
        return int(elems[3]), elems[4], elems[5]
    except (EOFError, OSError):
        return None


def log_entry(*argv, now_ms=0):
    """commands/command.h: varint now_ms, varint argc, argc length-prefixed strings."""
    return varint(now_ms) + varint(len(argv)) + b"".join(lp(a) for a in argv)


def fwd(req, data, term, proto=2):
    """cluster/raft_replicator_writes.cc: a forwarded write for the leader of `term`."""
    return varint(req) + varint(proto) + varint(term) + lp(data)


RAFT_APP, RAFT_VOTE, RAFT_PREVOTE, RAFT_HEARTBEAT, RAFT_SNAPSHOT, RAFT_TIMEOUT_NOW = 0, 2, 4, 6, 8, 9


def raft_message(typ, sender, to, term, log_term=0, index=0, commit=0, context=b"", entries=(), group=1):
    """raft/message.cc: version 1, type, varints group from to term log_term index commit, flags,
    reject_hint, context, entries (term, index, type, data)."""
    out = bytes([1, typ])
    for v in (group, sender, to, term, log_term, index, commit):
        out += varint(v)
    out += bytes([0]) + varint(0) + lp(context) + varint(len(entries))
    for (t, i, data) in entries:
        out += varint(t) + varint(i) + bytes([0]) + lp(data)
    return out


def raft_snapshot(group, sender, to, term, index, voters, data):
    """raft/message.cc: a MsgSnap (flags 2 = has snapshot) carrying the snapshot."""
    out = bytes([1, RAFT_SNAPSHOT])
    for v in (group, sender, to, term, 0, index, 0):
        out += varint(v)
    out += bytes([2]) + varint(0) + lp(b"") + varint(0)
    out += varint(index) + varint(term) + varint(len(voters)) + b"".join(varint(v) for v in voters)
    out += varint(0) + lp(data)
    return out


def _mac(secret, label, cluster_id, sender, to, nonce_d, nonce_a):
    t = label + struct.pack("<I", len(cluster_id)) + cluster_id + struct.pack("<QQ", sender, to) + nonce_d + nonce_a
    return hmac.new(secret, t, hashlib.sha256).digest()


def connect(port, cluster_id, sender, to, secret=None, timeout=5, check_acceptor=True):
    """A connection to a peer port speaking as `sender`. With a secret, runs the handshake
    (checking the acceptor's MAC unless told not to: a forger with a guessed secret goes on
    regardless) and returns the socket; without one, returns the bare socket (what a process that
    does not know the secret can do)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    if secret is None:
        return s
    secret = secret.encode() if isinstance(secret, str) else secret
    nonce_d = os.urandom(32)
    s.sendall(frame(cluster_id, sender, b"hello", struct.pack("<Q", to) + nonce_d))
    got = read_frame(s)
    if got is None or got[1] != b"auth-challenge" or len(got[2]) != 64:
        s.close()
        raise ConnectionError(f"no challenge from the node: {got!r}")
    nonce_a, mac_a = got[2][:32], got[2][32:]
    if check_acceptor and not hmac.compare_digest(mac_a, _mac(secret, b"redraft-peer-a", cluster_id, sender, to,
                                                               nonce_d, nonce_a)):
        s.close()
        raise ConnectionError("the node's challenge does not verify")
    s.sendall(frame(cluster_id, sender, b"auth-proof", _mac(secret, b"redraft-peer-d", cluster_id, sender, to, nonce_d, nonce_a)))
    return s
