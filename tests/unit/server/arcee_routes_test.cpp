// OptScale arcee's resource samples.
#include "unit/server/route_test_util.h"

namespace frugal::server {
namespace {

class ArceeProc : public testing::RouteTest {
 protected:
  void SetUp() override { add_arcee_routes(m_routes); }
};

TEST_F(ArceeProc, ByteCountsBeyondAnIntegerAreDroppedNotCast) {
  // Found with tests/fuzz/fuzz_routes: an rss of 1e300 bytes was cast to an integer (undefined).
  auto id = start_run();
  auto r = call("POST", "/arcee/v2/run/{id}/proc",
                R"({"proc_stats": {"proc": {"cpu": 50, "mem": {"rss": {"t": 1e300}}},
                                   "gpu_stats": {"avg_gpu_load": 80, "avg_gpu_memory_used": 1e300}}})",
                {std::to_string(id)});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(scalar("SELECT count(*) FROM samples WHERE gpu_index IS NULL AND cpu_pct = 50 AND rss_bytes IS NULL"), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM samples WHERE gpu_index = 0 AND gpu_util_pct = 80 AND gpu_mem_bytes IS NULL"), 1);
  auto sane = call("POST", "/arcee/v2/run/{id}/proc",
                   R"({"proc_stats": {"proc": {"mem": {"rss": {"t": 1048576}}}, "gpu_stats": {"avg_gpu_memory_used": 2}}})",
                   {std::to_string(id)});
  ASSERT_TRUE(sane) << sane.error().message;
  EXPECT_EQ(scalar("SELECT count(*) FROM samples WHERE rss_bytes = 1048576"), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM samples WHERE gpu_mem_bytes = 2097152"), 1);
}

class ArceeUpdate : public testing::RouteTest {
 protected:
  void SetUp() override { add_arcee_routes(m_routes); }
};

TEST_F(ArceeUpdate, TagFrugalTeamCannotMoveARunToAnotherTeam) {
  // MLflow's set-tag refuses it; arcee's PATCH run/{id} goes through the same door.
  auto id = start_run();
  auto r = call("PATCH", "/arcee/v2/run/{id}", R"({"tags": {"frugal.team": "nlp", "note": "x"}})", {std::to_string(id)},
                Principal{2, Role::agent, "vision"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::forbidden);
  EXPECT_EQ(scalar("SELECT count(*) FROM runs WHERE team = 'vision'"), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM tags"), 0) << "nothing of the refused call was written";
  auto own = call("PATCH", "/arcee/v2/run/{id}", R"({"tags": {"frugal.team": "vision"}})", {std::to_string(id)},
                  Principal{2, Role::agent, "vision"});
  EXPECT_TRUE(own) << own.error().message;
}

}  // namespace
}  // namespace frugal::server
