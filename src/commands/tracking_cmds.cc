#include "commands/tracking_cmds.h"

#include "commands/args.h"
#include "commands/server_api.h"
#include "commands/tracking_api.h"

namespace redraft::commands {
namespace {

TrackingApi* Api(ExecContext& ctx) { return ctx.server ? ctx.server->tracking() : nullptr; }

}  // namespace

// CLIENT TRACKING ON|OFF [REDIRECT id] [PREFIX p]... [BCAST] [OPTIN] [OPTOUT] [NOLOOP]: options
// parsed first (syntax errors win), then ON checks their compatibility (server/tracking.cc).
void ClientTracking(ExecContext& ctx, const Argv& argv) {
  TrackingApi* api = Api(ctx);
  if (!api) return ctx.reply.Error("ERR client tracking is not available");
  TrackingOptions o;
  for (size_t j = 3; j < argv.size(); j++) {
    bool more = j + 1 < argv.size();
    if (EqualsIgnoreCase(argv[j], "redirect") && more) {
      j++;
      if (o.redirect != 0) return ctx.reply.Error("ERR A client can only redirect to a single other client");
      int64_t id = 0;
      if (!ParseInt64(argv[j], &id)) return ctx.reply.Error(kErrNotInteger);
      if (id <= 0 || !api->ClientExists(static_cast<uint64_t>(id))) {
        return ctx.reply.Error("ERR The client ID you want redirect to does not exist");
      }
      o.redirect = static_cast<uint64_t>(id);
    } else if (EqualsIgnoreCase(argv[j], "bcast")) {
      o.bcast = true;
    } else if (EqualsIgnoreCase(argv[j], "optin")) {
      o.optin = true;
    } else if (EqualsIgnoreCase(argv[j], "optout")) {
      o.optout = true;
    } else if (EqualsIgnoreCase(argv[j], "noloop")) {
      o.noloop = true;
    } else if (EqualsIgnoreCase(argv[j], "prefix") && more) {
      o.prefixes.push_back(argv[++j]);
    } else {
      return ctx.reply.Error(kErrSyntax);
    }
  }
  if (EqualsIgnoreCase(argv[2], "on")) {
    std::string err = api->TrackingOn(ctx.session.id, o);
    if (!err.empty()) return ctx.reply.Error("ERR " + err);
  } else if (EqualsIgnoreCase(argv[2], "off")) {
    api->TrackingOff(ctx.session.id);
  } else {
    return ctx.reply.Error(kErrSyntax);
  }
  ctx.reply.Ok();
}

void ClientCaching(ExecContext& ctx, const Argv& argv) {
  TrackingApi* api = Api(ctx);
  if (!api) return ctx.reply.Error("ERR client tracking is not available");
  bool yes = EqualsIgnoreCase(argv[2], "yes");
  TrackingInfo info = api->Info(ctx.session.id);
  if (!info.on) {
    return ctx.reply.Error(
        "ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode "
        "enabled");
  }
  if (!yes && !EqualsIgnoreCase(argv[2], "no")) return ctx.reply.Error(kErrSyntax);
  std::string err = api->Caching(ctx.session.id, yes);
  if (!err.empty()) return ctx.reply.Error("ERR " + err);
  ctx.reply.Ok();
}

void ClientGetredir(ExecContext& ctx, const Argv&) {
  TrackingApi* api = Api(ctx);
  TrackingInfo info = api ? api->Info(ctx.session.id) : TrackingInfo{};
  ctx.reply.Integer(info.on ? static_cast<int64_t>(info.redirect) : -1);
}

void ClientTrackinginfo(ExecContext& ctx, const Argv&) {
  TrackingApi* api = Api(ctx);
  TrackingInfo info = api ? api->Info(ctx.session.id) : TrackingInfo{};
  std::vector<std::string_view> flags{info.on ? "on" : "off"};
  if (info.bcast) flags.push_back("bcast");
  if (info.optin) {
    flags.push_back("optin");
    if (info.caching) flags.push_back("caching-yes");
  }
  if (info.optout) {
    flags.push_back("optout");
    if (info.caching) flags.push_back("caching-no");
  }
  if (info.noloop) flags.push_back("noloop");
  if (info.broken_redirect) flags.push_back("broken_redirect");
  resp::ReplyBuilder& r = ctx.reply;
  r.MapHeader(3);
  r.Bulk("flags");
  r.SetHeader(flags.size());
  for (std::string_view f : flags) r.Bulk(f);
  r.Bulk("redirect");
  r.Integer(info.on ? static_cast<int64_t>(info.redirect) : -1);
  r.Bulk("prefixes");
  r.ArrayHeader(info.prefixes.size());
  for (const std::string& p : info.prefixes) r.Bulk(p);
}

}  // namespace redraft::commands
