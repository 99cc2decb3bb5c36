#include "http/http_server.h"

#include <http_parser.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "http/base64.h"
#include "http/session.h"
#include "server/server.h"
#include "tls/tls.h"

namespace redraft::http {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

const char* StatusText(int s) {
  switch (s) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 417: return "Expectation Failed";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Unknown";
  }
}

constexpr size_t kReadChunk = 64 * 1024;

}  // namespace

Response Response::Json(int status, const std::string& json_text) {
  Response r;
  r.status = status;
  r.body = json_text;
  r.body += '\n';
  return r;
}

Response Response::Error(int status, const std::string& code, const std::string& message) {
  nlohmann::json j = {{"error", {{"status", status}, {"code", code}, {"message", message}}}};
  return Json(status, j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

bool PercentDecode(std::string_view in, bool plus_is_space, std::string* out) {
  out->clear();
  out->reserve(in.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < in.size(); i++) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return false;
      int h = hex(in[i + 1]), l = hex(in[i + 2]);
      if (h < 0 || l < 0) return false;
      out->push_back(static_cast<char>(h * 16 + l));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out->push_back(' ');
    } else {
      out->push_back(c);
    }
  }
  return true;
}

bool ParseTarget(const std::string& target, Request* req) {
  if (target.empty() || target[0] != '/') return false;  // origin-form only
  size_t q = target.find('?');
  std::string_view raw_path = std::string_view(target).substr(0, q);
  if (raw_path.find('#') != std::string_view::npos) return false;
  if (!PercentDecode(raw_path, false, &req->path)) return false;
  req->segments.clear();
  size_t pos = 1;
  while (pos <= raw_path.size()) {
    size_t slash = raw_path.find('/', pos);
    if (slash == std::string_view::npos) slash = raw_path.size();
    std::string seg;
    if (!PercentDecode(raw_path.substr(pos, slash - pos), false, &seg)) return false;
    // Path traversal, also when encoded (%2e%2e) or with a backslash: refused, never resolved.
    if (seg == "." || seg == ".." || (raw_path.substr(pos, slash - pos).find('\\') != std::string_view::npos &&
                                      req->path.find("..") != std::string::npos)) {
      return false;
    }
    if (!(slash == raw_path.size() && seg.empty() && !req->segments.empty())) req->segments.push_back(std::move(seg));
    pos = slash + 1;
  }
  if (!req->segments.empty() && req->segments.back().empty() && req->segments.size() == 1) req->segments.clear();
  req->query.clear();
  if (q != std::string::npos) {
    std::string_view qs = std::string_view(target).substr(q + 1);
    size_t p = 0;
    while (p <= qs.size()) {
      size_t amp = qs.find('&', p);
      if (amp == std::string_view::npos) amp = qs.size();
      std::string_view kv = qs.substr(p, amp - p);
      if (!kv.empty()) {
        size_t eq = kv.find('=');
        std::string k, v;
        if (!PercentDecode(kv.substr(0, eq), true, &k)) return false;
        if (eq != std::string_view::npos && !PercentDecode(kv.substr(eq + 1), true, &v)) return false;
        req->query[k] = v;
      }
      p = amp + 1;
    }
  }
  return true;
}

// One HTTP connection. Requests are parsed as bytes arrive; complete ones queue and are served
// one at a time (reading stops while a request waits, so at most one read chunk of pipelined
// input is held beyond the request being served). Freed once all its handles are closed.
class HttpConn {
 public:
  explicit HttpConn(HttpServer* s) : srv_(s) {
    http_parser_init(&parser_, HTTP_REQUEST);
    parser_.data = this;
    http_parser_settings_init(&settings_);
    settings_.on_message_begin = [](http_parser* p) { return Self(p)->OnBegin(); };
    settings_.on_url = [](http_parser* p, const char* a, size_t n) { return Self(p)->OnUrl(a, n); };
    settings_.on_header_field = [](http_parser* p, const char* a, size_t n) { return Self(p)->OnField(a, n); };
    settings_.on_header_value = [](http_parser* p, const char* a, size_t n) { return Self(p)->OnValue(a, n); };
    settings_.on_headers_complete = [](http_parser* p) { return Self(p)->OnHeadersDone(); };
    settings_.on_body = [](http_parser* p, const char* a, size_t n) { return Self(p)->OnBody(a, n); };
    settings_.on_message_complete = [](http_parser* p) { return Self(p)->OnComplete(); };
  }

  uv_tcp_t tcp{};
  std::string peer;
  std::unique_ptr<tls::TlsConn> tls;  // set on an HTTPS port: every socket byte goes through it

  void Start() {
    last_activity_ms_ = NowMs();
    session_ = std::make_unique<Session>(srv_->server(), srv_->loop(), "http:" + peer);
    StartReading();
  }

  void Close() {
    if (closing_) return;
    closing_ = true;
    srv_->conns_.erase(this);
    Release();
    session_.reset();  // ends the internal client: no callbacks into this connection after this
    // At exit Server::Run closes every handle itself (without a callback): then this one is
    // already closing and the connection is left to the process's end.
    if (uv_is_closing(reinterpret_cast<uv_handle_t*>(&tcp))) return;
    uv_close(reinterpret_cast<uv_handle_t*>(&tcp), [](uv_handle_t* h) { delete static_cast<HttpConn*>(h->data); });
  }

  // Timeouts, checked once a second by the server's sweep.
  void Sweep(int64_t now) {
    if (closing_) return;
    const HttpOptions& o = srv_->options();
    if (lingering_) {
      if (now - linger_since_ms_ > kLingerMs) Close();
      return;
    }
    if (writing_ && now - last_write_progress_ms_ > o.write_stall_ms) return Close();
    if (serving_ || writing_) return;
    if (in_message_) {
      if (!headers_done_ && now - message_start_ms_ > o.header_timeout_ms) {
        return Fail(408, "request_timeout", "the request head did not arrive in time");
      }
      if (headers_done_ && now - last_activity_ms_ > o.body_idle_ms) {
        return Fail(408, "request_timeout", "the request body stalled");
      }
      return;
    }
    if (now - last_activity_ms_ > o.keepalive_ms) Close();
  }

 private:
  static HttpConn* Self(http_parser* p) { return static_cast<HttpConn*>(p->data); }

  void StartReading() {
    if (reading_ || closing_) return;
    reading_ = true;
    uv_read_start(reinterpret_cast<uv_stream_t*>(&tcp),
                  [](uv_handle_t*, size_t, uv_buf_t* buf) {
                    static char chunk[kReadChunk];  // the loop is single-threaded; OnRead copies out
                    *buf = uv_buf_init(chunk, sizeof(chunk));
                  },
                  [](uv_stream_t* s, ssize_t n, const uv_buf_t* buf) {
                    static_cast<HttpConn*>(s->data)->OnRead(n, buf);
                  });
  }
  void StopReading() {
    if (!reading_) return;
    reading_ = false;
    uv_read_stop(reinterpret_cast<uv_stream_t*>(&tcp));
  }

  void OnRead(ssize_t n, const uv_buf_t* buf) {
    if (n < 0) return Close();
    if (n == 0 || closing_ || failed_) return;
    last_activity_ms_ = NowMs();
    if (tls) {
      // Ciphertext in, plaintext to the parser; handshake records go straight back. A failed
      // handshake (plain HTTP on the HTTPS port, an unknown client certificate) closes the
      // connection with one log line, as the client TLS port does.
      Status st = tls->Feed(buf->base, static_cast<size_t>(n), &pending_input_);
      if (tls->HasCiphertext()) WriteRaw(tls->TakeCiphertext());
      if (!st.ok()) {
        spdlog::info("HTTPS: refused TLS from {}: {}", peer, st.message());
        close_after_write_ = true;
        failed_ = true;  // nothing more is read or served on this connection
        StopReading();
        if (!writing_) Close();
        return;
      }
      if (!tls->handshake_done()) return;
    } else {
      pending_input_.append(buf->base, static_cast<size_t>(n));
    }
    ParseInput();
  }

  // Feeds held input to the parser while no request waits to be served.
  void ParseInput() {
    while (!pending_input_.empty() && !closing_ && !failed_ && ready_.empty()) {
      size_t used = http_parser_execute(&parser_, &settings_, pending_input_.data(), pending_input_.size());
      http_errno err = HTTP_PARSER_ERRNO(&parser_);
      if (err == HPE_PAUSED) {
        http_parser_pause(&parser_, 0);
        pending_input_.erase(0, used);
        continue;  // ready_ holds the request: the loop ends
      }
      pending_input_.erase(0, used);
      if (err != HPE_OK) {
        if (limit_status_ != 0) return Fail(limit_status_, limit_code_, limit_message_);
        return Fail(400, "bad_request", std::string("malformed HTTP request: ") + http_errno_description(err));
      }
    }
    if (!ready_.empty()) {
      StopReading();
      ServeNext();
    } else if (!writing_ && !serving_) {
      StartReading();
    }
  }

  // --- parser callbacks (return non-zero to stop the parser with an error) ---
  int OnBegin() {
    in_message_ = true;
    headers_done_ = false;
    message_start_ms_ = NowMs();
    head_bytes_ = 0;
    cur_ = Request();
    field_.clear();
    value_.clear();
    last_was_value_ = false;
    return 0;
  }
  bool CountHead(size_t n) {
    head_bytes_ += n;
    if (head_bytes_ > srv_->options().max_header_bytes) {
      SetLimit(431, "headers_too_large", "the request line and headers exceed " +
                                             std::to_string(srv_->options().max_header_bytes) + " bytes");
      return false;
    }
    return true;
  }
  int OnUrl(const char* a, size_t n) {
    if (!CountHead(n)) return 1;
    cur_.target.append(a, n);
    return 0;
  }
  void EndHeader() {
    if (field_.empty()) return;
    std::transform(field_.begin(), field_.end(), field_.begin(), [](unsigned char c) { return std::tolower(c); });
    auto [it, fresh] = cur_.headers.emplace(field_, value_);
    if (!fresh) it->second += ", " + value_;
    field_.clear();
    value_.clear();
  }
  int OnField(const char* a, size_t n) {
    if (!CountHead(n)) return 1;
    if (last_was_value_) EndHeader();
    last_was_value_ = false;
    field_.append(a, n);
    return 0;
  }
  int OnValue(const char* a, size_t n) {
    if (!CountHead(n)) return 1;
    last_was_value_ = true;
    value_.append(a, n);
    return 0;
  }
  // Returns 0 to go on, -1 to stop with the limit error set (1 would tell the parser "no body").
  int OnHeadersDone() {
    if (limit_status_ != 0) return -1;
    EndHeader();
    headers_done_ = true;
    last_activity_ms_ = NowMs();
    cur_.method = http_method_str(static_cast<http_method>(parser_.method));
    keep_alive_ = http_should_keep_alive(&parser_) != 0;
    const HttpOptions& o = srv_->options();
    bool has_length = (parser_.flags & F_CONTENTLENGTH) != 0;
    if (has_length && parser_.content_length > o.max_body) {
      SetLimit(413, "body_too_large", "the body exceeds http-max-body (" + std::to_string(o.max_body) + " bytes)");
      return -1;  // an error (1 would mean "no body"): answered at once, 100-continue clients send nothing
    }
    if (has_length && !Reserve(parser_.content_length)) return -1;
    if (has_length && parser_.content_length > 0) cur_.body.reserve(parser_.content_length);
    if (const std::string* e = cur_.Header("expect")) {
      std::string v = *e;
      std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::tolower(c); });
      if (v == "100-continue") Write("HTTP/1.1 100 Continue\r\n\r\n");
      else {
        SetLimit(417, "expectation_failed", "unsupported Expect header");
        return -1;
      }
    }
    return 0;
  }
  int OnBody(const char* a, size_t n) {
    if (cur_.body.size() + n > srv_->options().max_body) {  // chunked bodies are counted as they come
      SetLimit(413, "body_too_large",
               "the body exceeds http-max-body (" + std::to_string(srv_->options().max_body) + " bytes)");
      return 1;
    }
    if (cur_.body.size() + n > reserved_ && !Reserve(cur_.body.size() + n - reserved_)) return 1;  // chunked
    cur_.body.append(a, n);
    return 0;
  }
  // Memory bound across connections (HttpOptions::max_bodies_in_flight).
  bool Reserve(size_t n) {
    size_t cap = srv_->options().max_bodies_in_flight ? srv_->options().max_bodies_in_flight
                                                      : 4 * srv_->options().max_body;
    if (srv_->bodies_in_flight_ + n > cap) {
      SetLimit(503, "busy", "too many request bodies in flight; retry");
      return false;
    }
    srv_->bodies_in_flight_ += n;
    reserved_ += n;
    return true;
  }
  void Release() {
    srv_->bodies_in_flight_ -= reserved_;
    reserved_ = 0;
  }
  int OnComplete() {
    in_message_ = false;
    cur_.headers.emplace(":keep-alive", keep_alive_ ? "1" : "0");
    ready_.push_back(std::move(cur_));
    cur_ = Request();
    http_parser_pause(&parser_, 1);  // one request at a time
    return 0;
  }
  void SetLimit(int status, std::string code, std::string message) {
    limit_status_ = status;
    limit_code_ = std::move(code);
    limit_message_ = std::move(message);
  }

  // An error that ends the connection: the response, then close once written.
  void Fail(int status, const std::string& code, const std::string& message) {
    failed_ = true;
    StopReading();
    Response r = Response::Error(status, code, message);
    if (status == 503) r.headers.emplace_back("Retry-After", "1");
    SendResponse(r, /*keep_alive=*/false, /*head=*/false);
  }

  void ServeNext() {
    if (serving_ || writing_ || ready_.empty() || closing_) return;
    serving_ = true;
    current_ = std::move(ready_.front());
    ready_.pop_front();
    srv_->requests_++;
    bool keep = current_.headers[":keep-alive"] == "1";
    bool head = current_.method == "HEAD";
    if (!ParseTarget(current_.target, &current_)) {
      serving_ = false;
      return SendResponse(Response::Error(400, "bad_target", "malformed or refused request target (path traversal?)"),
                          keep, head);
    }
    if (!SameOriginOrNone(current_)) {
      serving_ = false;
      return SendResponse(Response::Error(403, "cross_origin", "a cross-origin request may not change anything"),
                          keep, head);
    }
    Authenticate([this, keep, head](bool ok, std::string why) {
      if (!ok) {
        Response r = Response::Error(401, "unauthorized", why);
        r.headers.emplace_back("WWW-Authenticate", "Basic realm=\"redraft\", charset=\"UTF-8\"");
        serving_ = false;
        return SendResponse(r, keep, head);
      }
      srv_->Route(session_.get(), current_, [this, keep, head](Response r) {
        serving_ = false;
        current_.body.clear();
        current_.body.shrink_to_fit();
        Release();
        SendResponse(r, keep, head);
      });
    });
  }

  // Cross-site request forgery: a page elsewhere can make a browser POST here (a "simple"
  // request needs no CORS preflight) with the browser's cached credentials, or with none on a node
  // without a password. Browsers always send Origin with such requests: anything but GET/HEAD
  // must come from this very origin (http://<Host>) or carry no Origin at all (curl, scripts).
  static bool SameOriginOrNone(const Request& r) {
    if (r.method == "GET" || r.method == "HEAD") return true;
    const std::string* origin = r.Header("origin");
    if (!origin) return true;
    const std::string* host = r.Header("host");
    return host && *origin == "http://" + *host;
  }

  // HTTP Basic credentials become AUTH on the session (the client port's users and ACL rules);
  // a session that needs no password passes without them.
  void Authenticate(std::function<void(bool, std::string)> then) {
    const std::string* h = current_.Header("authorization");
    std::string creds;
    if (h && h->size() > 6 && strncasecmp(h->c_str(), "Basic ", 6) == 0) {
      if (!Base64Decode(std::string_view(*h).substr(6), &creds) || creds.find(':') == std::string::npos) {
        return then(false, "malformed Basic credentials");
      }
    }
    if (creds.empty() || creds == session_->authed_as) {
      if (session_->Authenticated()) return then(true, "");
      return then(false, "authentication required (HTTP Basic: user and password of the client port)");
    }
    size_t colon = creds.find(':');
    std::string user = creds.substr(0, colon), pass = creds.substr(colon + 1);
    std::vector<std::string> auth = user.empty() ? std::vector<std::string>{"AUTH", pass}
                                                 : std::vector<std::string>{"AUTH", user, pass};
    session_->Run({auth}, [this, creds, then](std::vector<RespReply>&& r) {
      if (r.size() == 1 && r[0].ok()) {
        session_->authed_as = creds;
        return then(true, "");
      }
      then(false, r.empty() ? "authentication failed" : r[0].str);
    });
  }

  void SendResponse(const Response& r, bool keep_alive, bool head) {
    if (closing_) return;
    std::string out = "HTTP/1.1 " + std::to_string(r.status) + " " + StatusText(r.status) + "\r\n";
    if (r.status != 204 && r.status != 304) {  // neither carries a body (RFC 9110)
      out += "Content-Type: " + r.content_type + "\r\n";
      out += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
    }
    for (const auto& [k, v] : r.headers) out += k + ": " + v + "\r\n";
    out += "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n";
    out += keep_alive ? "Connection: keep-alive\r\n" : "Connection: close\r\n";
    out += "\r\n";
    if (!head) out += r.body;
    close_after_write_ = !keep_alive;
    Write(std::move(out));
  }

  // Response bytes: encrypted first on an HTTPS connection.
  void Write(std::string bytes) {
    if (closing_) return;
    if (tls) {
      if (Status st = tls->Write(bytes); !st.ok()) {
        spdlog::info("HTTPS: closing {}: {}", peer, st.message());
        return Close();
      }
      bytes = tls->TakeCiphertext();
    }
    WriteRaw(std::move(bytes));
  }

  void WriteRaw(std::string bytes) {
    if (closing_ || bytes.empty()) return;
    auto* w = new WriteReq;
    w->conn = this;
    w->bytes = std::move(bytes);
    w->req.data = w;
    uv_buf_t b = uv_buf_init(w->bytes.data(), static_cast<unsigned>(w->bytes.size()));
    writes_in_flight_++;
    writing_ = true;
    last_write_progress_ms_ = NowMs();
    int rc = uv_write(&w->req, reinterpret_cast<uv_stream_t*>(&tcp), &b, 1, [](uv_write_t* req, int status) {
      auto* w = static_cast<WriteReq*>(req->data);
      HttpConn* c = w->conn;
      delete w;
      c->OnWritten(status);
    });
    if (rc != 0) {
      delete w;
      writes_in_flight_--;
      Close();
    }
  }
  // Closing a socket whose receive buffer still holds unread bytes (the rest of an oversized
  // request, pipelined requests after a Connection: close) makes the kernel send RST, and a
  // client that gets the RST before it has read the response loses the response (it sees
  // ECONNRESET instead of a 431). So, as the RESP port does: send FIN, discard what still
  // arrives, and close at the client's EOF or after kLingerMs.
  static constexpr int64_t kLingerMs = 2000;
  void LingerClose() {
    if (lingering_ || closing_) return;
    lingering_ = true;
    failed_ = true;  // OnRead discards everything from here on
    linger_since_ms_ = NowMs();
    if (uv_shutdown(&shutdown_req_, reinterpret_cast<uv_stream_t*>(&tcp), [](uv_shutdown_t*, int) {}) != 0) {
      return Close();
    }
    StartReading();
  }

  struct WriteReq {
    uv_write_t req;
    HttpConn* conn;
    std::string bytes;
  };

  void OnWritten(int status) {
    writes_in_flight_--;
    last_write_progress_ms_ = NowMs();
    if (closing_) return;  // the close callback frees the connection after the write callbacks
    if (status < 0) return Close();
    if (writes_in_flight_ > 0) return;
    writing_ = false;
    if (serving_) return;  // a 100 Continue went out while the request was still arriving
    if (close_after_write_ || failed_) return LingerClose();
    last_activity_ms_ = NowMs();
    if (!ready_.empty()) return ServeNext();
    ParseInput();
  }

  HttpServer* srv_;
  http_parser parser_{};
  http_parser_settings settings_{};
  std::unique_ptr<Session> session_;
  std::string pending_input_;
  Request cur_, current_;
  std::deque<Request> ready_;
  std::string field_, value_;
  bool last_was_value_ = false;
  size_t head_bytes_ = 0;
  bool in_message_ = false, headers_done_ = false, keep_alive_ = true;
  bool reading_ = false, serving_ = false, writing_ = false, closing_ = false, failed_ = false;
  bool close_after_write_ = false;
  bool lingering_ = false;
  int64_t linger_since_ms_ = 0;
  uv_shutdown_t shutdown_req_{};  // pending until the close callback at the latest
  int writes_in_flight_ = 0;
  size_t reserved_ = 0;  // this connection's share of HttpServer::bodies_in_flight_
  int limit_status_ = 0;
  std::string limit_code_, limit_message_;
  int64_t last_activity_ms_ = 0, message_start_ms_ = 0, last_write_progress_ms_ = 0;
};

HttpServer::HttpServer(server::Server* server, HttpOptions opts) : server_(server), opts_(std::move(opts)) {}

HttpServer::~HttpServer() = default;  // the loop closes every handle at exit (Server::Run)

uv_loop_t* HttpServer::loop() { return server_->loop(); }

Status HttpServer::Start() {
  if (opts_.port == 0) return Status::OK();
  if (opts_.tls && !server_->tls_context()) {
    return Status::InvalidArgument("http-tls yes needs tls-cert-file and tls-key-file");
  }
  uv_tcp_init(loop(), &listener_);
  listener_.data = this;
  sockaddr_storage addr{};
  if (uv_ip4_addr(opts_.bind.c_str(), opts_.port, reinterpret_cast<sockaddr_in*>(&addr)) != 0 &&
      uv_ip6_addr(opts_.bind.c_str(), opts_.port, reinterpret_cast<sockaddr_in6*>(&addr)) != 0) {
    return Status::InvalidArgument("bad http-bind address '" + opts_.bind + "'");
  }
  int rc = uv_tcp_bind(&listener_, reinterpret_cast<sockaddr*>(&addr), 0);
  if (rc == 0) {
    rc = uv_listen(reinterpret_cast<uv_stream_t*>(&listener_), 511,
                   [](uv_stream_t* s, int status) { static_cast<HttpServer*>(s->data)->OnAccept(status); });
  }
  if (rc != 0) {
    return Status::IOError("Could not create HTTP listening socket " + opts_.bind + ":" + std::to_string(opts_.port) +
                           ": " + uv_strerror(rc));
  }
  uv_timer_init(loop(), &sweep_);
  sweep_.data = this;
  uv_timer_start(&sweep_, [](uv_timer_t* t) { static_cast<HttpServer*>(t->data)->Sweep(); }, 1000, 1000);
  uv_unref(reinterpret_cast<uv_handle_t*>(&sweep_));
  started_ = true;
  spdlog::info("HTTP (REST API, /metrics, console) on {}://{}:{}/", opts_.tls ? "https" : "http", opts_.bind,
               opts_.port);
  return Status::OK();
}

void HttpServer::OnAccept(int status) {
  if (status < 0) return;
  auto* c = new HttpConn(this);
  uv_tcp_init(loop(), &c->tcp);
  c->tcp.data = c;
  if (uv_accept(reinterpret_cast<uv_stream_t*>(&listener_), reinterpret_cast<uv_stream_t*>(&c->tcp)) != 0) {
    uv_close(reinterpret_cast<uv_handle_t*>(&c->tcp), [](uv_handle_t* h) { delete static_cast<HttpConn*>(h->data); });
    return;
  }
  if (opts_.tls) {
    std::shared_ptr<tls::TlsContext> ctx = server_->tls_context();
    if (!ctx) {  // cannot happen once Start succeeded (Server::UsesTls loads it); refuse, never serve plain
      uv_close(reinterpret_cast<uv_handle_t*>(&c->tcp), [](uv_handle_t* h) { delete static_cast<HttpConn*>(h->data); });
      return;
    }
    c->tls = std::make_unique<tls::TlsConn>(std::move(ctx));
  }
  if (conns_.size() >= opts_.max_connections) {  // bounded: refused at once, as maxclients
    rejected_++;
    if (c->tls) {  // a plaintext 503 means nothing to a TLS client: just close
      uv_close(reinterpret_cast<uv_handle_t*>(&c->tcp), [](uv_handle_t* h) { delete static_cast<HttpConn*>(h->data); });
      return;
    }
    static const char k503[] =
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: 74\r\n"
        "Retry-After: 1\r\nConnection: close\r\n\r\n"
        "{\"error\":{\"status\":503,\"code\":\"too_many_connections\",\"message\":\"busy\"}}\n";
    uv_buf_t b = uv_buf_init(const_cast<char*>(k503), sizeof(k503) - 1);
    uv_try_write(reinterpret_cast<uv_stream_t*>(&c->tcp), &b, 1);
    uv_close(reinterpret_cast<uv_handle_t*>(&c->tcp), [](uv_handle_t* h) { delete static_cast<HttpConn*>(h->data); });
    return;
  }
  uv_tcp_nodelay(&c->tcp, 1);
  sockaddr_storage ss{};
  int len = sizeof(ss);
  char ip[64] = "?";
  int port = 0;
  if (uv_tcp_getpeername(&c->tcp, reinterpret_cast<sockaddr*>(&ss), &len) == 0) {
    if (ss.ss_family == AF_INET6) {
      uv_ip6_name(reinterpret_cast<sockaddr_in6*>(&ss), ip, sizeof(ip));
      port = ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
    } else {
      uv_ip4_name(reinterpret_cast<sockaddr_in*>(&ss), ip, sizeof(ip));
      port = ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
    }
  }
  c->peer = std::string(ip) + ":" + std::to_string(port);
  conns_.insert(c);
  c->Start();
}

void HttpServer::Sweep() {
  int64_t now = NowMs();
  std::vector<HttpConn*> all(conns_.begin(), conns_.end());
  for (HttpConn* c : all) c->Sweep(now);
}

}  // namespace redraft::http
