#pragma once

// JSON text for the observability outputs (trace spans, JSON log lines): one string escaper, so
// every JSON line this node writes escapes alike.

#include <string>
#include <string_view>

namespace redraft::observability {

// Appends `s` as a JSON string literal: quotes, backslashes and control characters escaped
// (\n \r \t, others as \u00XX); other bytes (UTF-8 included) pass through as they are.
void AppendJsonString(std::string* out, std::string_view s);

}  // namespace redraft::observability
