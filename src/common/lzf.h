// LZF (Marc Lehmann's liblzf, as Redis vendors it in lzf_c.c / lzf_d.c): the compression of
// long strings in RDB files and DUMP payloads. Written from the format, bounds-checked.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace redraft {

// Decompresses in into exactly out_len bytes; nullopt if in is not a valid LZF stream or does
// not expand to exactly out_len bytes (never reads or writes out of bounds).
std::optional<std::string> LzfDecompress(std::string_view in, size_t out_len);

// Compresses in into at most max_out bytes with liblzf's default parameters (HLOG 16, VERY_FAST),
// so the output is the bytes Redis writes for the same input (Redis leaves its hash table
// uninitialised; this one starts zeroed, which only ever finds fewer matches than garbage could).
// nullopt if the result would not fit in max_out bytes (or in is empty).
std::optional<std::string> LzfCompress(std::string_view in, size_t max_out);

}  // namespace redraft
