#include <charconv>
#include <fmt/format.h>
#include <string_view>
#include <vector>

#include "cache/manifest.h"

namespace frugal::cache {
namespace {

constexpr std::string_view k_magic = "frugal-cache 2\n";

std::vector<std::string_view> split(std::string_view line, char sep) {
  std::vector<std::string_view> out;
  for (;;) {
    auto at = line.find(sep);
    out.push_back(line.substr(0, at));
    if (at == std::string_view::npos) return out;
    line.remove_prefix(at + 1);
  }
}

template <typename T>
bool number(std::string_view text, T& value, int base = 10) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

bool is_sha(std::string_view s) { return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string_view::npos; }

// Whether `path` is one of the outputs or lies beneath one (by name: the manifest never holds "..").
bool within(std::string_view path, const std::vector<std::string>& outputs) {
  if (path.find("/../") != std::string_view::npos || path.ends_with("/..")) return false;
  for (std::string_view o : outputs) {
    while (o.size() > 1 && o.ends_with('/')) o.remove_suffix(1);  // "out/" holds "out/a"
    if (path == o || (path.starts_with(o) && path.size() > o.size() && (path[o.size()] == '/' || o == "/"))) return true;
  }
  return false;
}

}  // namespace

std::string format_manifest(const Entry& e) {
  std::string text(k_magic);
  text += fmt::format("key\t{}\ncompute_ms\t{}\n", e.key, e.compute_ms);
  for (const auto& o : e.outputs) text += fmt::format("out\t{}\n", o);
  for (const auto& d : e.folders) text += fmt::format("dir\t{:o}\t{}\n", d.mode, d.path);
  for (const auto& f : e.files) text += fmt::format("file\t{}\t{}\t{:o}\t{}\n", f.sha256, f.bytes, f.mode, f.path);
  for (const auto& l : e.links) text += fmt::format("link\t{}\t{}\n", l.target, l.path);
  text += fmt::format("sum\t{}\n", sha256_hex(text));
  return text;
}

std::optional<Entry> parse_manifest(const std::string& key, const std::string& text) {
  std::string_view all(text);
  if (!all.starts_with(k_magic)) return std::nullopt;
  auto sum_at = all.rfind("sum\t");
  if (sum_at == std::string_view::npos || (sum_at > 0 && all[sum_at - 1] != '\n')) return std::nullopt;
  if (all.substr(sum_at) != fmt::format("sum\t{}\n", sha256_hex(all.substr(0, sum_at)))) return std::nullopt;
  Entry e;
  e.key = key;
  bool keyed = false;
  std::string_view body = all.substr(k_magic.size(), sum_at - k_magic.size());
  while (!body.empty()) {
    auto end = body.find('\n');
    if (end == std::string_view::npos) return std::nullopt;
    auto fields = split(body.substr(0, end), '\t');
    body.remove_prefix(end + 1);
    const auto& kind = fields[0];
    if (kind == "key" && fields.size() == 2) {
      keyed = fields[1] == key;
    } else if (kind == "compute_ms" && fields.size() == 2) {
      if (!number(fields[1], e.compute_ms)) return std::nullopt;
    } else if (kind == "out" && fields.size() == 2 && !fields[1].empty()) {
      e.outputs.emplace_back(fields[1]);
    } else if (kind == "dir" && fields.size() == 3) {
      OutputFolder d{std::string(fields[2])};
      if (!number(fields[1], d.mode, 8) || d.mode > 07777) return std::nullopt;
      e.folders.push_back(std::move(d));
    } else if (kind == "file" && fields.size() == 5 && is_sha(fields[1])) {
      OutputFile f{std::string(fields[4]), std::string(fields[1])};
      if (!number(fields[2], f.bytes) || !number(fields[3], f.mode, 8) || f.mode > 07777) return std::nullopt;
      e.bytes += static_cast<std::int64_t>(f.bytes);
      e.files.push_back(std::move(f));
    } else if (kind == "link" && fields.size() == 3) {
      e.links.push_back({std::string(fields[2]), std::string(fields[1])});
    } else {
      return std::nullopt;
    }
  }
  if (!keyed || e.outputs.empty()) return std::nullopt;
  for (const auto& d : e.folders) if (!within(d.path, e.outputs)) return std::nullopt;
  for (const auto& f : e.files) if (!within(f.path, e.outputs)) return std::nullopt;
  for (const auto& l : e.links) if (!within(l.path, e.outputs)) return std::nullopt;
  return e;
}

}  // namespace frugal::cache
