#include "catalog/provider_name.h"

#include <filesystem>

#include "util/strings.h"

namespace frugal::catalog {
namespace {

struct Alias {
  std::string_view word;
  std::string_view provider;
};
constexpr Alias k_aliases[] = {
    {"aws", "aws"},       {"ec2", "aws"},     {"gcp", "gcp"},   {"google", "gcp"}, {"azure", "azure"},
    {"lambda", "lambda"}, {"vast", "vast"},   {"oci", "oci"},   {"runpod", "runpod"},
    {"paperspace", "paperspace"}, {"fluidstack", "fluidstack"}, {"cudo", "cudo"}, {"ibm", "ibm"},
};

// The provider named by the first word of `name` ("gcp_vms.csv" → "gcp").
std::string provider_of_word(std::string_view name) {
  std::string lower = util::to_lower(name);
  std::string_view word(lower);
  word = word.substr(0, word.find_first_of("_-. "));
  for (const auto& alias : k_aliases)
    if (word == alias.word) return std::string(alias.provider);
  return "";
}

}  // namespace

std::string infer_provider(std::string_view path) {
  std::filesystem::path p{std::string(path)};
  if (auto from_file = provider_of_word(p.filename().string()); !from_file.empty()) return from_file;
  return provider_of_word(p.parent_path().filename().string());
}

}  // namespace frugal::catalog
