#pragma once

#include <uv.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "http/resp_reply.h"

namespace redraft::server {
class Server;
}

namespace redraft::http {

// One HTTP connection's Redis session: an internal client of the Server (server.h,
// OpenInternalClient) that runs RESP commands through the client path and hands back the replies.
// One batch at a time (HTTP requests on a connection are served in order). Commands are fed from a
// uv_idle callback, never from inside the Server's output flush (which runs in the loop's prepare
// phase: input fed there would wait for the next wake-up).
class Session {
 public:
  using Done = std::function<void(std::vector<RespReply>&&)>;
  Session(server::Server* server, uv_loop_t* loop, std::string name);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Runs the commands in order (a pipeline) and calls done with one reply each. If the session
  // ends meanwhile (CLIENT KILL, shutdown), the missing replies are errors.
  void Run(std::vector<std::vector<std::string>> commands, Done done);
  bool busy() const { return static_cast<bool>(done_); }
  // Whether the session is authenticated (opens the internal client if needed).
  bool Authenticated();
  // The credentials the session last authenticated with ("" = none yet); reset when it reopens.
  std::string authed_as;

 private:
  void Open();
  void OnOutput(std::string_view bytes, bool closed);
  void FeedNow();
  void Finish();

  server::Server* server_;
  std::string name_;
  uint64_t id_ = 0;
  uv_idle_t* idle_;  // heap: closed asynchronously, may outlive the Session
  // The output callback held by the Server reaches this Session only through this pointer, which
  // the destructor clears: the Server may still call (or destroy) its copy of the callback later,
  // or while the Session is being destroyed from inside it.
  std::shared_ptr<Session*> self_ = std::make_shared<Session*>(this);
  std::string to_feed_;
  std::string in_;
  size_t expected_ = 0;
  std::vector<RespReply> replies_;
  Done done_;
};

}  // namespace redraft::http
