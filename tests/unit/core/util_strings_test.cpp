// Words as a person reads them: counts with their nouns, nouns with their articles.
#include <gtest/gtest.h>

#include "util/strings.h"

namespace frugal::util {
namespace {

TEST(CountOf, OneIsSingularAndEveryOtherCountPlural) {
  EXPECT_EQ(count_of(1, "row"), "1 row");
  EXPECT_EQ(count_of(0, "row"), "0 rows");
  EXPECT_EQ(count_of(2, "row"), "2 rows");
  EXPECT_EQ(count_of(1281, "row"), "1281 rows");
  EXPECT_EQ(count_of(3, "batch", "batches"), "3 batches");
  EXPECT_EQ(count_of(1, "batch", "batches"), "1 batch");
}

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
