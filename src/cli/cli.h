#pragma once
// The `frugal` command line: a thin layer that parses flags, resolves the Config, opens the Store
// and calls the library. Returns the process exit status (see docs/cli.md for the table).
namespace frugal::cli {

int run(int argc, char** argv);

}  // namespace frugal::cli
