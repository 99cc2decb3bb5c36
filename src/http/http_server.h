#pragma once

// The HTTP port (layer `http/`, library redraft_http; above server/, below main.cc).
//
// Owns: the HTTP/1.1 listener and connections on the node's own libuv loop (parsed by Debian's
// libhttp-parser), their limits (header bytes, body size, idle and slow-client timeouts, a cap
// on connections) and the routes: the REST API (/v1/..., rest.cc), /metrics (a text provider set
// by main) and the web console (static files embedded at build time, console/).
// Must not: touch the store, Raft or command internals. Every REST action is RESP commands run
// through an internal client session of the Server (Server::OpenInternalClient): the very path
// of a Redis client, so auth/ACL, linearizable reads, replicated writes and forwarding from a
// follower are the client port's. Never blocks the loop: all I/O is libuv callbacks.

#include <uv.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "common/status.h"

namespace redraft::server {
class Server;
}

namespace redraft::http {

struct HttpOptions {
  std::string bind = "127.0.0.1";
  int port = 0;                          // 0 = off
  size_t max_body = 64 * 1024 * 1024;    // http-max-body: larger bodies get 413
  size_t max_header_bytes = 16 * 1024;   // request line + headers: more gets 431
  int64_t header_timeout_ms = 10000;     // a request's head must arrive within this (slow clients: 408)
  int64_t body_idle_ms = 30000;          // no body bytes for this long: 408
  int64_t keepalive_ms = 60000;          // idle keep-alive connections are closed after this
  int64_t write_stall_ms = 30000;        // a client that reads nothing of a response for this long is dropped
  size_t max_connections = 1024;
  // HTTPS only (http-tls yes): each connection takes the Server's current TLS context
  // (Server::tls_context, the tls-* directives), so a certificate changed by CONFIG SET reaches new
  // HTTPS connections as it reaches the client TLS port's.
  bool tls = false;
  // Request bodies held at once by all connections together (reserved from Content-Length, or as
  // chunks arrive): beyond it a request gets 503 + Retry-After instead of more memory. 0 = 4 x max_body.
  size_t max_bodies_in_flight = 0;
  std::function<std::string()> metrics;  // the /metrics text (Prometheus exposition format)
};

struct Request {
  std::string method;
  std::string target;                           // as sent
  std::string path;                             // percent-decoded path
  std::vector<std::string> segments;            // path split on '/', each percent-decoded
  std::map<std::string, std::string> query;     // decoded
  std::map<std::string, std::string> headers;   // names lower-cased; repeated ones joined by ", "
  std::string body;
  const std::string* Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? nullptr : &it->second;
  }
  std::string Query(const std::string& k, const std::string& def = "") const {
    auto it = query.find(k);
    return it == query.end() ? def : it->second;
  }
};

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string content_type = "application/json";
  static Response Json(int status, const std::string& json_text);
  static Response Error(int status, const std::string& code, const std::string& message);
};

class HttpConn;
class Session;

class HttpServer {
 public:
  HttpServer(server::Server* server, HttpOptions opts);
  ~HttpServer();
  Status Start();  // binds and listens; call after Server::Init, before Server::Run

  server::Server* server() { return server_; }
  const HttpOptions& options() const { return opts_; }
  uv_loop_t* loop();

 private:
  friend class HttpConn;
  void OnAccept(int status);
  void Sweep();  // timeouts (once a second)
  // Routes one request (after auth; rest.cc). Calls done exactly once, unless the connection (and
  // with it the session) is gone.
  void Route(Session* s, Request& req, std::function<void(Response)> done);  // may move req.body

  server::Server* server_;
  HttpOptions opts_;
  uv_tcp_t listener_{};
  uv_timer_t sweep_{};
  bool started_ = false;
  std::unordered_set<HttpConn*> conns_;
  uint64_t requests_ = 0, rejected_ = 0;
  size_t bodies_in_flight_ = 0;  // see HttpOptions::max_bodies_in_flight
};

// Percent-decoding of a URL component ('+' is a space only in queries). False on a bad escape.
bool PercentDecode(std::string_view in, bool plus_is_space, std::string* out);
// Splits a request target into path segments and query parameters; false when malformed or when a
// segment is "." or ".." (path traversal: refused, never resolved).
bool ParseTarget(const std::string& target, Request* req);

}  // namespace redraft::http
