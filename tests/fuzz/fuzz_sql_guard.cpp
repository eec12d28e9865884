// The read-only SQL surface (`frugal sql`, POST /api/v1/sql): SQLite's authorizer and the
// statement check of a read-only connection, on any SQL text. Whatever the text, nothing may be
// written: the database's data_version, read on another connection, must not move, and no
// transaction may stay open on the reader.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "fuzz_support.h"
#include "store/store.h"
#include "tracking/tracking.h"

namespace {

using namespace frugal;

std::int64_t data_version(store::Store& s) {
  auto r = s.query("PRAGMA data_version");
  if (!r || r->rows.empty()) fuzz::broken("cannot read data_version");
  return store::as_int(r->rows[0][0]);
}

std::int64_t rows_of_runs(store::Store& s) {
  auto r = s.query("SELECT count(*) || ':' || coalesce(sum(length(name)), 0) FROM runs");
  if (!r) fuzz::broken("cannot count the runs");
  return static_cast<std::int64_t>(std::hash<std::string>{}(store::as_text(r->rows[0][0])));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // The writer made the database and one run; the reader is what the SQL surface opens.
  static store::Store& writer = [] -> store::Store& {
    store::Store& s = fuzz::scratch_store();
    tracking::RunStart run;
    run.name = "guarded";
    run.command = {"train.py"};
    run.started = fuzz::fixed_now();
    if (!tracking::start_run(s, run)) fuzz::broken("cannot start the run");
    return s;
  }();
  static std::unique_ptr<store::Store> reader = [] {
    auto opened = store::open_store(fuzz::scratch_dir() + "/frugal.db", store::Access::read_only);
    if (!opened) fuzz::broken("cannot open the store read-only: " + opened.error().message);
    (*opened)->set_query_time_limit(50);  // as the server sets it; keeps runaway queries short
    return std::move(*opened);
  }();
  static const std::int64_t runs_before = rows_of_runs(writer);
  const std::int64_t version = data_version(writer);
  std::string_view sql(reinterpret_cast<const char*>(data), size);
  (void)reader->query(sql);
  if (reader->in_transaction()) fuzz::broken("the read-only connection was left in a transaction");
  if (data_version(writer) != version || rows_of_runs(writer) != runs_before)
    fuzz::broken("a read-only connection changed the database");
  return 0;
}
