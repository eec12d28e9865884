#include <cmath>

#include "labeling/inputs.h"
#include "unit/labeling/labeling_fixture.h"

namespace frugal::labeling {
namespace {

class Inputs : public testing::LabelingTest {
 protected:
  // Reads a predictions file; returns the rows or the error message.
  std::vector<Prediction> rows(const std::string& file, std::string* error = nullptr) {
    std::vector<Prediction> out;
    std::vector<std::string> ids;
    auto r = read_predictions(file, m_classes, [&](const Prediction& p) -> Result<void> {
      ids.emplace_back(p.id);
      out.push_back(p);
      return {};
    });
    if (!r && error) *error = r.error().message;
    if (!r && !error) ADD_FAILURE() << r.error().message;
    m_ids = ids;
    return out;
  }
  std::string error_of(const std::string& file) {
    std::string e;
    rows(file, &e);
    return e;
  }
  Classes m_classes;
  std::vector<std::string> m_ids;
};

TEST_F(Inputs, AColumnPerClassGivesTopClassRunnerUpAndEntropy) {
  auto p = rows(write("p.csv", "id,cat,dog,bird\na,0.7,0.2,0.1\nb,0.25,0.5,0.25\n"));
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(m_ids[0], "a");
  EXPECT_EQ(m_classes.name(p[0].predicted), "cat");
  EXPECT_DOUBLE_EQ(p[0].confidence, 0.7);
  EXPECT_DOUBLE_EQ(p[0].runner_up, 0.2);
  EXPECT_NEAR(p[0].entropy, -(0.7 * std::log(0.7) + 0.2 * std::log(0.2) + 0.1 * std::log(0.1)), 1e-12);
  EXPECT_EQ(m_classes.name(p[1].predicted), "dog");
  EXPECT_EQ(p[1].line, 3u);
}

TEST_F(Inputs, TopKPairsCountTheMissingMassAsOneMoreOutcome) {
  auto p = rows(write("p.csv", "id,label_1,prob_1,label_2,prob_2\na,cat,0.6,dog,0.3\nb,dog,0.9,,\n"));
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(m_classes.name(p[0].predicted), "cat");
  EXPECT_NEAR(p[0].entropy, -(0.6 * std::log(0.6) + 0.3 * std::log(0.3) + 0.1 * std::log(0.1)), 1e-12);
  EXPECT_DOUBLE_EQ(p[1].runner_up, 0);  // one candidate given
}

TEST_F(Inputs, JsonLinesTakeFullProbsOrTopK) {
  auto p = rows(write("p.jsonl", "{\"id\": \"a\", \"probs\": {\"cat\": 0.2, \"dog\": 0.8}}\n\n"
                                 "{\"id\": 7, \"top\": {\"bird\": 0.5}}\n"));
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(m_ids[1], "7");
  EXPECT_EQ(m_classes.name(p[0].predicted), "dog");
  EXPECT_EQ(m_classes.name(p[1].predicted), "bird");
  EXPECT_EQ(p[1].line, 3u);
  EXPECT_NE(error_of(write("q.jsonl", "{\"id\": \"a\", \"probs\": {\"cat\": 0.2}}\n")).find("sum to 0.2"),
            std::string::npos);
}

TEST_F(Inputs, ARaggedRowNamesItsLineAndBothCounts) {
  EXPECT_EQ(error_of(write("p.csv", "id,cat,dog\na,0.5,0.5\nb,1\n")), m_dir.file("p.csv") + ":3: 2 fields, the header has 3");
}

TEST_F(Inputs, ProbabilitiesThatDoNotSumToOneAreRefusedWithTheirSum) {
  EXPECT_EQ(error_of(write("p.csv", "id,cat,dog\na,0.5,0.3\n")), m_dir.file("p.csv") + ":2: the probabilities sum to 0.8, not 1");
  EXPECT_NE(error_of(write("k.csv", "id,label_1,prob_1,label_2,prob_2\na,x,0.7,y,0.6\n")).find("sum to 1.3, not 1 or less"),
            std::string::npos);
}

TEST_F(Inputs, NanNegativeAndTextNameTheColumn) {
  EXPECT_EQ(error_of(write("a.csv", "id,cat,dog\na,nan,1\n")), m_dir.file("a.csv") + ":2: cat: NaN is not a probability");
  EXPECT_EQ(error_of(write("b.csv", "id,cat,dog\na,1.2,-0.2\n")),
            m_dir.file("b.csv") + ":2: cat: 1.2 is not a probability (0 to 1)");
  EXPECT_EQ(error_of(write("c.csv", "id,cat,dog\na,half,0.5\n")), m_dir.file("c.csv") + ":2: cat: 'half' is not a number");
  EXPECT_EQ(error_of(write("d.csv", "name,cat\na,1\n")), m_dir.file("d.csv") + ":1: the first column must be 'id'");
  EXPECT_EQ(error_of(write("e.csv", "id,cat,cat\na,0.5,0.5\n")), m_dir.file("e.csv") + ":1: class 'cat' has two columns");
}

TEST_F(Inputs, AnIdListedTwiceIsNamedWithBothLines) {
  std::string file = write("p.csv", "id,cat,dog\na,0.5,0.5\nb,0.5,0.5\na,0.1,0.9\n");
  IdDuplicates dup;
  rows(file);
  for (std::size_t i = 0; i < m_ids.size(); ++i) dup.add(m_ids[i], i + 2);
  auto r = dup.check(file);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, file + ":4: id 'a' is listed twice (first on line 2)");
  IdDuplicates none;
  none.add("a", 2);
  none.add("b", 3);
  EXPECT_TRUE(none.check(file));
}

TEST_F(Inputs, ValidationLabelsRefuseDuplicatesAndEmptyLabels) {
  auto ok = read_validation(write("v.csv", "id,label\na,cat\nb,dog\n"));
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->at("b"), "dog");
  auto twice = read_validation(write("w.csv", "id,label\na,cat\na,dog\n"));
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().message, m_dir.file("w.csv") + ":3: id: listed twice");
  auto empty = read_validation(write("x.jsonl", "{\"id\": \"a\", \"label\": \"\"}\n"));
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().message, m_dir.file("x.jsonl") + ":1: label: empty");
  EXPECT_FALSE(read_validation(write("y.csv", "id,class\na,cat\n")));
}

TEST_F(Inputs, EmbeddingsKeepOnlyWantedIdsAndRefuseAnotherDimension) {
  auto e = read_embeddings(write("e.csv", "id,e0,e1\na,1,2\nb,3,4\nc,5,6\n"), {"c", "a"});
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_EQ(e->dim, 2u);
  EXPECT_EQ(e->row_of.size(), 2u);
  EXPECT_EQ(e->vectors[e->row_of.at("c") * 2 + 1], 6.0f);
  auto j = read_embeddings(write("e.jsonl", "{\"id\": \"a\", \"embedding\": [1, 2]}\n{\"id\": \"b\", \"embedding\": [1]}\n"),
                           {"a"});
  ASSERT_FALSE(j);
  EXPECT_EQ(j.error().message, m_dir.file("e.jsonl") + ":2: 1 dimensions, earlier rows have 2");
  auto nan = read_embeddings(write("n.csv", "id,e0\na,nan\n"), {"a"});
  ASSERT_FALSE(nan);
  EXPECT_EQ(nan.error().message, m_dir.file("n.csv") + ":2: component 0: not a finite number");
}

TEST_F(Inputs, AnEmbeddingComponentBeyondAFloatIsRefusedNotKeptAsInfinity) {
  // Found by tests/fuzz/fuzz_labeling: 1e39 is a finite double but an infinite float.
  auto csv = read_embeddings(write("big.csv", "id,e0,e1\na,1,1e39\n"), {"a"});
  ASSERT_FALSE(csv);
  EXPECT_EQ(csv.error().message, m_dir.file("big.csv") + ":2: component 1: 1e+39 is beyond a float's range");
  auto json = read_embeddings(write("big.jsonl", "{\"id\": \"a\", \"embedding\": [-3.5e38]}\n"), {"a"});
  ASSERT_FALSE(json);
  EXPECT_NE(json.error().message.find("component 0: -3.5e+38 is beyond a float's range"), std::string::npos)
      << json.error().message;
  auto largest = read_embeddings(write("max.csv", "id,e0\na,3.4e38\n"), {"a"});
  ASSERT_TRUE(largest) << largest.error().message;
  EXPECT_TRUE(std::isfinite(largest->vectors.at(0)));
}

}  // namespace
}  // namespace frugal::labeling
