#include "resp/error_text.h"

#include <string_view>

#include "resp/reply_builder.h"

namespace redraft::resp {

namespace {
// The codes a Status message may start with (each followed by a space). Adding one here changes
// the reply of any Status whose message starts with it: check the callers' messages first.
constexpr std::string_view kCodes[] = {"CLUSTERDOWN", "UNCERTAIN", "DIVERGED"};

bool HasCode(const std::string& msg) {
  for (std::string_view c : kCodes) {
    if (msg.size() > c.size() && msg.compare(0, c.size(), c) == 0 && msg[c.size()] == ' ') return true;
  }
  return false;
}
}  // namespace

std::string ErrorText(const Status& st) { return HasCode(st.message()) ? st.message() : "ERR " + st.message(); }

std::string ErrorReply(const Status& st) { return ErrorReply(std::string_view(ErrorText(st))); }

std::string ErrorReply(std::string_view text) {
  std::string out;
  ReplyBuilder(&out).Error(text);
  return out;
}

}  // namespace redraft::resp
