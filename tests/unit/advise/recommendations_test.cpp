// Stored recommendations: ranked, replaced when computed again, dismissals kept; the Spot Instance
// Advisor feed, real and broken.
#include <fstream>

#include <gtest/gtest.h>

#include "unit/advise/advise_fixture.h"

namespace frugal::advise {
namespace {

class Stored : public testing::AdviseTest {
 protected:
  static Recommendation rec(const std::string& target, const std::string& usd, const std::string& team = "vision") {
    Recommendation r;
    r.rule = "spot";
    r.id = recommendation_id(r.rule, target);
    r.team = team;
    r.target = target;
    r.finding = "seen";
    r.evidence = {{"runs", "3"}, {"quote \"and\" unicode", "→ ok"}};
    r.query = "SELECT 1";
    r.monthly_saving = *Money::parse(usd);
    r.confidence = 0.5;
    r.action = "act";
    return r;
  }
  TimePoint now() const { return *parse_utc("2026-11-26T12:00:00Z"); }
};

TEST_F(Stored, SavedRecommendationsComeBackRankedWithTheirEvidence) {
  ASSERT_TRUE(save(*m_store, {rec("a", "10"), rec("b", "30.5"), rec("c", "20")}, "", now()));
  auto open = open_recommendations(*m_store, "");
  ASSERT_TRUE(open);
  ASSERT_EQ(open->size(), 3u);
  EXPECT_EQ((*open)[0].target, "b");
  EXPECT_EQ((*open)[0].monthly_saving.to_string(), "30.50");
  ASSERT_EQ((*open)[0].evidence.size(), 2u);
  EXPECT_EQ((*open)[0].evidence[1].name, "quote \"and\" unicode");
  EXPECT_EQ((*open)[0].evidence[1].value, "→ ok");
}

TEST_F(Stored, ADismissedRecommendationStaysDismissedWhenFoundAgain) {
  ASSERT_TRUE(save(*m_store, {rec("a", "10"), rec("b", "30")}, "", now()));
  std::string id = recommendation_id("spot", "b");
  ASSERT_TRUE(dismiss(*m_store, id, "the A100s are needed for the 70B run", now()));
  ASSERT_TRUE(save(*m_store, {rec("a", "10"), rec("b", "31")}, "", now()));
  auto open = open_recommendations(*m_store, "");
  ASSERT_EQ(open->size(), 1u);
  EXPECT_EQ((*open)[0].target, "a");
  auto why = m_store->query("SELECT dismissed_why FROM recommendations WHERE id = ?", std::vector<store::Value>{id});
  EXPECT_EQ(store::as_text(why->rows.at(0).at(0)), "the A100s are needed for the 70B run");
}

TEST_F(Stored, WhatIsNotFoundAgainGoesAwayButOnlyInTheScopeComputed) {
  ASSERT_TRUE(save(*m_store, {rec("a", "10", "vision"), rec("b", "10", "nlp")}, "", now()));
  ASSERT_TRUE(save(*m_store, {}, "vision", now()));  // vision's computed again: nothing found
  auto open = open_recommendations(*m_store, "");
  ASSERT_EQ(open->size(), 1u);
  EXPECT_EQ((*open)[0].team, "nlp");
}

TEST_F(Stored, DismissingNeedsAReasonAndAKnownId) {
  ASSERT_TRUE(save(*m_store, {rec("a", "10")}, "", now()));
  auto no_why = dismiss(*m_store, recommendation_id("spot", "a"), "  ", now());
  ASSERT_FALSE(no_why);
  EXPECT_EQ(no_why.error().code, ErrorCode::invalid);
  auto unknown = dismiss(*m_store, "spot-00000000", "why", now());
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::not_found);
  ASSERT_TRUE(dismiss(*m_store, recommendation_id("spot", "a"), "why", now()));
  auto twice = dismiss(*m_store, recommendation_id("spot", "a"), "why", now());
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().code, ErrorCode::conflict);
}

TEST_F(Stored, TheRealSpotAdvisorFeedGivesEveryRegionsBands) {
  FRUGAL_REQUIRE_SHARED_DATA("spot/aws_spot_advisor/spot-advisor-data.json");
  auto stats = import_spot_advisor(*m_store, ::frugal::testing::shared_data("spot/aws_spot_advisor/spot-advisor-data.json"), now());
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(stats->regions, 33u);
  EXPECT_GT(stats->rows, 20'000u);
  auto p3 = m_store->query("SELECT interruption_label, interruption_max_pct FROM spot_advisor WHERE region = 'us-east-1' "
                           "AND os = 'Linux' AND instance_type = 'p3.2xlarge'");
  ASSERT_TRUE(p3);
  ASSERT_EQ(p3->rows.size(), 1u);
  EXPECT_EQ(store::as_text(p3->rows[0][0]), ">20%");
  EXPECT_EQ(store::as_int(p3->rows[0][1]), 100);
}

TEST_F(Stored, ABrokenFeedNamesWhereAndChangesNothing) {
  exec("INSERT INTO spot_advisor (region, os, instance_type, savings_pct, interruption_label, interruption_max_pct, "
       "imported_at) VALUES ('r', 'Linux', 't', 1, '<5%', 5, 'x')");
  std::string path = m_dir.file("feed.json");
  std::ofstream(path) << R"({"ranges": [{"index": 0, "label": "<5%", "max": 5}],
    "spot_advisor": {"us-east-1": {"Linux": {"m5.large": {"s": 70, "r": 0}, "p3.2xlarge": {"s": 70, "r": 7}}}}})";
  auto r = import_spot_advisor(*m_store, path, now());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("spot_advisor.us-east-1.Linux.p3.2xlarge.r: 7 is not one of the ranges"),
            std::string::npos) << r.error().message;
  EXPECT_EQ(store::as_int(m_store->query("SELECT count(*) FROM spot_advisor")->rows.at(0).at(0)), 1);
  std::ofstream(path) << "{\"ranges\": [";
  auto truncated = import_spot_advisor(*m_store, path, now());
  ASSERT_FALSE(truncated);
  EXPECT_NE(truncated.error().message.find("not JSON"), std::string::npos);
}

TEST_F(Stored, AFeedWithANumberBeyondADoubleOrABandBeyondAPercentIsRefusedAndChangesNothing) {
  // Found by tests/fuzz/fuzz_spot_advisor: nlohmann reports 1e999 as out_of_range, not parse_error,
  // and a band's max of 1e300 was cast to an integer.
  exec("INSERT INTO spot_advisor (region, os, instance_type, savings_pct, interruption_label, interruption_max_pct, "
       "imported_at) VALUES ('r', 'Linux', 't', 1, '<5%', 5, 'x')");
  std::string path = m_dir.file("feed.json");
  std::ofstream(path) << R"({"ranges": [], "spot_advisor": {"us-east-1": {"Linux": {"p3.2xlarge": {"s": -1e309, "r": 0}}}}})";
  auto huge = import_spot_advisor(*m_store, path, now());
  ASSERT_FALSE(huge);
  EXPECT_EQ(huge.error().code, ErrorCode::invalid);
  EXPECT_NE(huge.error().message.find("not JSON"), std::string::npos) << huge.error().message;
  std::ofstream(path) << R"({"ranges": [{"index": 0, "label": "<5%", "max": 1e300}], "spot_advisor": {}})";
  auto band = import_spot_advisor(*m_store, path, now());
  ASSERT_FALSE(band);
  EXPECT_NE(band.error().message.find("ranges: max 1e+300 is not a percentage (0 to 100)"), std::string::npos)
      << band.error().message;
  EXPECT_EQ(store::as_int(m_store->query("SELECT count(*) FROM spot_advisor")->rows.at(0).at(0)), 1);
}

}  // namespace
}  // namespace frugal::advise
