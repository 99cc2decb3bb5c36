#!/usr/bin/env python3
"""Differential test of resp::RequestParser against a real redis-server.

Generates random request streams (inline lines with quotes, escapes and odd whitespace; multibulk
commands with binary arguments, unchecked trailers, and malformed headers), sends each one to a
redis-server it starts on a free loopback port, and compares what redis-server's MONITOR shows
(and the protocol error it replies, if any) with what resp_parse_dump prints for the same bytes.

Usage: redis_differential.py PATH/TO/resp_parse_dump [--seed N] [--trials N]
Exits 1 on the first mismatches (printed with the input); 0 otherwise.
"""
import argparse
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time

SENTINEL = b'*2\r\n$4\r\nECHO\r\n$8\r\nSENTINEL\r\n'
ALPHA = ['a', 'b', 'c', ' ', 'd', ' ', 'e'] * 4 + [
    'a', 'b', '\\', 'x', '4', 'F', 'n', '"', "'", ' ', '\t', '\v', '\f', '\r', 'z', '\\x', '\\"', "\\'"]
BAD_TAILS = [b'*x\r\n', b'*1\r\n$-1\r\n', b'*1\r\nQ\r\n', b'*01\r\n', b'*1\r\n$ 1\r\n', b'*1\r\n\r\n']


def gen(rng):
    """A stream of complete commands (EXISTS has arity -2, so MONITOR shows every one with a key)."""
    parts = []
    for _ in range(rng.randint(1, 6)):
        if rng.random() < 0.55:
            body = ''.join(rng.choice(ALPHA) for _ in range(rng.randint(0, 14)))
            parts.append(('EXISTS ' + body + rng.choice(['\n', '\r\n'])).encode('latin1'))
        elif rng.random() < 0.9:
            args = [b'EXISTS'] + [bytes(rng.choice(b'ab\r\n\x00"\\*$') for _ in range(rng.randint(0, 5)))
                                  for _ in range(rng.randint(1, 3))]
            s = b'*%d\r\n' % len(args)
            for a in args:
                s += b'$%d\r\n' % len(a) + a + rng.choice([b'\r\n', b'\r\n', b'XY'])
            parts.append(s)
        else:
            parts.append(rng.choice(BAD_TAILS))
    return b''.join(parts)


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('dump')
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--trials', type=int, default=1000)
    opts = ap.parse_args()

    port = free_port()
    workdir = tempfile.mkdtemp(prefix='resp-diff-')
    server = subprocess.Popen(['redis-server', '--port', str(port), '--bind', '127.0.0.1', '--save', '',
                               '--appendonly', 'no', '--dir', workdir],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(('127.0.0.1', port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        mon = socket.create_connection(('127.0.0.1', port), timeout=5)
        mon.sendall(b'MONITOR\r\n')
        mf = mon.makefile('rb')
        assert mf.readline() == b'+OK\r\n'
        ctl = socket.create_connection(('127.0.0.1', port), timeout=5)
        cf = ctl.makefile('rb')

        rng = random.Random(opts.seed)
        bad = ncmd = nerr = 0
        for trial in range(opts.trials):
            data = gen(rng)
            c = socket.create_connection(('127.0.0.1', port), timeout=5)
            c.sendall(data + SENTINEL)
            got = b''
            while not got.endswith(b'$8\r\nSENTINEL\r\n'):
                b = c.recv(65536)
                if not b:
                    break  # closed after a protocol error
                got += b
            c.close()
            ctl.sendall(b'ECHO MARK%d\r\n' % trial)
            cf.readline()
            cf.readline()
            redis_cmds = []
            while True:
                args = mf.readline().decode('latin1').rstrip('\r\n').split('] ', 1)[1]
                if args == '"ECHO" "MARK%d"' % trial:
                    break
                if args != '"ECHO" "SENTINEL"':
                    redis_cmds.append(args)
            redis_err = None
            for line in got.split(b'\r\n'):
                if line.startswith(b'-ERR Protocol error'):
                    redis_err = line[5:].decode('latin1')

            out = subprocess.run([opts.dump], input=data + SENTINEL, capture_output=True, check=True).stdout
            ours, our_err = [], None
            for line in out.decode('latin1').splitlines():
                if line.startswith('ERR '):
                    our_err = line[4:]
                elif line != '"ECHO" "SENTINEL"' and line != '"EXISTS"':  # bare EXISTS: arity error
                    ours.append(line)
            ncmd += len(ours)
            nerr += our_err is not None
            if ours != redis_cmds or our_err != redis_err:
                bad += 1
                print('MISMATCH input=%r\n  redis: %r %r\n  ours:  %r %r' % (data, redis_cmds, redis_err, ours, our_err))
                if bad >= 5:
                    break
        print('trials %d, commands compared %d, protocol errors compared %d, mismatches %d'
              % (trial + 1, ncmd, nerr, bad))
        return 1 if bad else 0
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=10)


if __name__ == '__main__':
    sys.exit(main())
