#include "http/session.h"

#include "server/server.h"

namespace redraft::http {

Session::Session(server::Server* server, uv_loop_t* loop, std::string name)
    : server_(server), name_(std::move(name)), idle_(new uv_idle_t) {
  uv_idle_init(loop, idle_);
  idle_->data = this;
}

Session::~Session() {
  *self_ = nullptr;
  if (id_ != 0) server_->CloseInternalClient(id_);
  idle_->data = nullptr;
  if (uv_is_closing(reinterpret_cast<uv_handle_t*>(idle_))) return;  // closed by Server::Run at exit
  uv_close(reinterpret_cast<uv_handle_t*>(idle_), [](uv_handle_t* h) { delete reinterpret_cast<uv_idle_t*>(h); });
}

void Session::Open() {
  in_.clear();
  authed_as.clear();
  id_ = server_->OpenInternalClient(name_, [self = self_](std::string_view b, bool closed) {
    if (Session* s = *self) s->OnOutput(b, closed);
  });
}

bool Session::Authenticated() {
  if (id_ == 0) Open();
  return server_->InternalClientAuthenticated(id_);
}

void Session::Run(std::vector<std::vector<std::string>> commands, Done done) {
  done_ = std::move(done);
  expected_ = commands.size();
  replies_.clear();
  for (const auto& argv : commands) AppendRespCommand(argv, &to_feed_);
  if (expected_ == 0) return Finish();
  uv_idle_start(idle_, [](uv_idle_t* h) {
    uv_idle_stop(h);
    if (h->data) static_cast<Session*>(h->data)->FeedNow();
  });
}

void Session::FeedNow() {
  if (to_feed_.empty()) return;
  if (id_ == 0) Open();
  std::string bytes = std::move(to_feed_);
  to_feed_.clear();
  if (!server_->FeedInternalClient(id_, bytes)) {  // not run: the session was gone
    id_ = 0;
    to_feed_ = std::move(bytes);
    OnOutput({}, true);
  }
}

void Session::OnOutput(std::string_view bytes, bool closed) {
  if (closed) {
    id_ = 0;
    in_.clear();
    authed_as.clear();
    // Commands already fed may have run (a write may be applied): their outcome is unknown.
    bool fed = to_feed_.empty();
    while (done_ && replies_.size() < expected_) {
      RespReply e;
      e.type = RespReply::kError;
      e.str = fed ? "UNCERTAIN the session ended before the reply (client killed or server shutting down): "
                    "the outcome is unknown"
                  : "UNAVAILABLE the session ended before the command ran (client killed or server shutting down)";
      replies_.push_back(std::move(e));
    }
    to_feed_.clear();
    if (done_) Finish();
    return;
  }
  in_.append(bytes);
  size_t pos = 0;
  while (pos < in_.size()) {
    RespReply r;
    size_t n = ParseRespReply(std::string_view(in_).substr(pos), &r);
    if (n == 0 || n == std::string_view::npos) break;
    pos += n;
    if (done_ && replies_.size() < expected_) replies_.push_back(std::move(r));
  }
  in_.erase(0, pos);
  if (done_ && replies_.size() == expected_) Finish();
}

void Session::Finish() {
  Done d = std::move(done_);
  done_ = nullptr;
  std::vector<RespReply> r = std::move(replies_);
  replies_.clear();
  d(std::move(r));
}

}  // namespace redraft::http
