#pragma once
// Files in a temporary folder for the labeling tests, and helpers to read what a plan wrote.
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "test_dir.h"

namespace frugal::labeling::testing {

class LabelingTest : public ::testing::Test {
 protected:
  std::string write(const std::string& name, const std::string& text) {
    std::ofstream(m_dir.file(name), std::ios::binary) << text;
    return m_dir.file(name);
  }
  std::string read(const std::string& name) const {
    std::ifstream in(m_dir.file(name), std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  // The lines of a CSV the plan wrote, header first.
  std::vector<std::string> lines(const std::string& name) const {
    std::vector<std::string> out;
    std::istringstream in(read(name));
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  }
  ::frugal::testing::TestDir m_dir;
};

}  // namespace frugal::labeling::testing
