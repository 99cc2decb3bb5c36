#include "acl/category.h"

#include <strings.h>

namespace redraft::acl {

uint32_t CategoryByName(std::string_view name) {
  for (int i = 0; i < kCategoryCount; i++) {
    std::string_view n = kCategoryNames[i];
    if (n.size() == name.size() && strncasecmp(n.data(), name.data(), n.size()) == 0) return 1u << i;
  }
  return 0;
}

}  // namespace redraft::acl
