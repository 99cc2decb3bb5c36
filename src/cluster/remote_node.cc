#include "cluster/remote_node.h"

#include <hiredis/hiredis.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>

#include "cluster/transport.h"

namespace redraft::cluster {
namespace {

constexpr int kTimeoutMs = 2000;

std::string SslErrors() {
  std::string out;
  for (unsigned long e; (e = ERR_get_error()) != 0;) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof(buf));
    out += (out.empty() ? "" : "; ") + std::string(buf);
  }
  return out.empty() ? "connection closed or timed out" : out;
}

// Connects with a deadline (non-blocking connect + poll), then makes the socket blocking with
// send/receive timeouts: every later step is bounded too.
int ConnectWithTimeout(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res) != 0 || res == nullptr) return -1;
  int fd = socket(res->ai_family, SOCK_STREAM, 0);
  if (fd >= 0) {
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    int r = connect(fd, res->ai_addr, res->ai_addrlen);
    if (r != 0 && errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      int err = 0;
      socklen_t len = sizeof(err);
      r = (poll(&p, 1, kTimeoutMs) == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0) ? 0 : -1;
    }
    if (r != 0) {
      close(fd);
      fd = -1;
    } else {
      fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
      timeval tv{kTimeoutMs / 1000, 0};
      setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
      setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    }
  }
  freeaddrinfo(res);
  return fd;
}


}  // namespace

RemoteNode::~RemoteNode() {
  if (ssl_ != nullptr) SSL_free(ssl_);
  if (fd_ >= 0) close(fd_);
}

Status RemoteNode::Connect(const std::string& host, int port, std::shared_ptr<tls::TlsContext> tls) {
  host_ = host;
  port_ = port;
  std::string where = host + ":" + std::to_string(port);
  fd_ = ConnectWithTimeout(host, port);
  if (fd_ < 0) return Status::IOError("can't connect to " + where);
  if (!tls) return Status::OK();
  tls_ = std::move(tls);
  ERR_clear_error();
  ssl_ = SSL_new(tls_->ctx());
  if (ssl_ == nullptr || SSL_set_fd(ssl_, fd_) != 1) return Status::IOError("TLS setup: " + SslErrors());
  if (SSL_connect(ssl_) != 1) {
    std::string why = SslErrors();
    long v = SSL_get_verify_result(ssl_);
    if (v != X509_V_OK) why += " (certificate: " + std::string(X509_verify_cert_error_string(v)) + ")";
    return Status::IOError("TLS with " + where + " failed: " + why);
  }
  cert_ids_ = MemberIdsInCertificate(tls::CertificateNames(ssl_));
  return Status::OK();
}

Status RemoteNode::WriteAll(const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t w = ssl_ ? SSL_write(ssl_, data.data() + off, static_cast<int>(data.size() - off))
                     : send(fd_, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (w <= 0) return Status::IOError("write to " + host_ + ":" + std::to_string(port_) + " failed");
    off += static_cast<size_t>(w);
  }
  return Status::OK();
}

Result<size_t> RemoteNode::ReadSome(char* buf, size_t n) {
  ssize_t r = ssl_ ? SSL_read(ssl_, buf, static_cast<int>(n)) : recv(fd_, buf, n, 0);
  if (r <= 0) return Status::IOError("no reply from " + host_ + ":" + std::to_string(port_) + " (closed or timed out)");
  return static_cast<size_t>(r);
}

Result<std::string> RemoteNode::Call(const std::vector<std::string>& args) {
  if (fd_ < 0) return Status::IOError("not connected");
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (const auto& a : args) argv.push_back(a.c_str()), lens.push_back(a.size());
  char* cmd = nullptr;
  int len = redisFormatCommandArgv(&cmd, static_cast<int>(argv.size()), argv.data(), lens.data());
  if (len < 0) return Status::InvalidArgument("cannot encode the command");
  std::string out(cmd, static_cast<size_t>(len));
  redisFreeCommand(cmd);
  REDRAFT_RETURN_IF_ERROR(WriteAll(out));
  std::unique_ptr<redisReader, void (*)(redisReader*)> reader(redisReaderCreate(), redisReaderFree);
  for (;;) {
    void* reply = nullptr;
    if (redisReaderGetReply(reader.get(), &reply) != REDIS_OK) return Status::IOError("bad reply from the node");
    if (reply != nullptr) {
      auto* r = static_cast<redisReply*>(reply);
      std::string s = r->type == REDIS_REPLY_INTEGER ? std::to_string(r->integer)
                      : r->str != nullptr            ? std::string(r->str, r->len)
                                                     : std::string();
      bool err = r->type == REDIS_REPLY_ERROR;
      freeReplyObject(r);
      if (err) return Status::Aborted(s);
      return s;
    }
    char buf[4096];
    auto n = ReadSome(buf, sizeof(buf));
    if (!n.ok()) return n.status();
    redisReaderFeed(reader.get(), buf, *n);
  }
}

}  // namespace redraft::cluster
