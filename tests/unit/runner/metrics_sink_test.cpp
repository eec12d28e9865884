// The JSON metrics channel a job writes: steps any int64 can hold are kept; a step no store could
// hold drops its line instead of being cast (undefined behaviour, found by tests/fuzz/fuzz_metrics).
#include <limits>

#include <gtest/gtest.h>

#include "runner/metrics_sink.h"

namespace frugal::runner {
namespace {

std::unique_ptr<MetricsSink> sink() { return std::move(*MetricsSink::create({}, nullptr)); }

TEST(MetricsSink, AFloatStepHoldingAWholeNumberIsThatStep) {
  auto s = sink();
  s->on_json_line(R"({"step": 1e3, "loss": 0.5})", {});
  EXPECT_EQ(s->last_step(), 1000);
}

TEST(MetricsSink, AStepBeyondInt64DropsItsLine) {
  auto s = sink();
  s->on_json_line(R"({"step": 7, "loss": 0.5})", {});
  for (const char* line : {R"({"step": 1e19, "loss": 1})", R"({"step": -92233720368547758019, "loss": 1})",
                           R"({"step": 18446744073709551615, "loss": 1})", R"({"step": 2.5, "loss": 1})"})
    s->on_json_line(line, {});
  EXPECT_EQ(s->last_step(), 7);
  EXPECT_EQ(s->first_step(), 7);  // a cast of 1e19 gave INT64_MIN here
}

TEST(MetricsSink, ALineWithoutAStepAfterTheLargestStepStaysThere) {
  auto s = sink();
  s->on_json_line(R"({"step": 9223372036854775807, "loss": 0.5})", {});
  s->on_json_line(R"({"loss": 0.4})", {});
  EXPECT_EQ(s->last_step(), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(s->first_step(), std::numeric_limits<std::int64_t>::max());  // not wrapped around to INT64_MIN
}

TEST(MetricsSink, ALineWithoutAStepIsOnePastTheLast) {
  auto s = sink();
  s->on_json_line(R"({"step": 41, "loss": 0.5})", {});
  s->on_json_line(R"({"loss": 0.4})", {});
  EXPECT_EQ(s->last_step(), 42);
}

}  // namespace
}  // namespace frugal::runner
