#include "server/migrate_client.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <memory>

namespace redraft::server {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Waits until fd is ready for events or the deadline passes.
bool WaitFd(int fd, short events, int64_t deadline) {
  for (;;) {
    int64_t left = deadline - NowMs();
    if (left <= 0) return false;
    pollfd p{fd, events, 0};
    int rc = poll(&p, 1, static_cast<int>(std::min<int64_t>(left, 1 << 30)));
    if (rc > 0) return true;
    if (rc == 0) return false;
    if (errno != EINTR) return false;
  }
}

int Connect(const std::string& host, const std::string& port, int64_t timeout_ms) {
  addrinfo hints{}, *res = nullptr;
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  if (getaddrinfo(host.c_str(), port.c_str(), &hints, &res) != 0) return -1;
  int fd = -1;
  int64_t deadline = NowMs() + timeout_ms;
  for (addrinfo* a = res; a != nullptr && fd < 0; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    int rc = connect(fd, a->ai_addr, a->ai_addrlen);
    // Like Redis's connBlockingConnect: the connection counts as made once the socket is
    // writable, even if the attempt failed (refused): the write then fails, and the reply
    // names the write, as Redis's does.
    if (rc != 0 && (errno != EINPROGRESS || !WaitFd(fd, POLLOUT, deadline))) {
      close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(res);
  if (fd >= 0) {
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  }
  return fd;
}

bool WriteAll(int fd, const std::string& data, int64_t timeout_ms) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n > 0) {
      off += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EINTR) return false;
    // Redis's syncWrite: the timeout bounds each wait for the socket to drain.
    if (!WaitFd(fd, POLLOUT, NowMs() + timeout_ms)) return false;
  }
  return true;
}

// One reply line (the target's replies to AUTH, SELECT and RESTORE are status or error lines).
class LineReader {
 public:
  explicit LineReader(int fd) : fd_(fd) {}
  bool Read(std::string* line, int64_t timeout_ms) {
    for (;;) {
      size_t nl = buf_.find("\r\n");
      if (nl != std::string::npos) {
        *line = buf_.substr(0, nl);
        buf_.erase(0, nl + 2);
        return true;
      }
      if (buf_.size() > (1 << 20)) return false;  // not a reply line
      if (!WaitFd(fd_, POLLIN, NowMs() + timeout_ms)) return false;
      char tmp[4096];
      ssize_t n = recv(fd_, tmp, sizeof(tmp), 0);
      if (n > 0) buf_.append(tmp, static_cast<size_t>(n));
      else if (n == 0 || (errno != EAGAIN && errno != EINTR)) return false;
    }
  }

 private:
  int fd_;
  std::string buf_;
};

struct Work {
  uv_work_t req;
  commands::MigrateRequest in;
  MigrateOutcome out;
  std::function<void(MigrateOutcome)> done;
};

void Converse(Work* w) {
  const auto& in = w->in;
  int fd = Connect(in.host, in.port, in.timeout_ms);
  if (fd < 0) {
    w->out.io_error = "IOERR error or timeout connecting to the client";
    return;
  }
  if (!WriteAll(fd, in.commands, in.timeout_ms)) {
    w->out.io_error = "IOERR error or timeout writing to target instance";
  } else {
    LineReader r(fd);
    size_t expected = (in.auth ? 1 : 0) + 1 + in.keys.size();
    for (size_t i = 0; i < expected; i++) {
      std::string line;
      if (!r.Read(&line, in.timeout_ms)) {
        w->out.io_error = "IOERR error or timeout reading to target instance";
        break;
      }
      w->out.replies.push_back(std::move(line));
    }
  }
  close(fd);
}

}  // namespace

void RunMigrate(uv_loop_t* loop, const commands::MigrateRequest& req, std::function<void(MigrateOutcome)> done) {
  auto* w = new Work{};
  w->req.data = w;
  w->in = req;
  w->done = std::move(done);
  int rc = uv_queue_work(
      loop, &w->req, [](uv_work_t* r) { Converse(static_cast<Work*>(r->data)); },
      [](uv_work_t* r, int) {
        std::unique_ptr<Work> w(static_cast<Work*>(r->data));
        w->done(std::move(w->out));
      });
  if (rc != 0) {
    std::unique_ptr<Work> owned(w);
    owned->out.io_error = "IOERR error or timeout connecting to the client";
    owned->done(std::move(owned->out));
  }
}

}  // namespace redraft::server
