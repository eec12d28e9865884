// The floor under the server's write bars (issue 18): what SQLite alone needs to store metric
// points durably in frugal's own schema, with nothing else a request costs — no HTTP, no JSON, no
// token, no thread hand-over. One prepared INSERT into `metrics` (the table, its two indexes, the
// foreign key on runs), rows bound from constants, GROUP rows a transaction, the store's own
// settings (WAL, synchronous NORMAL) and the server's checkpoints: every 32 pages of WAL, on a
// thread and connection of their own (src/store/sqlite_checkpointer.h). A server that stores the
// same points can only cost more per point than this. Printed: the CPU a row of the writing thread
// (SQLite lets one connection write at a time, so 1 / that bounds the rows a second), and of both.
//
//   store_floor DB RUN_ID GROUP ROWS
//     → "ROWS rows, GROUP a commit: X us CPU a row writing, Y us with checkpoints, Z rows/s"
#include <sqlite3.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "store/sqlite_checkpointer.h"  // the server's own checkpoints, compiled in by floor.sh

namespace {

void check(int rc, sqlite3* db, const char* what) {
  if (rc == SQLITE_OK || rc == SQLITE_DONE || rc == SQLITE_ROW) return;
  std::fprintf(stderr, "store_floor: %s: %s\n", what, sqlite3_errmsg(db));
  std::exit(1);
}

double cpu_seconds(int who) {
  rusage usage{};
  getrusage(who, &usage);
  auto seconds = [](timeval t) { return double(t.tv_sec) + double(t.tv_usec) / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: store_floor DB RUN_ID GROUP ROWS\n");
    return 2;
  }
  const long long run_id = std::atoll(argv[2]);
  const long group = std::atol(argv[3]), rows = std::atol(argv[4]);
  sqlite3* db = nullptr;
  check(sqlite3_open(argv[1], &db), db, argv[1]);
  check(sqlite3_exec(db,
                     "PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
                     "PRAGMA temp_store = MEMORY; PRAGMA cache_size = -65536;",
                     nullptr, nullptr, nullptr),
        db, "settings");
  sqlite3_stmt *insert = nullptr, *begin = nullptr, *commit = nullptr;
  check(sqlite3_prepare_v2(db, "INSERT INTO metrics (run_id, key, step, time, value) VALUES (?, ?, ?, ?, ?)", -1, &insert,
                           nullptr),
        db, "prepare");
  check(sqlite3_prepare_v2(db, "BEGIN", -1, &begin, nullptr), db, "prepare");
  check(sqlite3_prepare_v2(db, "COMMIT", -1, &commit, nullptr), db, "prepare");
  const std::string time = "2026-12-06T03:00:00Z";
  const double process_start = cpu_seconds(RUSAGE_SELF);
  auto checkpointer = frugal::store::BackgroundCheckpointer::start(argv[1], db);
  if (!checkpointer) {
    std::fprintf(stderr, "store_floor: %s\n", checkpointer.error().message.c_str());
    return 1;
  }
  const auto wall_start = std::chrono::steady_clock::now();
  const double writer_start = cpu_seconds(RUSAGE_THREAD);
  long step = 0;
  while (step < rows) {
    check(sqlite3_step(begin), db, "BEGIN");
    sqlite3_reset(begin);
    for (long i = 0; i < group && step < rows; ++i) {
      ++step;
      sqlite3_bind_int64(insert, 1, run_id);
      sqlite3_bind_text(insert, 2, "loss", 4, SQLITE_STATIC);
      sqlite3_bind_int64(insert, 3, step);
      sqlite3_bind_text(insert, 4, time.data(), int(time.size()), SQLITE_STATIC);
      sqlite3_bind_double(insert, 5, 1.0 / double(step));  // as bench/server's clients send
      check(sqlite3_step(insert), db, "INSERT");
      sqlite3_reset(insert);
    }
    check(sqlite3_step(commit), db, "COMMIT");
    sqlite3_reset(commit);
  }
  const double writer = cpu_seconds(RUSAGE_THREAD) - writer_start;
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  checkpointer->reset();  // stops its thread
  const double process = cpu_seconds(RUSAGE_SELF) - process_start;
  std::printf("%ld rows, %ld a commit: %.2f us CPU a row writing, %.2f us with checkpoints, %.0f rows/s\n", rows, group,
              writer * 1e6 / double(rows), process * 1e6 / double(rows), double(rows) / wall);
  sqlite3_finalize(insert);
  sqlite3_finalize(begin);
  sqlite3_finalize(commit);
  sqlite3_close(db);
  return 0;
}
