// MLflow log-batch bodies: the plain reader (SAX, no JSON tree) reads exactly what the tree reader
// reads, and declines every body it cannot vouch for, leaving the error to the tree reader.
#include <gtest/gtest.h>
#include <bit>
#include <cmath>
#include <fmt/format.h>
#include <random>

#include "server/mlflow_batch.h"
#include "util/strings.h"

namespace frugal::server {
namespace {

const TimePoint k_now = TimePoint{std::chrono::milliseconds(1'764'000'000'123)};

std::string describe(const MetricBatch& b) {
  std::string out = "run " + b.run_id + "\n";
  for (const auto& m : b.metrics)
    out += fmt::format("metric {} = {} (bits {:x}) at step {} time {}\n", m.key, m.value, std::bit_cast<std::uint64_t>(m.value),
                       m.step ? std::to_string(*m.step) : "none", m.time.time_since_epoch().count());
  for (const auto& [k, v] : b.params) out += "param " + k + " = " + v + "\n";
  for (const auto& [k, v] : b.tags) out += "tag " + k + " = " + v + "\n";
  return out;
}

// The tree reader's answer for a body it must accept.
MetricBatch tree_of(const std::string& body) {
  auto batch = read_batch_tree(json::parse(body), k_now);
  EXPECT_TRUE(batch) << body << "\n" << (batch ? "" : batch.error().message);
  return batch ? *batch : MetricBatch{};
}

// A body as MLflow's clients and hand-written loggers send one: every optional part present or
// not, integers as numbers or as proto3's strings, NaN and infinities as strings, unknown scalar
// members, Python's indented layout.
std::string random_body(std::mt19937_64& rng) {
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<std::uint64_t>(n)); };
  auto integer_text = [&](std::int64_t v) { return pick(3) == 0 ? fmt::format("\"{}\"", v) : std::to_string(v); };
  const char* sep = pick(2) ? ",\n  " : ",";
  std::vector<std::string> members;
  switch (pick(6)) {  // run_id wins over run_uuid unless it is empty, as MLflow's server reads them
    case 0: members.push_back(R"("run_id": "42")"); break;
    case 1: members.push_back(R"("run_uuid": "42")"); break;
    case 2: members.push_back(R"("run_id": "42", "run_uuid": "")"); break;
    case 3: members.push_back(R"("run_id": "", "run_uuid": "42")"); break;
    case 4: members.push_back(R"("run_id": "42", "run_uuid": "7")"); break;
    default: members.push_back(R"("run_uuid": "7", "run_id": "")"); members.push_back(R"("x": 1)"); break;
  }
  if (pick(4) == 0) members.push_back(R"("experiment": "ignored", "n": 3, "ok": true, "none": null)");
  std::vector<std::string> metrics;
  for (int i = pick(40); i > 0; --i) {
    std::vector<std::string> fields;
    fields.push_back(fmt::format(R"("key": "{}")", pick(2) ? "loss" : "val/acc@top-1"));
    switch (pick(8)) {
      case 0: fields.push_back(R"("value": "NaN")"); break;
      case 1: fields.push_back(pick(2) ? R"("value": "Infinity")" : R"("value": "-Infinity")"); break;
      case 2: fields.push_back(fmt::format(R"("value": {})", static_cast<std::int64_t>(rng() >> 1) - (1LL << 61))); break;
      case 3: fields.push_back(R"("value": 18446744073709551615)"); break;
      default: fields.push_back(fmt::format(R"("value": {:.17g})", std::ldexp(static_cast<double>(rng() >> 11), pick(200) - 150)));
    }
    if (pick(4)) fields.push_back(R"("timestamp": )" + integer_text(static_cast<std::int64_t>(rng() % 253'402'300'800'000)));
    if (pick(4)) fields.push_back(R"("step": )" + integer_text(static_cast<std::int64_t>(rng()) >> pick(64)));
    if (pick(6) == 0) fields.push_back(R"("dataset_digest": null, "model_id": "m-1")");
    std::shuffle(fields.begin(), fields.end(), rng);
    metrics.push_back("{" + util::join(fields, sep) + "}");
  }
  if (pick(5)) members.push_back(R"("metrics": [)" + util::join(metrics, sep) + "]");
  for (const char* list : {"params", "tags"}) {
    if (pick(2)) continue;
    std::vector<std::string> entries;
    for (int i = pick(5); i > 0; --i)
      entries.push_back(pick(3) ? fmt::format(R"({{"key": "{}{}", "value": "v\u00e9 {}"}})", list, i, i) : fmt::format(R"({{"key": "k{}"}})", i));
    members.push_back(fmt::format(R"("{}": [{}])", list, util::join(entries, sep)));
  }
  std::shuffle(members.begin(), members.end(), rng);
  return "{" + util::join(members, sep) + "}";
}

TEST(MetricBatchReaders, ThePlainReaderReadsWhatTheTreeReaderReads) {
  std::mt19937_64 rng(20261205);
  for (int i = 0; i < 2000; ++i) {
    std::string body = random_body(rng);
    auto plain = read_batch_plain(body, k_now);
    MetricBatch tree = tree_of(body);
    ASSERT_TRUE(plain) << "declined a plain body:\n" << body;
    EXPECT_EQ(describe(*plain), describe(tree)) << body;
  }
}

TEST(MetricBatchReaders, APlainBodyReadsIntoItsPointsParamsAndTags) {
  auto batch = read_batch_plain(R"({"run_id": "7", "metrics": [{"key": "loss", "value": 0.5, "timestamp": 1700000000000, "step": 3},
                                   {"key": "loss", "value": "NaN"}], "params": [{"key": "lr", "value": "0.1"}], "tags": [{"key": "t"}]})",
                                k_now);
  ASSERT_TRUE(batch);
  EXPECT_EQ(batch->run_id, "7");
  ASSERT_EQ(batch->metrics.size(), 2u);
  EXPECT_EQ(batch->metrics[0].value, 0.5);
  EXPECT_EQ(batch->metrics[0].step, 3);
  EXPECT_EQ(batch->metrics[0].time, TimePoint{std::chrono::milliseconds(1'700'000'000'000)});
  EXPECT_TRUE(std::isnan(batch->metrics[1].value));
  EXPECT_EQ(batch->metrics[1].step, 0);  // MLflow's proto default
  EXPECT_EQ(batch->metrics[1].time, k_now);
  EXPECT_EQ(batch->params, (tracking::KeyValues{{"lr", "0.1"}}));
  EXPECT_EQ(batch->tags, (tracking::KeyValues{{"t", ""}}));
}

std::string many(const std::string& element, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += (i ? "," : "") + element;
  return out;
}

TEST(MetricBatchReaders, ThePlainReaderDeclinesEveryBodyItCannotVouchFor) {
  const std::string metric = R"({"key": "loss", "value": 1})";
  const std::string kv = R"({"key": "k", "value": "v"})";
  const std::vector<std::string> bodies = {
      "",
      "[]",
      R"("run_id")",
      R"({"run_id": "1"} trailing)",
      R"({"run_id": "1", "metrics": [)",
      R"({"metrics": [{"key": "loss", "value": 1}]})",                         // no run id
      R"({"run_id": "", "run_uuid": ""})",                                     // empty ones
      R"({"run_id": 1})",                                                      // not a string
      R"({"run_id": null})",
      R"({"run_id": "1", "metrics": null})",                                   // the tree reads null as absent
      R"({"run_id": "1", "metrics": {}})",
      R"({"run_id": "1", "metrics": [1]})",
      R"({"run_id": "1", "metrics": [[]]})",
      R"({"run_id": "1", "metrics": [{"key": "loss"}]})",                      // no value
      R"({"run_id": "1", "metrics": [{"value": 1}]})",                         // no key
      R"({"run_id": "1", "metrics": [{"key": "", "value": 1}]})",
      R"({"run_id": "1", "metrics": [{"key": ")" + std::string(251, 'k') + R"(", "value": 1}]})",
      R"({"run_id": "1", "metrics": [{"key": 5, "value": 1}]})",
      R"({"run_id": "1", "metrics": [{"key": "loss", "value": "1.5"}]})",       // a number as a string
      R"({"run_id": "1", "metrics": [{"key": "loss", "value": true}]})",
      R"({"run_id": "1", "metrics": [{"key": "loss", "value": null}]})",
      R"({"run_id": "1", "metrics": [{"key": "loss", "value": NaN}]})",         // bare NaN is not JSON
      R"({"run_id": "1", "metrics": [{"key": "loss", "value": 1e999}]})",
      R"({"run_id": "1", "metrics": [{"key": "loss", "value": 1, "step": 1.5}]})",
      R"({"run_id": "1", "metrics": [{"key": "loss", "value": 1, "step": 9223372036854775808}]})",
      R"({"run_id": "1", "metrics": [{"key": "loss", "value": 1, "step": "9223372036854775808"}]})",
      R"({"run_id": "1", "metrics": [{"key": "loss", "value": 1, "step": "12x"}]})",
      R"({"run_id": "1", "metrics": [{"key": "loss", "value": 1, "step": null}]})",
      R"({"run_id": "1", "metrics": [{"key": "loss", "value": 1, "timestamp": -1}]})",
      R"({"run_id": "1", "metrics": [{"key": "loss", "value": 1, "timestamp": 253402300800000}]})",
      R"({"run_id": "1", "metrics": [{"key": "loss", "value": 1, "key": "acc"}]})",  // the tree keeps the last
      R"({"run_id": "1", "run_id": "2"})",                                     // repeated members: the tree keeps the last
      R"({"run_id": "1", "run_uuid": "1", "run_uuid": "2"})",
      R"({"run_id": "1", "metrics": [{"key": "a", "value": 1}], "metrics": [{"key": "b", "value": 2}]})",
      R"({"run_id": "1", "params": [], "params": [{"key": "k", "value": "v"}]})",
      R"({"run_id": "1", "tags": [{"key": "k"}], "tags": []})",
      R"({"run_id": "1", "metrics": [{"key": "a", "value": 1, "step": 1, "step": 2}]})",
      R"({"run_id": "1", "metrics": [{"key": "a", "value": 1, "timestamp": 1, "timestamp": 2}]})",
      R"({"run_id": "1", "metrics": [{"key": "a", "value": 1, "value": 2}]})",
      R"({"run_id": "1", "tags": [{"key": "k", "value": "a", "value": "b"}]})",
      R"({"run_id": "1", "metrics": [{"key": "loss", "value": 1, "extra": {"a": 1}}]})",
      R"({"run_id": "1", "metrics": [{"key": "loss", "value": 1, "extra": [1]}]})",
      R"({"run_id": "1", "nested": {"a": 1}})",
      R"({"run_id": "1", "params": [{"key": "k", "value": 1}]})",
      R"({"run_id": "1", "params": [{"key": "k", "value": null}]})",
      R"({"run_id": "1", "tags": [{"value": "v"}]})",
      R"({"run_id": "1", "tags": [{"key": "k", "timestamp": 1, "step": {}}]})",
      "{\"run_id\": \"1\", \"tags\": [{\"key\": \"\xff\"}]}",                    // not UTF-8
      R"({"run_id": "1", "tags": [{"key": "k", "value": "a\u0000b"}]})",       // U+0000, which no text column holds
      R"({"run_id": "1", "metrics": [)" + many(metric, 1001) + "]}",
      R"({"run_id": "1", "params": [)" + many(kv, 101) + "]}",
      R"({"run_id": "1", "tags": [)" + many(kv, 101) + "]}",
      R"({"run_id": "1", "metrics": [)" + many(metric, 1000) + R"(], "params": [)" + many(kv, 1) + "]}",  // 1,001 in all
  };
  for (const auto& body : bodies) EXPECT_FALSE(read_batch_plain(body, k_now)) << body.substr(0, 200);
  // At the limits, not beyond: read.
  EXPECT_TRUE(read_batch_plain(R"({"run_id": "1", "metrics": [)" + many(metric, 1000) + "]}", k_now));
  EXPECT_TRUE(read_batch_plain(R"({"run_id": "1", "metrics": [)" + many(metric, 900) + R"(], "params": [)" + many(kv, 100) + "]}", k_now));
}

}  // namespace
}  // namespace frugal::server
