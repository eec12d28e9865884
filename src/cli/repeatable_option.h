#pragma once
// Private to cli/: a flag that may be given many times. 
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace frugal::cli {

// One value per flag, so a repeated flag never swallows the command after --.
inline CLI::Option* add_repeatable(CLI::App* cmd, const std::string& name, std::vector<std::string>& into,
                                   const std::string& help) {
  return cmd->add_option(name, into, help)
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
}

}  // namespace frugal::cli
