#pragma once
// Runs a program to completion and keeps what it wrote: for the cluster tools frugal asks
// (sacct, sinfo, sshare, sacctmgr). Private to cli/.
#include <chrono>
#include <string>
#include <vector>

#include "core/error.h"

namespace frugal::cli {

struct ChildOutput {
  int status = 0;    // exit status; 128+N when signal N ended it
  std::string out;   // its standard output, whole
  std::string err;   // its standard error, whole
};

// Runs `argv` (the program found on PATH, no shell) with `env` (NAME=value) added to frugal's
// environment, for `timeout` at most. Errors: not_found naming the program when it is not
// installed; io when it cannot start; unavailable, naming the timeout, when it did not finish in
// time (it is killed: a hung sacct must not hang a Slurm epilog, which holds the node).
Result<ChildOutput> run_capture(const std::vector<std::string>& argv, const std::vector<std::string>& env = {},
                                std::chrono::milliseconds timeout = std::chrono::minutes(10));

}  // namespace frugal::cli
