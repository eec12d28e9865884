#pragma once
// Private to src/server: the web dashboard's files, bundled by esbuild from web/ and compiled
// into the binary (embed_web.cmake), so `frugal serve` needs nothing beside it.
#include <string_view>

namespace frugal::server {

struct WebAsset {
  std::string_view path;          // "/index.html", "/assets/app.js"
  std::string_view content_type;
  std::string_view bytes;
};

// The asset at `path`, or null.
const WebAsset* find_web_asset(std::string_view path);

}  // namespace frugal::server
