// Words as a person reads them: nouns with their articles (counts: util_display_test.cpp).
#include <gtest/gtest.h>

#include "util/strings.h"

namespace frugal::util {
namespace {

TEST(WithArticle, TheArticleFollowsTheSoundNotOnlyTheLetter) {
  EXPECT_EQ(with_article("agent"), "an agent");
  EXPECT_EQ(with_article("admin"), "an admin");
  EXPECT_EQ(with_article("member"), "a member");
  EXPECT_EQ(with_article("user"), "a user");
  EXPECT_EQ(with_article("hour"), "an hour");
  EXPECT_EQ(with_article("Azure export"), "an Azure export");
}

}  // namespace
}  // namespace frugal::util
