#pragma once
// Agent: `frugal run --server URL` on a machine of a team. The run is recorded as always, into a
// spool file of its own (a Frugal store under $FRUGAL_HOME/spool), so the job never waits on or
// fails with the network; then the spool is sent to the server: the run, its metrics and samples
// in batches of 1000, and how it ended. Every request carries an Idempotency-Key made of the
// spool's name and what it sends, so a spool sent again after a failure (`frugal sync`) never
// counts anything twice. A spool whose runs all arrived is deleted.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/error.h"

namespace frugal::agent {

struct Target {
  std::string server;  // http(s)://host:port
  std::string token;   // an agent (or admin) token
};

// A new spool path under `home` (home/spool/<random>.db); the folder is made.
Result<std::string> new_spool(const std::string& home);
// Spools under `home` waiting to be sent, oldest first.
std::vector<std::string> pending_spools(const std::string& home);

struct SyncReport {
  std::int64_t runs_sent = 0;      // runs the server has now (created or found)
  std::int64_t runs_running = 0;   // still running here: left for a later sync
  std::int64_t metrics = 0, samples = 0;
  bool deleted = false;            // the spool is gone: everything in it arrived
  // The server refused it for good (a 4xx other than 401, 408, 429): the spool was moved to
  // `dead_letter` (spool/dead/, the reason in a .reason file beside it) and no longer blocks the others.
  std::string refused{};
  std::string dead_letter{};
};

// What of a spool has reached the server, kept by a process that sends it more than once.
struct RunProgress {
  std::int64_t server_id = 0;       // 0: not created there yet
  std::int64_t metric_batches = 0;  // batches below this index acknowledged
  std::int64_t sample_batches = 0;
  bool ended = false;
};
struct Progress {
  bool live = false;  // the job still runs: send its runs and their full batches, not their ends
  std::map<std::int64_t, RunProgress> runs;  // by the spool's run id
};

// Sends what `spool` holds to `target`: ended runs whole; with `progress->live`, running runs too
// (created on the server, full batches of their metrics and samples), so the server shows them as
// they go. Without `progress` (or once not live) a spool whose runs all arrived is deleted.
// Errors: the server cannot be reached or refused a request (the message names it); the spool
// stays for a later try, and what arrived is not sent twice.
// A refusal for good, after the last (not live) send, moves the spool to spool/dead/ and comes back
// as a report with `refused` set, not as an error.
Result<SyncReport> sync_spool(const std::string& spool, const Target& target, Progress* progress = nullptr);
// The same without the dead-letter step.
Result<SyncReport> send_spool_once(const std::string& spool, const Target& target, Progress* progress = nullptr);
// Whether a send failed for good: the server refused what was sent (not the token, not for now).
bool refused_for_good(const Error& e);
// Spools the server refused for good, under `home`/spool/dead.
std::vector<std::string> dead_letters(const std::string& home);

// Splits a command line as quote_command writes it ('...' quoting, \' escapes) back into argv.
std::vector<std::string> split_command(const std::string& line);

}  // namespace frugal::agent
