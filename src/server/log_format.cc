#include "server/log_format.h"

#include "observability/json.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace redraft::server {
namespace {

using observability::AppendJsonString;

std::atomic<uint64_t> g_node{0}, g_term{0};
std::atomic<const char*> g_role{"none"};

std::string_view LevelName(spdlog::level::level_enum l) {
  switch (l) {
    case spdlog::level::trace: return "trace";
    case spdlog::level::debug: return "debug";
    case spdlog::level::info: return "info";
    case spdlog::level::warn: return "warning";
    case spdlog::level::err: return "error";
    case spdlog::level::critical: return "critical";
    default: return "info";
  }
}

class JsonFormatter : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    int64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(msg.time.time_since_epoch()).count();
    std::string line = JsonLogLine(ms, LevelName(msg.level), std::string_view(msg.payload.data(), msg.payload.size()));
    line.push_back('\n');
    dest.append(line.data(), line.data() + line.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<JsonFormatter>(); }
};

constexpr const char* kTextPattern = "%P:%L %d %b %Y %H:%M:%S.%e %v";  // logging.cc's

}  // namespace

std::string_view LogComponent(std::string_view msg) {
  size_t colon = msg.find(':');
  size_t space = msg.find(' ');
  // "raft: role ...": a single lower-case word followed by ':'.
  if (colon != std::string_view::npos && colon > 0 && colon < 24 && (space == std::string_view::npos || colon < space)) {
    std::string_view word = msg.substr(0, colon);
    bool plain = true;
    for (char c : word) plain = plain && ((c >= 'a' && c <= 'z') || c == '-' || c == '_');
    if (plain) return word;
  }
  for (auto [prefix, component] : {std::pair<std::string_view, std::string_view>{"snapshot", "snapshot"},
                                   {"installed snapshot", "snapshot"},
                                   {"membership", "membership"},
                                   {"slow request", "slowlog"},
                                   {"log ", "log"},
                                   {"store", "store"},
                                   {"refused TLS", "tls"},
                                   {"CLUSTER", "cluster"},
                                   {"node ", "cluster"}}) {
    if (msg.starts_with(prefix)) return component;
  }
  return "server";
}

std::string JsonLogLine(int64_t unix_ms, std::string_view level, std::string_view msg) {
  std::time_t secs = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char ts[40];
  snprintf(ts, sizeof(ts), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
           tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(unix_ms % 1000));
  std::string out = "{\"time\":\"";
  out.append(ts).append("\",\"level\":\"").append(level).append("\",\"node\":\"");
  uint64_t node = g_node.load(std::memory_order_relaxed);
  if (node) {
    char hex[48];  // cluster::NodeIdHex's form: 40 hex digits
    snprintf(hex, sizeof(hex), "%024x%016llx", 0, static_cast<unsigned long long>(node));
    out.append(hex);
  }
  out.append("\",\"term\":").append(std::to_string(g_term.load(std::memory_order_relaxed)));
  out.append(",\"role\":\"").append(g_role.load(std::memory_order_relaxed)).append("\",\"component\":");
  AppendJsonString(&out, LogComponent(msg));
  out.append(",\"msg\":");
  AppendJsonString(&out, msg);
  out.push_back('}');
  return out;
}

void SetLogContext(uint64_t node_id, uint64_t term, const char* role) {
  g_node.store(node_id, std::memory_order_relaxed);
  g_term.store(term, std::memory_order_relaxed);
  g_role.store(role, std::memory_order_relaxed);
}

void SetLogFormat(const std::string& format) {
  auto logger = spdlog::default_logger();
  if (!logger) return;
  if (format == "json") {
    logger->set_formatter(std::make_unique<JsonFormatter>());
  } else {
    logger->set_formatter(std::make_unique<spdlog::pattern_formatter>(kTextPattern));
  }
}

}  // namespace redraft::server
