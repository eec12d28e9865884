// Walking export trees (tests/fixtures/bill_exports, made by its make.sh from the real samples'
// first rows): the newest version of each period only, nothing twice, a new version replacing the
// period's rows, a walk cut short finished by the next one.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "billing/billing.h"
#include "core/csv_reader.h"
#include "test_database.h"

namespace frugal::billing {
namespace {

namespace fs = std::filesystem;
const TimePoint k_now = *parse_utc("2026-11-26T12:00:00Z");
const std::string k_fixtures = std::string(FRUGAL_SOURCE_DIR) + "/tests/fixtures/bill_exports";
const std::string k_cur_period = "cur/hourly/20231101-20231201";
const std::string k_assembly_a = k_cur_period + "/aaaa1111-0000-4000-8000-000000000001";
const std::string k_assembly_b = k_cur_period + "/bbbb2222-0000-4000-8000-000000000002";

// A source that fails to fetch its n-th file: a walk killed there.
class CutSource final : public ExportSource {
 public:
  CutSource(std::unique_ptr<ExportSource> inner, int fail_at) : m_inner(std::move(inner)), m_fail_at(fail_at) {}
  Result<std::vector<ExportObject>> list() override { return m_inner->list(); }
  Result<std::string> read_text(const std::string& key) override { return m_inner->read_text(key); }
  std::string name_of(const std::string& key) const override { return m_inner->name_of(key); }
  Result<ExportFingerprint> fingerprint(const ExportObject& o) override { return m_inner->fingerprint(o); }
  Result<std::string> fetch(const ExportObject& o) override {
    if (++m_fetched == m_fail_at) return fail(ErrorCode::io, "killed");
    return m_inner->fetch(o);
  }

 private:
  std::unique_ptr<ExportSource> m_inner;
  int m_fail_at;
  int m_fetched = 0;
};

// A bucket seen through its listing: objects known by ETag (no hash), downloads counted. `etag`
// is what the store answers now: S3 gives an object uploaded again a new one, same bytes or not.
class EtagSource final : public ExportSource {
 public:
  explicit EtagSource(std::unique_ptr<ExportSource> inner) : m_inner(std::move(inner)) {}
  Result<std::vector<ExportObject>> list() override { return m_inner->list(); }
  Result<std::string> read_text(const std::string& key) override { return m_inner->read_text(key); }
  std::string name_of(const std::string& key) const override { return m_inner->name_of(key); }
  Result<ExportFingerprint> fingerprint(const ExportObject& o) override { return ExportFingerprint{"", etag + o.key}; }
  Result<std::string> fetch(const ExportObject& o) override {
    ++fetched;
    return m_inner->fetch(o);
  }
  std::string etag = "v1-";
  int fetched = 0;

 private:
  std::unique_ptr<ExportSource> m_inner;
};

class ExportImport : public ::testing::Test {
 protected:
  void SetUp() override { m_store = std::move(*store::open_store(::frugal::testing::database(m_dir))); }

  // A copy of a fixture tree, to change as the cloud would.
  std::string tree(const std::string& name) {
    std::string to = m_dir.file(name);
    fs::copy(k_fixtures + "/" + name, to, fs::copy_options::recursive);
    return to;
  }
  Result<ExportImportResult> walk(const std::string& root) {
    auto source = folder_source(root);
    return import_export(*m_store, *source, {}, k_now);
  }
  std::int64_t count(const std::string& sql) {
    auto r = m_store->query(sql);
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    return r ? store::as_int(r->rows.at(0).at(0)) : -1;
  }
  static std::size_t imported(const ExportImportResult& r) {
    return static_cast<std::size_t>(std::count_if(r.files.begin(), r.files.end(), [](const auto& f) {
      return f.outcome == ExportFileResult::Outcome::imported;
    }));
  }

  ::frugal::testing::TestDir m_dir;
  std::unique_ptr<store::Store> m_store;
};

TEST_F(ExportImport, TakesOnlyTheNewestCurAssemblyOfAPeriod) {
  std::string root = tree("aws_cur1");
  auto r = walk(root);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->versions.size(), 1u);
  EXPECT_EQ(imported(*r), 2u);
  EXPECT_EQ(r->superseded, std::vector<std::string>{k_assembly_a + "/hourly-00001.csv.gz"});
  EXPECT_TRUE(r->missing.empty());
  EXPECT_EQ(count("SELECT count(*) FROM charges"), 30);
  EXPECT_EQ(count("SELECT count(*) FROM imports WHERE file LIKE '%bbbb2222%'"), 2);
}

TEST_F(ExportImport, ASecondWalkImportsNothing) {
  std::string root = tree("aws_cur1");
  ASSERT_TRUE(walk(root));
  auto again = walk(root);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(imported(*again), 0u);
  EXPECT_EQ(again->files.size(), 2u);
  EXPECT_EQ(count("SELECT count(*) FROM imports"), 2);
  EXPECT_EQ(count("SELECT count(*) FROM charges"), 30);
}

TEST_F(ExportImport, ANewAssemblyReplacesThePeriodsRowsRatherThanAddingToThem) {
  std::string root = tree("aws_cur1");
  std::string current = root + "/" + k_cur_period + "/hourly-Manifest.json";
  fs::copy_file(root + "/" + k_assembly_a + "/hourly-Manifest.json", current, fs::copy_options::overwrite_existing);
  auto first = walk(root);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(count("SELECT count(*) FROM charges"), 20);
  // AWS delivers a restatement: a new assembly, and the period's manifest now names it.
  fs::copy_file(root + "/" + k_assembly_b + "/hourly-Manifest.json", current, fs::copy_options::overwrite_existing);
  auto second = walk(root);
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(imported(*second), 2u);
  EXPECT_EQ(count("SELECT count(*) FROM charges"), 30);
  EXPECT_EQ(count("SELECT count(*) FROM charges WHERE import_id IN (SELECT id FROM imports WHERE file LIKE '%aaaa1111%')"), 0);
  EXPECT_EQ(count("SELECT live_rows FROM imports WHERE file LIKE '%aaaa1111%'"), 0);
  EXPECT_EQ(count("SELECT sum(live_rows) FROM imports"), 30);
}

TEST_F(ExportImport, AWalkCutShortIsFinishedByTheNextOne) {
  std::string root = tree("aws_cur1");
  CutSource cut(folder_source(root), 2);
  auto killed = import_export(*m_store, cut, {}, k_now);
  ASSERT_FALSE(killed);
  EXPECT_EQ(count("SELECT count(*) FROM imports"), 1);  // the first file, whole
  EXPECT_EQ(count("SELECT count(*) FROM charges"), 15);
  auto rerun = walk(root);
  ASSERT_TRUE(rerun) << rerun.error().message;
  EXPECT_EQ(imported(*rerun), 1u);
  EXPECT_EQ(count("SELECT count(*) FROM imports"), 2);
  EXPECT_EQ(count("SELECT count(*) FROM charges"), 30);  // the first file's rows kept, not replaced
}

TEST_F(ExportImport, DataExportsOfFocusAndCur2ReadGzipAndZstd) {
  auto r = walk(tree("data_exports"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->versions.size(), 2u);
  EXPECT_EQ(imported(*r), 2u);
  EXPECT_EQ(count("SELECT count(*) FROM imports WHERE format = 'focus' AND file LIKE '%.csv.gz'"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM imports WHERE format = 'aws_cur2' AND file LIKE '%.csv.zst'"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM charges WHERE billing_period_start LIKE '2024-09-01%'"),
            count("SELECT sum(rows) FROM imports"));
}

TEST_F(ExportImport, AFileChangedInPlaceIsImportedAgainAndReplacesItsRows) {
  std::string root = tree("data_exports");
  ASSERT_TRUE(walk(root));
  std::int64_t before = count("SELECT count(*) FROM charges");
  std::int64_t cur2_rows = count("SELECT rows FROM imports WHERE format = 'aws_cur2'");
  // Data Exports' "overwrite" delivery: the same name, new bytes (the same rows, stored as plain text).
  std::string cur2 = root + "/exports/cur2/data/BILLING_PERIOD=2024-09/cur2-00001.csv.zst";
  std::string text;
  {
    auto reader = *CsvReader::open(cur2);
    while (*reader.next()) {
      std::string line;
      for (auto f : reader.fields()) line += (line.empty() ? "" : ",") + csv_field(f);
      text += line + "\n";
    }
  }
  std::ofstream(cur2, std::ios::binary | std::ios::trunc) << text;
  auto changed = walk(root);
  ASSERT_TRUE(changed) << changed.error().message;
  EXPECT_EQ(imported(*changed), 1u);
  EXPECT_EQ(count("SELECT count(*) FROM charges"), before);  // replaced, not added
  EXPECT_EQ(count("SELECT live_rows FROM imports WHERE format = 'aws_cur2' ORDER BY id DESC LIMIT 1"), cur2_rows);
  EXPECT_EQ(count("SELECT live_rows FROM imports WHERE format = 'aws_cur2' ORDER BY id LIMIT 1"), 0);
}

TEST_F(ExportImport, AnObjectUploadedAgainWithTheSameBytesIsDownloadedOnceThenKnownByItsNewEtag) {
  std::string root = tree("aws_cur1");
  EtagSource source(folder_source(root));
  auto first = import_export(*m_store, source, {}, k_now);
  ASSERT_TRUE(first) << first.error().message;
  int files = source.fetched;
  ASSERT_GT(files, 0);
  source.etag = "v2-";  // every object uploaded again, the same bytes
  auto second = import_export(*m_store, source, {}, k_now);
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(source.fetched, 2 * files) << "new ETags: each is downloaded to learn it is the same";
  EXPECT_EQ(imported(*second), 0u) << "and nothing is imported twice";
  auto third = import_export(*m_store, source, {}, k_now);
  ASSERT_TRUE(third) << third.error().message;
  EXPECT_EQ(source.fetched, 2 * files) << "the new ETags are remembered: no download";
}

TEST_F(ExportImport, AzureTakesTheLatestRunOfTheMonth) {
  auto r = walk(tree("azure"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(imported(*r), 1u);
  EXPECT_EQ(r->superseded.size(), 1u);
  EXPECT_EQ(count("SELECT count(*) FROM charges"), 11);
  EXPECT_EQ(count("SELECT count(*) FROM imports WHERE file LIKE '%-000000000002/part_0_0001.csv.gz'"), 1);
}

TEST_F(ExportImport, AManifestListingAMissingFileSaysSo) {
  std::string root = tree("aws_cur1");
  fs::remove(root + "/" + k_assembly_b + "/hourly-00002.csv.gz");
  auto r = walk(root);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->missing.size(), 1u);
  EXPECT_NE(r->missing[0].find("hourly-00002.csv.gz"), std::string::npos) << r->missing[0];
}

TEST_F(ExportImport, APlainFolderImportsEachFileOnceAndRefusesParquetSayingWhy) {
  std::string root = m_dir.file("plain");
  fs::create_directories(root + "/2024-09");
  fs::copy_file(k_fixtures + "/azure/costexports/actual-daily/20230901-20230930/5e0a7c3b-0000-4000-9000-000000000002/part_0_0001.csv.gz",
                root + "/2024-09/azure.csv.gz");
  auto r = walk(root);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(imported(*r), 1u);
  EXPECT_EQ(count("SELECT count(*) FROM charges"), 11);
  std::ofstream(root + "/2024-09/part-00000.snappy.parquet", std::ios::binary) << "PAR1";
  auto parquet = walk(root);
  ASSERT_FALSE(parquet);
  EXPECT_NE(parquet.error().message.find("Parquet"), std::string::npos) << parquet.error().message;
  EXPECT_NE(parquet.error().message.find("CSV"), std::string::npos) << parquet.error().message;
}

}  // namespace
}  // namespace frugal::billing
