// Records sacct's jobs as runs: new attempts in one bulk insert through tracking, attempts seen
// before brought up to date, and runs that `frugal run` recorded inside a job joined to it.
#include <algorithm>
#include <array>
#include <fmt/format.h>
#include <map>
#include <set>
#include <unordered_map>

#include "slurm/slurm.h"
#include "tracking/tracking.h"

namespace frugal::slurm {
namespace {

using JobKey = std::pair<std::string, std::string>;  // (cluster, job id)

// One attempt of a job: stored, or new in this import (its place in the batch until inserted).
struct Attempt {
  int number = 1;
  std::string started;                  // when Slurm started it, UTC text: what tells attempts apart
  std::int64_t run_id = 0;              // 0 while in the batch
  std::optional<std::size_t> in_batch;  // where in the batch, until inserted
  std::string state;
  bool ended = false;
  bool wrapped = false;
};

// A run `frugal run` recorded inside a Slurm job (its slurm.* tags) that no import has joined yet.
struct Wrapped {
  std::int64_t run_id = 0;
  std::string cluster;  // "" when the job's environment named none
  TimePoint started;
  bool priced = false;
  bool has_team = false;
};

using WrappedByJob = std::unordered_multimap<std::string, Wrapped>;

constexpr std::size_t k_batch_runs = 10'000;

Result<WrappedByJob> unjoined_wrapped_runs(store::Store& store) {
  auto rows = FRUGAL_TRY(store.query(
      "SELECT t.run_id, t.value, coalesce(c.value, ''), r.started_at, r.hourly_price_nanos IS NOT NULL, r.team IS NOT NULL "
      "FROM tags t JOIN runs r ON r.id = t.run_id "
      "LEFT JOIN tags c ON c.run_id = t.run_id AND c.key = 'slurm.cluster' "
      "WHERE t.key = 'slurm.job_id' AND NOT EXISTS (SELECT 1 FROM slurm_jobs s WHERE s.run_id = t.run_id)"));
  WrappedByJob out;
  for (const auto& r : rows.rows) {
    auto started = parse_utc(store::as_text(r[3]));
    if (!started) continue;
    out.emplace(store::as_text(r[1]), Wrapped{store::as_int(r[0]), store::as_text(r[2]), *started, store::as_int(r[4]) != 0,
                                              store::as_int(r[5]) != 0});
  }
  return out;
}

// The wrapped run of this attempt: same job (and cluster, where the run knew it), started while the attempt ran.
std::optional<Wrapped> take_wrapped(WrappedByJob& wrapped, const Job& job, const std::string& cluster) {
  auto [first, last] = wrapped.equal_range(job.job_id);
  for (auto it = first; it != last; ++it) {
    const Wrapped& w = it->second;
    if (!w.cluster.empty() && w.cluster != cluster) continue;
    bool after_start = w.started + std::chrono::minutes(1) >= *job.started;
    bool before_end = !job.ended || w.started <= *job.ended;
    if (!after_start || !before_end) continue;
    Wrapped found = w;
    wrapped.erase(it);
    return found;
  }
  return std::nullopt;
}

// The attempts stored for the jobs of this import, a few hundred job ids a query: one query a job
// cost a fresh import of 100,000 jobs 0.3 s.
Result<void> load_attempts(store::Store& store, std::span<const Job> jobs, const std::string& default_cluster,
                           std::map<JobKey, std::vector<Attempt>>& out) {
  std::map<std::string, std::vector<std::string>> ids_by_cluster;
  std::set<JobKey> keys;
  for (const Job& job : jobs) {
    const std::string& cluster = job.cluster.empty() ? default_cluster : job.cluster;
    if (keys.insert({cluster, job.job_id}).second) ids_by_cluster[cluster].push_back(job.job_id);
  }
  constexpr std::size_t k_ids_a_query = 500;
  for (const auto& [cluster, ids] : ids_by_cluster) {
    for (std::size_t from = 0; from < ids.size(); from += k_ids_a_query) {
      std::size_t n = std::min(k_ids_a_query, ids.size() - from);
      std::vector<store::Value> params = {cluster};
      std::string marks;
      for (std::size_t i = 0; i < n; ++i) {
        marks += i ? ", ?" : "?";
        params.emplace_back(ids[from + i]);
      }
      FRUGAL_CHECK(store.for_each_row(
          "SELECT s.job_id, s.attempt, s.run_id, s.state, s.started_at, r.ended_at IS NOT NULL, s.wrapped FROM slurm_jobs s "
          "JOIN runs r ON r.id = s.run_id WHERE s.cluster = ? AND s.job_id IN (" + marks + ") ORDER BY s.job_id, s.attempt",
          params, [&](const store::Row& r) {
            out[{cluster, store::as_text(r[0])}].push_back({static_cast<int>(store::as_int(r[1])), store::as_text(r[4]),
                                                           store::as_int(r[2]), std::nullopt, store::as_text(r[3]),
                                                           store::as_int(r[5]) != 0, store::as_int(r[6]) != 0});
            return true;
          }));
    }
  }
  return {};
}

bool has_ended(const Job& job) { return run_status_of(job.state) != "running"; }

// REQUIRES: has_ended(job). Where sacct has no End for a job that ended, its elapsed time says it.
tracking::RunEnd end_of(const Job& job) {
  tracking::RunEnd end;
  end.ended = job.ended ? *job.ended : *job.started + std::chrono::seconds(job.elapsed_seconds);
  end.status = *tracking::parse_status(run_status_of(job.state));
  end.exit_code = job.exit_code;
  end.usage.gpu_util_mean = job.gpu_util_pct;  // where Slurm gathers GPU use (AcctGatherGpu)
  return end;
}


}  // namespace

Result<ImportStats> import_jobs(store::Store& store, std::span<const Job> jobs, const std::string& default_cluster) {
  ImportStats stats;
  stats.read = jobs.size();
  auto priced = FRUGAL_TRY(partition_prices(store));
  std::map<std::pair<std::string, std::string>, PartitionPrice> prices;
  for (auto& p : priced) prices[{p.cluster, p.partition}] = p;
  auto teams = FRUGAL_TRY(account_teams(store));

  FRUGAL_CHECK(store.transaction([&]() -> Result<void> {
    auto wrapped = FRUGAL_TRY(unjoined_wrapped_runs(store));
    // Every attempt of each job this import touches, stored or new: an attempt is told apart by
    // when Slurm started it, so a window that shows only some of a job's attempts, or shows them
    // again, never renumbers them.
    std::map<JobKey, std::vector<Attempt>> attempts;
    FRUGAL_CHECK(load_attempts(store, jobs, default_cluster, attempts));

    std::vector<tracking::RecordedRun> batch;
    std::vector<std::pair<JobKey, int>> batch_attempts;  // which attempt each run of the batch is
    std::vector<const Job*> batch_jobs;
    auto job_row = FRUGAL_TRY(store.prepare(
        "INSERT INTO slurm_jobs (cluster, job_id, attempt, run_id, account, partition, node_list, nodes, cpus, gpus, "
        "gpu_type, state, submitted_at, started_at, time_limit_minutes, wrapped) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    auto record_job = [&](const std::string& cluster, const Job& job, int attempt, std::int64_t run_id, bool is_wrapped) {
      std::string submitted = job.submitted ? format_utc(*job.submitted) : std::string();
      std::string started = format_utc(*job.started);
      auto text = [](const std::string& v) { return v.empty() ? store::ValueView{} : store::ValueView{std::string_view(v)}; };
      std::array<store::ValueView, 16> row = {
          std::string_view(cluster), std::string_view(job.job_id), std::int64_t{attempt}, run_id, text(job.account),
          text(job.partition), text(job.node_list), std::int64_t{job.nodes}, std::int64_t{job.cpus}, std::int64_t{job.gpus},
          text(job.gpu_type), std::string_view(job.state), text(submitted), std::string_view(started),
          job.time_limit_minutes ? store::ValueView{*job.time_limit_minutes} : store::ValueView{},
          std::int64_t{is_wrapped ? 1 : 0}};
      return job_row->execute_views(row);
    };
    auto set_state = [&](const JobKey& key, int attempt, const Job& job, std::optional<std::int64_t> run_id) -> Result<void> {
      std::vector<store::Value> update = {job.state, run_id ? store::Value{*run_id} : store::Value{},
                                          std::int64_t{run_id ? 1 : 0}, key.first, key.second, std::int64_t{attempt}};
      FRUGAL_CHECK(store.execute("UPDATE slurm_jobs SET state = ?, run_id = coalesce(?, run_id), "
                                 "wrapped = CASE WHEN ? = 1 THEN 1 ELSE wrapped END "
                                 "WHERE cluster = ? AND job_id = ? AND attempt = ?",
                                 update));
      return {};
    };
    // A run `frugal run` recorded inside the job takes the account's team and the partition's
    // price where it has none.
    auto adopt = [&](const Wrapped& w, const Job& job, const std::string& team, const PartitionPrice* price) -> Result<void> {
      if (!w.has_team && !team.empty())
        FRUGAL_CHECK(tracking::set_tags(store, w.run_id, {{"frugal.team", team}}, tracking::Writer::any()));
      if (!w.priced && price) {
        JobPrice p = job_price(*price, job.nodes, job.cpus, job.gpus);
        FRUGAL_CHECK(tracking::reprice_run(store, w.run_id,
                                           {p.hourly, p.gpu_count, p.instance_gpu_count, price->instance_type, price->source}));
      }
      return {};
    };

    // New runs go in batches, so memory stays bounded however many jobs sacct returned; all in
    // the one transaction. A batch's ids become the parents of later attempts.
    auto flush = [&]() -> Result<void> {
      if (batch.empty()) return {};
      auto ids = FRUGAL_TRY(tracking::insert_recorded_runs(store, batch));
      for (std::size_t i = 0; i < ids.size(); ++i) {
        const auto& [key, number] = batch_attempts[i];
        FRUGAL_CHECK(record_job(key.first, *batch_jobs[i], number, ids[i], false));
        for (Attempt& a : attempts.at(key))
          if (a.number == number) {
            a.run_id = ids[i];
            a.in_batch.reset();
          }
      }
      stats.added += ids.size();
      batch.clear();
      batch_attempts.clear();
      batch_jobs.clear();
      return {};
    };

    for (const Job& job : jobs) {
      const std::string& cluster = job.cluster.empty() ? default_cluster : job.cluster;
      if (cluster.empty())
        return fail(ErrorCode::invalid, fmt::format("line {}: job {} names no cluster; give --cluster", job.line, job.job_id));
      JobKey key{cluster, job.job_id};
      std::vector<Attempt>& seen = attempts[key];
      std::string started = format_utc(*job.started);
      const std::string& team = teams.contains(job.account) ? teams.at(job.account) : job.account;
      auto price_it = prices.find({cluster, job.partition});
      const PartitionPrice* price = price_it == prices.end() ? nullptr : &price_it->second;

      auto known = std::find_if(seen.begin(), seen.end(), [&](const Attempt& a) { return a.started == started; });
      if (known != seen.end()) {
        Attempt& a = *known;
        if (a.in_batch) {  // listed twice in one output
          ++stats.unchanged;
          continue;
        }
        // `frugal run` started inside the job after an import had already recorded it: its run,
        // which measured the job, replaces the one made from Slurm's record.
        if (!a.wrapped) {
          if (auto w = take_wrapped(wrapped, job, cluster)) {
            std::int64_t imported = a.run_id;
            FRUGAL_CHECK(set_state(key, a.number, job, w->run_id));
            FRUGAL_CHECK(tracking::remove_run(store, imported));
            FRUGAL_CHECK(adopt(*w, job, team, price));
            a.run_id = w->run_id;
            a.wrapped = true;
            ++stats.joined;
            if (!has_ended(job)) continue;
            a.ended = false;  // ended below when the job has, as a wrapped run still running is
          }
        }
        if (a.state == job.state && (a.ended || !has_ended(job))) {
          ++stats.unchanged;
          continue;
        }
        // Ended since the last import: the run ends as Slurm says. A run `frugal run` recorded
        // ends so only when it is still open: its runner died with the job (scancel, TIMEOUT).
        if (has_ended(job) && !a.ended) {
          auto still_running = a.wrapped ? FRUGAL_TRY(store.query("SELECT ended_at IS NULL FROM runs WHERE id = ?",
                                                                  std::vector<store::Value>{a.run_id}))
                                         : store::QueryResult{};
          bool open = !a.wrapped || (!still_running.rows.empty() && store::as_int(still_running.rows[0][0]) != 0);
          if (open) {
            FRUGAL_TRY(tracking::finish_run(store, a.run_id, end_of(job)));
            ++stats.finished;
          } else {
            ++stats.unchanged;
          }
          a.ended = true;
        } else {
          ++stats.unchanged;
        }
        a.state = job.state;
        FRUGAL_CHECK(set_state(key, a.number, job, std::nullopt));
        continue;
      }

      // A new attempt: numbered after those known; its parent the one Slurm started last before it.
      int number = 1;
      const Attempt* parent = nullptr;
      for (const Attempt& a : seen) {
        number = std::max(number, a.number + 1);
        if (a.started < started && (!parent || a.started > parent->started)) parent = &a;
      }
      if (auto w = take_wrapped(wrapped, job, cluster)) {
        FRUGAL_CHECK(record_job(cluster, job, number, w->run_id, true));
        FRUGAL_CHECK(adopt(*w, job, team, price));
        seen.push_back({number, started, w->run_id, std::nullopt, job.state, false, true});
        ++stats.joined;
        continue;
      }

      tracking::RecordedRun run;
      tracking::RunStart& s = run.start;
      s.name = job.name.empty() ? job.job_id : job.name;
      s.command = {fmt::format("slurm:{}/{}", cluster, job.job_id)};
      s.labels.user = job.user;
      s.labels.team = team;
      s.host = job.node_list;
      s.started = *job.started;
      s.attempt = number;
      s.gpu_count = job.gpus;
      if (price) {
        JobPrice p = job_price(*price, job.nodes, job.cpus, job.gpus);
        s.hourly_price = p.hourly;
        s.gpu_count = p.gpu_count;
        s.instance_gpu_count = p.instance_gpu_count;
        s.instance_type = price->instance_type;
        s.price_source = price->source;
      } else {
        ++stats.unpriced;
      }
      // The job's id and partition on the run's page; the rest (account, nodes, state) is in
      // slurm_jobs. Each tag is a row: four cost the import of 100,000 jobs 15% more.
      s.tags = {{"slurm.job_id", job.job_id}};
      if (!job.partition.empty()) s.tags.emplace_back("slurm.partition", job.partition);
      if (parent && parent->in_batch) run.parent_in_batch = parent->in_batch;
      else if (parent) s.parent_run_id = parent->run_id;
      if (has_ended(job)) run.end = end_of(job);
      seen.push_back({number, started, 0, batch.size(), job.state, has_ended(job), false});
      batch.push_back(std::move(run));
      batch_attempts.emplace_back(key, number);
      batch_jobs.push_back(&job);
      if (batch.size() == k_batch_runs) FRUGAL_CHECK(flush());
    }
    return flush();
  }));
  return stats;
}

}  // namespace frugal::slurm
