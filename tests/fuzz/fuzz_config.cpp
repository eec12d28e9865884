// The config file (./frugal.toml, TOML through toml++) as Config::load reads it, and the one
// setting with a grammar of its own that a file may hold: egress_usd_per_gb ("aws=0.09,gcp=0.12").
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "core/config.h"
#include "datacache/datacache.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace frugal;
  static const std::string working_dir = [] {
    std::string dir = fuzz::scratch_dir() + "/work";
    std::filesystem::create_directories(dir);
    return dir;
  }();
  fuzz::write_input("work/frugal.toml", {reinterpret_cast<const char*>(data), size});
  // No environment: only the file and the defaults (the user file's folder does not exist).
  auto getenv = [](std::string_view name) -> std::optional<std::string> {
    if (name == "HOME" || name == "XDG_CONFIG_HOME") return fuzz::scratch_dir() + "/no-home";
    return std::nullopt;
  };
  auto config = Config::load({}, getenv, working_dir);
  if (!config) return 0;
  for (const auto& key : config_keys()) {
    (void)config->get(key.name);
    if (config->source(key.name).empty()) fuzz::broken("a setting without a source");
  }
  (void)datacache::EgressPrices::parse(config->get("egress_usd_per_gb"));
  return 0;
}
