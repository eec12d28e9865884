// run_capture (cli/child_output.h): the cluster tools' output and exit status, both streams whole,
// a missing program named, and a hung one stopped at its timeout.
#include <chrono>

#include <gtest/gtest.h>

#include "cli/child_output.h"

namespace frugal::cli {
namespace {

TEST(ChildOutput, BothStreamsAndTheExitStatusComeBackWhole) {
  // More than a pipe holds on each stream, written interleaved: neither may stall the other.
  auto r = run_capture({"sh", "-c", "i=0; while [ $i -lt 20000 ]; do echo out$i; echo err$i >&2; i=$((i+1)); done; exit 3"});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 3);
  EXPECT_TRUE(r->out.starts_with("out0\nout1\n"));
  EXPECT_TRUE(r->out.ends_with("out19999\n"));
  EXPECT_TRUE(r->err.ends_with("err19999\n"));
}

TEST(ChildOutput, TheEnvironmentGivenReplacesFrugalsOwn) {
  ::setenv("FRUGAL_CHILD_TEST", "mine", 1);
  auto r = run_capture({"sh", "-c", "echo \"$FRUGAL_CHILD_TEST $TZ\""}, {"FRUGAL_CHILD_TEST=theirs", "TZ=UTC"});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->out, "theirs UTC\n");
}

TEST(ChildOutput, AMissingProgramIsNamed) {
  auto r = run_capture({"frugal-no-such-program"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::not_found);
  EXPECT_NE(r.error().message.find("frugal-no-such-program is not installed"), std::string::npos) << r.error().message;
}

TEST(ChildOutput, AProgramThatHangsIsStoppedAtItsTimeout) {
  auto started = std::chrono::steady_clock::now();
  auto r = run_capture({"sleep", "30"}, {}, std::chrono::milliseconds(300));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::unavailable);
  EXPECT_NE(r.error().message.find("sleep did not finish within"), std::string::npos) << r.error().message;
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(20)) << "killed, not waited for";
}

}  // namespace
}  // namespace frugal::cli
