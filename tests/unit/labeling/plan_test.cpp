#include <algorithm>
#include <cmath>
#include <filesystem>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include "labeling/labeling.h"
#include "unit/labeling/labeling_fixture.h"

namespace frugal::labeling {
namespace {

class Plan : public testing::LabelingTest {
 protected:
  PlanOptions options(const std::string& predictions, const std::string& budget, Strategy s = Strategy::entropy) {
    PlanOptions o;
    o.predictions = predictions;
    o.budget = *Money::parse(budget);
    o.cost_per_label = *Money::parse("0.08");
    o.strategy = s;
    o.out = m_dir.file("plan");
    return o;
  }
  PlanReport planned(const PlanOptions& o) {
    auto r = plan(o);
    if (!r) throw std::runtime_error(r.error().message);
    return *r;
  }
  // The ids of to_label.csv, in rank order.
  std::vector<std::string> bought() const {
    std::vector<std::string> ids;
    auto rows = lines("plan/to_label.csv");
    for (std::size_t i = 1; i < rows.size(); ++i) {
      auto first = rows[i].find(',');
      ids.push_back(rows[i].substr(first + 1, rows[i].find(',', first + 1) - first - 1));
    }
    return ids;
  }
  // Five items from sure to unsure.
  std::string five() {
    return write("p.csv", "id,cat,dog,bird\nsure,0.98,0.01,0.01\nlean,0.7,0.2,0.1\ntwo_way,0.5,0.495,0.005\n"
                          "three_way,0.34,0.33,0.33\nsplit,0.45,0.1,0.45\n");
  }
};

TEST_F(Plan, TheBudgetBuysWholeLabelsAndTheMoneyIsExact) {
  auto r = planned(options(five(), "0.25"));  // 3 labels at $0.08, $0.01 left over
  EXPECT_EQ(r.labels_affordable, 3);
  EXPECT_EQ(r.labels_bought, 3);
  EXPECT_EQ(r.spent.to_string(2), "0.24");
  EXPECT_EQ(r.cost_to_label_all.to_string(2), "0.40");
  EXPECT_EQ(r.saved.to_string(2), "0.16");
  EXPECT_EQ(lines("plan/to_label.csv").front(), "rank,id,predicted,confidence,score");
  EXPECT_NE(read("plan/report.json").find("\"spent_usd\": \"0.24\""), std::string::npos);
}

TEST_F(Plan, EachUncertaintyMeasureRanksItsOwnWay) {
  std::string p = five();
  planned(options(p, "0.16", Strategy::entropy));
  EXPECT_EQ(bought(), (std::vector<std::string>{"three_way", "split"}));
  planned(options(p, "0.16", Strategy::margin));  // the closest top two
  EXPECT_EQ(bought(), (std::vector<std::string>{"split", "two_way"}));
  planned(options(p, "0.16", Strategy::least_confidence));  // the lowest top probability
  EXPECT_EQ(bought(), (std::vector<std::string>{"three_way", "split"}));
}

TEST_F(Plan, RareBoostsClassesTheLabelledSetHasFewOf) {
  // Equally unsure items; the labelled set is all cats, so the one predicted bird goes first.
  std::string p = write("p.csv", "id,cat,bird\nc1,0.6,0.4\nb1,0.4,0.6\nc2,0.6,0.4\nl1,0.99,0.01\nl2,0.99,0.01\n");
  auto o = options(p, "0.08", Strategy::rare);
  o.validation = write("v.csv", "id,label\nl1,cat\nl2,cat\n");
  planned(o);
  EXPECT_EQ(bought(), std::vector<std::string>{"b1"});
  o.strategy = Strategy::entropy;  // without the boost: a tie, settled by the seeded hash
  planned(o);
  EXPECT_EQ(bought().size(), 1u);
}

TEST_F(Plan, AutoLabelsWhatTheValidatedThresholdCoversButNothingBought) {
  std::string preds = "id,cat,dog\n", val = "id,label\n";
  for (int i = 0; i < 200; ++i) {  // validation: confident and right
    preds += fmt::format("v{},0.97,0.03\n", i);
    val += fmt::format("v{},cat\n", i);
  }
  preds += "u1,0.99,0.01\nu2,0.97,0.03\nu3,0.6,0.4\nu4,0.5,0.5\n";
  auto o = options(write("p.csv", preds), "0.08");
  o.validation = write("v.csv", val);
  auto r = planned(o);
  ASSERT_TRUE(r.threshold);
  EXPECT_DOUBLE_EQ(r.threshold->confidence, 0.97);
  EXPECT_EQ(r.threshold->validation_items, 200);
  EXPECT_EQ(bought(), std::vector<std::string>{"u4"});
  EXPECT_EQ(lines("plan/auto_labeled.csv"), (std::vector<std::string>{"id,label,confidence", "u1,cat,0.99", "u2,cat,0.97"}));
  EXPECT_EQ(r.auto_labeled, 2);
  EXPECT_EQ(r.candidates, 4);
}

TEST_F(Plan, AValidationItemWithoutAPredictionIsAnError) {
  auto o = options(five(), "1");
  o.validation = write("v.csv", "id,label\nsure,cat\nghost,dog\n");
  auto r = plan(o);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("id 'ghost' has no prediction"), std::string::npos) << r.error().message;
}

TEST_F(Plan, HybridWithoutEmbeddingsRanksByMarginAndSaysSo) {
  auto r = planned(options(five(), "0.16", Strategy::hybrid));
  EXPECT_EQ(r.strategy, "margin (hybrid spreads the batch with --embeddings; none given)");
  EXPECT_EQ(bought(), (std::vector<std::string>{"split", "two_way"}));
  auto diverse = plan(options(five(), "0.16", Strategy::diverse));
  ASSERT_FALSE(diverse);
  EXPECT_EQ(diverse.error().message, "--strategy diverse: needs --embeddings");
}

TEST_F(Plan, HybridSpreadsTheBatchInsteadOfTakingNearDuplicates) {
  // Four near-identical unsure items in one spot, and a slightly less unsure one far away.
  std::string p = write("p.csv", "id,cat,dog\nd1,0.5,0.5\nd2,0.5,0.5\nd3,0.51,0.49\nd4,0.5,0.5\nfar,0.6,0.4\n");
  std::string e = write("e.csv", "id,e0,e1\nd1,0,0\nd2,0,0.01\nd3,0.01,0\nd4,0.01,0.01\nfar,5,5\n");
  auto o = options(p, "0.16", Strategy::entropy);
  planned(o);
  auto by_entropy = bought();
  EXPECT_EQ(std::count(by_entropy.begin(), by_entropy.end(), "far"), 0);  // entropy alone takes two duplicates
  o.strategy = Strategy::hybrid;
  o.embeddings = e;
  planned(o);
  auto ids = bought();
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), "far"), 1);
}

TEST_F(Plan, ASpreadBatchIsScoredByWhatEachPickAddedAndTheScoresFall) {
  std::string preds = "id,cat,dog\n", emb = "id,e0,e1\n", val = "id,label\n";
  for (int i = 0; i < 60; ++i) {
    preds += fmt::format("i{},{:.2f},{:.2f}\n", i, 0.5 + (i % 7) * 0.05, 0.5 - (i % 7) * 0.05);
    emb += fmt::format("i{},{},{}\n", i, (i * 13) % 17, (i * 7) % 11);
  }
  preds += "l0,0.9,0.1\n";
  emb += "l0,0,0\n";
  val += "l0,cat\n";
  auto o = options(write("p.csv", preds), "0.80", Strategy::hybrid);
  o.embeddings = write("e.csv", emb);
  o.validation = write("v.csv", val);
  planned(o);
  auto rows = lines("plan/to_label.csv");
  ASSERT_EQ(rows.size(), 11u);
  double previous = INFINITY;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    double score = std::stod(rows[i].substr(rows[i].rfind(',') + 1));
    EXPECT_GT(score, 0) << rows[i];
    EXPECT_LE(score, previous) << rows[i];
    previous = score;
  }
}

TEST_F(Plan, ACandidateWithoutAVectorIsNamed) {
  auto o = options(write("p.csv", "id,cat,dog\na,0.5,0.5\nb,0.6,0.4\n"), "0.08", Strategy::diverse);
  o.embeddings = write("e.csv", "id,e0\na,1\n");
  auto r = plan(o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, m_dir.file("e.csv") + ": no vector for id 'b' (in " + m_dir.file("p.csv") + ")");
}

TEST_F(Plan, TheSameSeedGivesTheSamePlan) {
  std::string preds = "id,cat,dog\n";
  for (int i = 0; i < 300; ++i) preds += fmt::format("i{},0.5,0.5\n", i);  // all tied
  auto o = options(write("p.csv", preds), "0.80");
  o.seed = 11;
  planned(o);
  auto first = bought();
  planned(o);
  EXPECT_EQ(bought(), first);
  o.seed = 12;
  planned(o);
  EXPECT_NE(bought(), first);
}

TEST_F(Plan, BadInputLeavesThePreviousPlanAsItWas) {
  planned(options(five(), "0.16"));
  std::string before = read("plan/to_label.csv") + read("plan/report.json");
  auto r = plan(options(write("bad.csv", "id,cat,dog\na,0.5,0.5\nb,0.9\n"), "0.16"));
  ASSERT_FALSE(r);
  EXPECT_EQ(read("plan/to_label.csv") + read("plan/report.json"), before);
  std::vector<std::string> left;
  for (const auto& f : std::filesystem::directory_iterator(m_dir.file("plan"))) left.push_back(f.path().filename());
  std::sort(left.begin(), left.end());
  EXPECT_EQ(left, (std::vector<std::string>{"auto_labeled.csv", "report.json", "to_label.csv"}));  // no temporaries
}

TEST_F(Plan, TemporaryFilesOfAKilledPlanAreRemovedByTheNext) {
  std::filesystem::create_directories(m_dir.file("plan"));
  pid_t dead = 0;  // a pid that runs nothing: a child that has exited and been reaped
  if ((dead = fork()) == 0) _exit(0);
  waitpid(dead, nullptr, 0);
  write(fmt::format("plan/.spill.{}.tmp", dead), "half a spill");
  write("plan/.spill.1.tmp", "a live process's");  // pid 1 always runs
  write("plan/.notes.tmp", "not ours");
  planned(options(five(), "0.16"));
  EXPECT_FALSE(std::filesystem::exists(m_dir.file(fmt::format("plan/.spill.{}.tmp", dead))));
  EXPECT_TRUE(std::filesystem::exists(m_dir.file("plan/.spill.1.tmp")));
  EXPECT_TRUE(std::filesystem::exists(m_dir.file("plan/.notes.tmp")));
}

TEST_F(Plan, FlagsOutOfRangeAreRefused) {
  auto o = options(five(), "1");
  o.cost_per_label = Money{};
  EXPECT_FALSE(plan(o));
  o = options(five(), "1");
  o.auto_label_accuracy = 1.5;
  EXPECT_FALSE(plan(o));
  o = options(m_dir.file("missing.csv"), "1");
  auto r = plan(o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "--predictions " + m_dir.file("missing.csv") + ": no such file");
  EXPECT_FALSE(parse_strategy("smart"));
  EXPECT_EQ(*parse_strategy("least-confidence"), Strategy::least_confidence);
}

TEST_F(Plan, ABudgetThatBuysNoLabelIsRefusedAndReplacesNothing) {
  planned(options(five(), "0.16"));
  std::string before = read("plan/to_label.csv") + read("plan/report.json");
  for (const char* budget : {"0", "0.07"})  // nothing, and under one label at $0.08
    for (Strategy s : {Strategy::entropy, Strategy::margin, Strategy::least_confidence, Strategy::rare, Strategy::hybrid}) {
      auto r = plan(options(five(), budget, s));
      ASSERT_FALSE(r) << budget << " " << strategy_name(s);
      EXPECT_EQ(r.error().code, ErrorCode::invalid);
      EXPECT_NE(r.error().message.find("buys no label at $0.08 a label"), std::string::npos) << r.error().message;
    }
  EXPECT_EQ(read("plan/to_label.csv") + read("plan/report.json"), before);
}

TEST_F(Plan, ABudgetOverEveryItemBuysEachOnceAndKeepsTheRest) {
  auto r = planned(options(five(), "100"));
  EXPECT_EQ(r.labels_bought, 5);
  EXPECT_EQ(r.spent.to_string(2), "0.40");
  EXPECT_EQ(bought().size(), 5u);
}

}  // namespace
}  // namespace frugal::labeling
