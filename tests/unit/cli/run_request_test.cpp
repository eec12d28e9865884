// `frugal run`'s flags become a runner request without starting a process (cli/run_request.h).
#include <gtest/gtest.h>

#include "cli/run_request.h"
#include "test_dir.h"

namespace frugal::cli {
namespace {

Config config_of(const RunFlags& f, const testing::TestDir& dir) {
  auto flags = config_flags(f);
  flags["home"] = dir.path();
  auto c = Config::load(flags, [](std::string_view) { return std::optional<std::string>{}; }, dir.path());
  EXPECT_TRUE(c) << c.error().message;
  return *c;
}

RunFlags train() {
  RunFlags f;
  f.command = {"python3", "train.py"};
  return f;
}

TEST(RunRequest, FlagsBecomeTheRequestsLabelsPricesAndPolicies) {
  testing::TestDir dir;
  RunFlags f = train();
  f.team = "vision";
  f.user = "ada";
  f.hourly_usd = "$3.06";
  f.max_usd = "12.5";
  f.sample_every = "250ms";
  f.retry_on_exit = "137,143";
  f.tags = {"stage=pretrain"};
  f.params = {"lr=0.1"};
  f.metrics = {"loss=loss: ([0-9.]+)"};
  f.allow_over_quota = true;
  auto plan = build_run_plan(f, config_of(f, dir));
  ASSERT_TRUE(plan) << plan.error().message;
  const auto& r = plan->request;
  EXPECT_EQ(r.labels.team, "vision");
  EXPECT_EQ(r.labels.user, "ada");
  EXPECT_EQ(r.hourly_price->to_string(), "3.06");
  EXPECT_EQ(r.max_usd->to_string(), "12.50");
  EXPECT_EQ(r.sample_every, std::chrono::milliseconds(250));
  EXPECT_EQ(r.retry_on_exit, (std::set<int>{137, 143}));
  EXPECT_EQ(r.tags.at(0), (std::pair<std::string, std::string>{"stage", "pretrain"}));
  EXPECT_EQ(r.params.at(0).second, "0.1");
  EXPECT_EQ(r.metric_patterns.at(0).first, "loss");
  EXPECT_EQ(r.quota_policy, runner::QuotaPolicy::allow_over);
  EXPECT_TRUE(plan->target.server.empty()) << "no --server: recorded locally";
}

TEST(RunRequest, EachBadFlagIsRefusedByName) {
  testing::TestDir dir;
  struct Case {
    void (*set)(RunFlags&);
    const char* names;
  } cases[] = {
      {[](RunFlags& f) { f.hourly_usd = "cheap"; }, "--hourly-usd"},
      {[](RunFlags& f) { f.sample_every = "1ms"; }, "--sample-every"},
      {[](RunFlags& f) { f.grace = "soon"; }, "--grace"},
      {[](RunFlags& f) { f.retry_on_exit = "137,256"; }, "--retry-on-exit"},
      {[](RunFlags& f) { f.retry_backoff = "x"; }, "--retry-backoff"},
      {[](RunFlags& f) { f.tags = {"novalue"}; }, "--tag"},
      {[](RunFlags& f) { f.metrics = {"loss"}; }, "--metric"},
      {[](RunFlags& f) { f.checkpoint_store = "s3://b/ckpt"; }, "--checkpoint-dir"},
      {[](RunFlags& f) { f.max_steps = 0; }, "--max-steps"},
      {[](RunFlags& f) { f.server = "http://127.0.0.1:1"; }, "--token"},
      {[](RunFlags& f) { f.server = "127.0.0.1:1", f.token = "t"; }, "--server"},
      {[](RunFlags& f) { f.server = "http://127.0.0.1:1", f.token = "t", f.send_every = "10ms"; }, "--send-every"},
  };
  for (const auto& c : cases) {
    RunFlags f = train();
    c.set(f);
    auto plan = build_run_plan(f, config_of(f, dir));
    ASSERT_FALSE(plan) << c.names;
    EXPECT_EQ(plan.error().code, ErrorCode::invalid) << c.names;
    EXPECT_NE(plan.error().message.find(c.names), std::string::npos) << c.names << ": " << plan.error().message;
  }
}

TEST(RunRequest, AServerAndTokenSendTheRunThere) {
  testing::TestDir dir;
  RunFlags f = train();
  f.server = "http://frugal.internal:8080";
  f.token = "frugal_abc";
  f.send_every = "2s";
  auto plan = build_run_plan(f, config_of(f, dir));
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_EQ(plan->target.server, "http://frugal.internal:8080");
  EXPECT_EQ(plan->target.token, "frugal_abc");
  EXPECT_EQ(plan->send_every, std::chrono::milliseconds(2000));
}

}  // namespace
}  // namespace frugal::cli
