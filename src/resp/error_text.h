// The one renderer from a failed Status to the error a client receives. Every layer that turns a
// Status into an error reply (commands/, server/, cluster/) calls it instead of writing
// "ERR " + st.message() itself, so the rule below lives in one place.
//
// Rule: a Status's message is the error's text without a code, rendered as "ERR <message>" like
// Redis's generic errors, unless it starts with one of the reply codes a cluster node adds beyond
// Redis's own (CLUSTERDOWN, UNCERTAIN, DIVERGED; README "Errors a client can get") followed by a
// space: then the message already is the whole text and is kept. A code counts only as a whole
// word ("CLUSTERDOWNx ..." is an ERR). The bytes are pinned by tests/resp/error_text_test.cc,
// tests/cluster/errors_test.cc and the compat cases.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace redraft::resp {

// The error's text without the leading '-': "<CODE> <message>". REQUIRES: !st.ok().
std::string ErrorText(const Status& st);
// The RESP error bytes for st: "-<ErrorText>\r\n", CR and LF in the text turned into spaces (the
// same bytes in RESP2 and RESP3).
std::string ErrorReply(const Status& st);
// The RESP error bytes for a complete error text ("WRONGTYPE Operation ...", "ERR ..."), with the
// same CR/LF rule: client bytes echoed in the text can never end the reply early and forge the
// reply to the next command.
std::string ErrorReply(std::string_view text);

}  // namespace redraft::resp
