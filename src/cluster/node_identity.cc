#include "cluster/node_identity.h"

#include <fcntl.h>
#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>

#include "common/coding.h"

namespace redraft::cluster {

void PutMemberList(std::string* out, const std::map<uint64_t, MemberAddr>& members) {
  PutVarint64(out, members.size());
  for (auto& [id, addr] : members) {
    PutVarint64(out, id);
    PutLengthPrefixed(out, addr.Encode());
  }
}

bool GetMemberList(std::string_view* in, std::map<uint64_t, MemberAddr>* members) {
  uint64_t n;
  if (!GetVarint64(in, &n) || n > in->size()) return false;  // each member takes >= 2 bytes
  members->clear();
  for (uint64_t i = 0; i < n; i++) {
    uint64_t id;
    std::string_view addr;
    MemberAddr m;
    if (!GetVarint64(in, &id) || id == 0 || !GetLengthPrefixed(in, &addr) ||
        !MemberAddr::Decode(std::string(addr), &m) || !members->emplace(id, m).second) {
      return false;
    }
  }
  return true;
}

std::string MemberAddr::Encode() const {
  std::string out = host + ":" + std::to_string(port) + "@" + std::to_string(cluster_port);
  if (incarnation != 0) {
    char buf[18];
    std::snprintf(buf, sizeof(buf), "#%" PRIx64, incarnation);
    out += buf;
  }
  return out;
}

bool MemberAddr::Decode(const std::string& in, MemberAddr* out) {
  std::string s = in;
  out->incarnation = 0;
  if (size_t hash = s.rfind('#'); hash != std::string::npos) {
    std::string inc = s.substr(hash + 1);
    char* end = nullptr;
    out->incarnation = std::strtoull(inc.c_str(), &end, 16);
    if (inc.empty() || inc.size() > 16 || *end != '\0') return false;
    s.resize(hash);
  }
  size_t at = s.rfind('@');
  size_t colon = s.rfind(':', at == std::string::npos ? s.size() : at);
  if (colon == std::string::npos || colon == 0) return false;
  try {
    out->host = s.substr(0, colon);
    out->port = std::stoi(s.substr(colon + 1, at == std::string::npos ? std::string::npos : at - colon - 1));
    out->cluster_port = at == std::string::npos ? out->port + 10000 : std::stoi(s.substr(at + 1));
  } catch (...) {
    return false;
  }
  return out->port > 0 && out->port < 65536 && out->cluster_port > 0 && out->cluster_port < 65536;
}

uint64_t RandomId() {
  std::random_device rd;
  uint64_t v = 0;
  while (v == 0) v = (static_cast<uint64_t>(rd()) << 32) ^ rd();
  return v;
}

std::string NodeIdHex(uint64_t id) {
  char buf[41];
  std::snprintf(buf, sizeof(buf), "%024x%016" PRIx64, 0, id);
  return buf;
}

uint64_t ParseNodeId(const std::string& s) {
  if (s.empty() || s.size() > 40) return 0;
  int base = s.size() == 40 ? 16 : 10;
  if (base == 16 && s.find_first_not_of('0') < 24) return 0;
  char* end = nullptr;
  unsigned long long v = std::strtoull(s.c_str(), &end, base);
  if (*end != '\0') return 0;
  return v;
}

Result<NodeIdentity> NodeIdentity::Load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::NotFound(path);
  NodeIdentity n;
  std::string magic;
  int version = 0;
  if (!(in >> magic >> version >> n.cluster_id >> n.self_id) || magic != "redraft-nodes" || version != 1) {
    return Status::Corruption("bad header in " + path);
  }
  uint64_t id;
  std::string addr;
  while (in >> id >> addr) {
    MemberAddr a;
    if (!MemberAddr::Decode(addr, &a)) return Status::Corruption("bad address '" + addr + "' in " + path);
    n.members[id] = a;
  }
  return n;
}

Status NodeIdentity::Save(const std::string& path) const {
  std::ostringstream out;
  out << "redraft-nodes 1 " << cluster_id << " " << self_id << "\n";
  for (auto& [id, a] : members) out << id << " " << a.Encode() << "\n";
  return WriteFileDurably(path, out.str());
}

Result<LogIdentity> LogIdentity::Load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::NotFound(path);
  LogIdentity li;
  std::string magic;
  int version = 0;
  if (!(in >> magic >> version >> li.id >> li.incarnation) || magic != "redraft-identity" || version != 1 ||
      li.id == 0 || li.incarnation == 0) {
    return Status::Corruption("bad identity file " + path);
  }
  return li;
}

Status LogIdentity::Save(const std::string& path) const {
  return WriteFileDurably(path, "redraft-identity 1 " + std::to_string(id) + " " + std::to_string(incarnation) + "\n");
}

Status WriteFileDurably(const std::string& path, const std::string& data) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return Status::IOError("open " + tmp);
  bool ok = ::write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size());
  if (ok && ::fsync(fd) != 0) REDRAFT_PANIC("fsync of " + tmp + " failed");
  ::close(fd);
  if (!ok) return Status::IOError("write " + tmp);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return Status::IOError("rename " + tmp);
  std::string dir = path.substr(0, path.rfind('/'));
  int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (dfd >= 0) {
    if (::fsync(dfd) != 0) REDRAFT_PANIC("fsync of directory " + dir + " failed");
    ::close(dfd);
  }
  return Status::OK();
}

}  // namespace redraft::cluster
