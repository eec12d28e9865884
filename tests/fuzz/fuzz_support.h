#pragma once
// What the libFuzzer harnesses share: a scratch folder per process (parsers that take a path read
// the input from a file in it), one SQLite store per process, a fixed clock, and a way to run an
// input against the store and leave it exactly as before.
//
// Every static here lives until exit, reachable, so LeakSanitizer does not count it; a harness
// allocates nothing else that outlives one input. Not thread-safe (libFuzzer runs one input at a
// time).
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>

#include "core/time.h"
#include "store/store.h"

namespace frugal::fuzz {

// /tmp/frugal-fuzz-<pid>, made on first use and removed at exit (a crash leaves it behind).
inline const std::string& scratch_dir() {
  // Never destroyed: the exit handler below still reads it.
  static const std::string* dir = [] {
    auto* path = new std::string(
        (std::filesystem::temp_directory_path() / ("frugal-fuzz-" + std::to_string(::getpid()))).string());
    std::filesystem::remove_all(*path);
    std::filesystem::create_directories(*path);
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(scratch_dir(), ec);
    });
    return path;
  }();
  return *dir;
}

// Writes the input to `name` in the scratch folder (replacing what was there); returns its path.
inline std::string write_input(const std::string& name, std::string_view bytes) {
  std::string path = scratch_dir() + "/" + name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out.flush()) {
    std::fprintf(stderr, "fuzz: cannot write %s\n", path.c_str());
    std::abort();
  }
  return path;
}

// A migrated SQLite store in the scratch folder, opened once per process.
inline store::Store& scratch_store() {
  static std::unique_ptr<store::Store> store = [] {
    auto opened = store::open_store(scratch_dir() + "/frugal.db");
    if (!opened) {
      std::fprintf(stderr, "fuzz: cannot open the scratch store: %s\n", opened.error().message.c_str());
      std::abort();
    }
    return std::move(*opened);
  }();
  return *store;
}

// Runs `body` inside a transaction that is always rolled back: the store is the same for every
// input, so an input does the same thing however often and in whatever order it runs.
template <typename Body>
void rolled_back(store::Store& store, Body&& body) {
  (void)store.transaction([&]() -> Result<void> {
    body();
    return fail(ErrorCode::conflict, "rolled back by the harness");
  });
  if (store.in_transaction()) {
    std::fprintf(stderr, "fuzz: a transaction is still open after the input\n");
    std::abort();
  }
}

// A fixed instant, so an input's result does not depend on when it runs.
inline TimePoint fixed_now() { return TimePoint(std::chrono::milliseconds(1'764'547'200'000)); }  // 2025-12-01

// Stops the process with a message when an invariant fails: libFuzzer keeps the input.
[[noreturn]] inline void broken(const std::string& what) {
  std::fprintf(stderr, "fuzz: invariant broken: %s\n", what.c_str());
  std::abort();
}

}  // namespace frugal::fuzz
