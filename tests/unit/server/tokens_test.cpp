// API tokens: kept hashed, scoped to a role and team, refused once expired or revoked.
#include <gtest/gtest.h>

#include "core/time.h"
#include "server/server.h"
#include "test_database.h"

namespace frugal::server {
namespace {

struct Tokens : ::testing::Test {
  testing::TestDir dir;
  std::unique_ptr<store::Store> db = std::move(*store::open_store(::frugal::testing::database(dir)));
  TimePoint now = *parse_utc("2026-11-26T12:00:00Z");
};

TEST_F(Tokens, ATokenAuthenticatesAsItsRoleAndTeam) {
  auto token = create_token(*db, {"ci", "vision", Role::agent, std::nullopt}, now);
  ASSERT_TRUE(token) << token.error().message;
  auto who = authenticate(*db, *token, now);
  ASSERT_TRUE(who) << who.error().message;
  EXPECT_EQ(who->role, Role::agent);
  EXPECT_EQ(who->team, "vision");
}

TEST_F(Tokens, OnlyTheHashIsStored) {
  auto token = *create_token(*db, {"", "", Role::admin, std::nullopt}, now);
  auto rows = db->query("SELECT token_hash, prefix FROM tokens");
  ASSERT_TRUE(rows);
  std::string hash = store::as_text(rows->rows.at(0)[0]);
  EXPECT_EQ(hash.size(), 64U);
  EXPECT_EQ(hash.find(token.substr(7)), std::string::npos);
  EXPECT_EQ(store::as_text(rows->rows.at(0)[1]), token.substr(0, 12));
}

TEST_F(Tokens, ExpiredRevokedAndUnknownTokensAreRefusedAlike) {
  auto expiring = *create_token(*db, {"", "nlp", Role::member, now + std::chrono::hours(1)}, now);
  EXPECT_TRUE(authenticate(*db, expiring, now));
  auto later = authenticate(*db, expiring, now + std::chrono::hours(1));
  ASSERT_FALSE(later);
  EXPECT_EQ(later.error().code, ErrorCode::unauthenticated);

  auto revoked = *create_token(*db, {"", "nlp", Role::member, std::nullopt}, now);
  auto list = *list_tokens(*db);
  ASSERT_TRUE(revoke_token(*db, list.back().id, now));
  EXPECT_EQ(authenticate(*db, revoked, now).error().code, ErrorCode::unauthenticated);
  EXPECT_EQ(authenticate(*db, "frugal_" + std::string(40, '0'), now).error().code, ErrorCode::unauthenticated);
  EXPECT_EQ(authenticate(*db, "", now).error().code, ErrorCode::unauthenticated);
  EXPECT_EQ(authenticate(*db, revoked, now).error().message, authenticate(*db, "nonsense", now).error().message)
      << "the error does not tell a revoked token from a wrong one";
}

TEST_F(Tokens, AgentAndMemberTokensNeedATeam) {
  for (Role role : {Role::agent, Role::member}) {
    auto token = create_token(*db, {"", "", role, std::nullopt}, now);
    ASSERT_FALSE(token);
    EXPECT_NE(token.error().message.find("--team"), std::string::npos);
  }
  EXPECT_TRUE(create_token(*db, {"", "", Role::admin, std::nullopt}, now));
}

TEST_F(Tokens, RevokingAnUnknownTokenIsNotFound) {
  EXPECT_EQ(revoke_token(*db, 42, now).error().code, ErrorCode::not_found);
}

TEST_F(Tokens, TwoTokensDiffer) {
  auto a = *create_token(*db, {"", "", Role::admin, std::nullopt}, now);
  auto b = *create_token(*db, {"", "", Role::admin, std::nullopt}, now);
  EXPECT_NE(a, b);
  EXPECT_EQ(a.size(), 47U);
}

}  // namespace
}  // namespace frugal::server
