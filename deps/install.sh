#!/usr/bin/env bash
# Installs redraft's build and test dependencies from Debian's archive, and the Node.js clients the
# integration tests start (npm ci, versions pinned by tests/integration/node/package-lock.json).
# Idempotent and non-interactive: does nothing when everything is present. Needs root (or sudo) only
# to install Debian packages.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential cmake pkg-config          # toolchain
  libuv1-dev libhiredis-dev librocksdb-dev   # event loop, client library (tests), state machine
  libspdlog-dev libfmt-dev                   # logging
  libssl-dev openssl                         # TLS and the peer handshake (libssl, libcrypto); test certificates
  liblua5.1-0-dev lua-cjson-dev lua-bitop-dev # scripting: Redis's Lua 5.1 and its cjson/bit libraries
  libgtest-dev libgmock-dev libbenchmark-dev # unit tests and micro-benchmarks
  clang libclang-rt-14-dev                   # libFuzzer + sanitizer runtimes
  redis-server redis-tools                   # reference server, redis-cli, redis-benchmark
  python3 python3-redis                      # integration tests' client
  python3-django python3-django-redis        # a real application: Django's cache through django-redis
  python3-celery                             # a real application: Celery with redraft as broker and backend
  nodejs                                     # real Node.js clients (ioredis, node-redis); npm below
  procps iproute2                            # ps/kill/ss for tests and tools
  faketime                                   # libfaketime: clock-skew tests
  iptables util-linux                        # kernel partitions in the fault tests (iptables, setpriv)
  stress-ng                                  # CPU contention in the load/elections test
  libhttp-parser-dev nlohmann-json3-dev      # the HTTP port (metrics, REST, console): parser and JSON
  libjemalloc-dev                            # the server's malloc (src/CMakeLists.txt: why)
  prometheus chromium                        # tests: a real Prometheus scrape; the console in headless Chromium
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# npm: Debian's package unless an npm is already installed (NodeSource's nodejs ships its own npm
# and declares Provides/Conflicts: npm, so asking apt for npm there would fail).
command -v npm >/dev/null 2>&1 || missing+=(npm)

if [ ${#missing[@]} -gt 0 ]; then
  echo "deps/install.sh: installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  # policy-rc.d (if present) keeps the packaged redis-server service from starting; tests start their own.
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Node.js clients for tests/integration/test_node_clients.py: installed when node_modules is missing
# or older than the lock file (a version bump). --ignore-scripts: no package runs code at install.
NODE_DIR=tests/integration/node
if [ ! -d "$NODE_DIR/node_modules" ] || [ "$NODE_DIR/package-lock.json" -nt "$NODE_DIR/node_modules/.package-lock.json" ]; then
  echo "deps/install.sh: npm ci in $NODE_DIR" >&2
  npm ci --prefix "$NODE_DIR" --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null
fi
