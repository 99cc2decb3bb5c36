#!/usr/bin/env bash
# Installs redraft's build and test dependencies from Debian's archive. Idempotent and
# non-interactive: does nothing when everything is present. Needs root (or sudo) only to install.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config          # toolchain
  libuv1-dev libhiredis-dev librocksdb-dev   # event loop, client library (tests), state machine
  libspdlog-dev libfmt-dev                   # logging
  libssl-dev openssl                         # TLS and the peer handshake (libssl, libcrypto); test certificates
  libgtest-dev libgmock-dev libbenchmark-dev # unit tests and micro-benchmarks
  clang libclang-rt-14-dev                   # libFuzzer + sanitizer runtimes
  redis-server redis-tools                   # reference server, redis-cli, redis-benchmark
  python3 python3-redis                      # integration tests' client
  procps iproute2                            # ps/kill/ss for tests and tools
  faketime                                   # libfaketime: clock-skew tests
  iptables util-linux                        # kernel partitions in the fault tests (iptables, setpriv)
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps/install.sh: installing ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# policy-rc.d (if present) keeps the packaged redis-server service from starting; tests start their own.
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
