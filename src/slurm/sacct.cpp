// Reads sacct's --parsable2 output. JSON (`sacct --json`) would say the same, but Debian 12's
// Slurm 22.05 writes it only through its openapi plugins, whose schema changes every release;
// --parsable2 with an explicit field list is the form every Slurm since 2.x writes alike.
#include <array>
#include <charconv>
#include <fmt/format.h>

#include "slurm/slurm.h"
#include "util/strings.h"

namespace frugal::slurm {
namespace {

enum Field {
  f_job_id, f_job_id_raw, f_job_name, f_user, f_account, f_partition, f_node_list, f_nnodes, f_alloc_cpus,
  f_alloc_tres, f_submit, f_start, f_end, f_elapsed_raw, f_state, f_exit_code, f_timelimit_raw, f_cluster,
  f_tres_usage_in_ave, f_count
};
constexpr std::array<std::string_view, f_count> k_fields = {
    "JobID", "JobIDRaw", "JobName", "User", "Account", "Partition", "NodeList", "NNodes", "AllocCPUS",
    "AllocTRES", "Submit", "Start", "End", "ElapsedRaw", "State", "ExitCode", "TimelimitRaw", "Cluster",
    "TRESUsageInAve"};
constexpr std::string_view k_field_list =
    "JobID,JobIDRaw,JobName,User,Account,Partition,NodeList,NNodes,AllocCPUS,AllocTRES,Submit,Start,End,"
    "ElapsedRaw,State,ExitCode,TimelimitRaw,Cluster,TRESUsageInAve";

template <typename Int>
bool to_int(std::string_view text, Int& out) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

struct LineReader {
  std::string_view source;
  std::size_t line;
  Error bad(std::string_view field, std::string_view value, std::string_view expected) const {
    return Error{ErrorCode::invalid, fmt::format("{}:{}: field {}: '{}' is not {}", source, line, field, value, expected)};
  }
};

// "Unknown", "None" and "" are sacct's ways of saying a time is not there (yet).
Result<std::optional<TimePoint>> read_time(const LineReader& at, std::string_view field, std::string_view text) {
  if (text.empty() || text == "Unknown" || text == "None") return std::optional<TimePoint>{};
  auto t = parse_utc(text);
  if (!t) return std::unexpected(at.bad(field, text, "a time (2026-12-05T09:30:00, as sacct writes it with TZ=UTC)"));
  return std::optional<TimePoint>{*t};
}

// AllocTRES: "billing=2,cpu=2,gres/gpu:a100=1,gres/gpu=1,mem=1G,node=1".
Result<void> read_tres(const LineReader& at, std::string_view text, Job& job) {
  if (text.empty()) return {};
  for (auto item : util::split(text, ',')) {
    auto eq = item.find('=');
    if (eq == std::string_view::npos) return std::unexpected(at.bad("AllocTRES", text, "a list of name=count"));
    auto name = item.substr(0, eq);
    auto value = item.substr(eq + 1);
    int count = 0;
    bool numeric = to_int(value, count) && count >= 0;
    if (name == "cpu" || name == "node" || name == "gres/gpu") {
      if (!numeric) return std::unexpected(at.bad("AllocTRES", text, fmt::format("a list of name=count ({} has no count)", name)));
      (name == "cpu" ? job.cpus : name == "node" ? job.nodes : job.gpus) = count;
    } else if (name.starts_with("gres/gpu:")) {
      // A type beside the plain count; a count without a plain gres/gpu (older Slurm) is the GPUs.
      auto type = name.substr(9);
      if (job.gpu_type.empty()) job.gpu_type = std::string(type);
      else if (job.gpu_type != type) job.gpu_type += "," + std::string(type);
      if (numeric && text.find("gres/gpu=") == std::string_view::npos) job.gpus += count;
    }
  }
  return {};
}

// "gres/gpuutil=45" among a step's TRESUsageInAve, where Slurm gathers GPU use (AcctGatherGpu).
std::optional<double> gpu_util_of(std::string_view usage) {
  for (auto item : util::split(usage, ',')) {
    if (!item.starts_with("gres/gpuutil=")) continue;
    double v = 0;
    auto text = item.substr(13);
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec == std::errc() && end == text.data() + text.size()) return v;
  }
  return std::nullopt;
}

// "0:0" → 0, "3:0" → 3, "0:15" → 143 (killed by signal 15, as a shell reports it).
Result<std::optional<int>> read_exit_code(const LineReader& at, std::string_view text) {
  if (text.empty()) return std::optional<int>{};
  auto colon = text.find(':');
  int code = 0, signal = 0;
  if (colon == std::string_view::npos || !to_int(text.substr(0, colon), code) || !to_int(text.substr(colon + 1), signal))
    return std::unexpected(at.bad("ExitCode", text, "an exit code and signal (0:0, 1:0, 0:15)"));
  return std::optional<int>{signal > 0 ? 128 + signal : code};
}

// The job a step belongs to: "123.batch" → "123", "123_4.0" → "123_4".
std::string_view job_of_step(std::string_view id) { return id.substr(0, id.find('.')); }

}  // namespace

std::string_view sacct_fields() { return k_field_list; }

std::string_view run_status_of(std::string_view state) {
  if (state == "COMPLETED") return "finished";
  if (state == "CANCELLED" || state == "TIMEOUT" || state == "DEADLINE") return "killed";
  if (state == "PREEMPTED" || state == "REQUEUED") return "preempted";
  if (state == "NODE_FAIL") return "lost";
  if (state == "RUNNING" || state == "COMPLETING" || state == "SUSPENDED" || state == "REQUEUE_FED" ||
      state == "RESIZING" || state == "STAGE_OUT" || state == "SIGNALING")
    return "running";
  return "failed";  // FAILED, OUT_OF_MEMORY, BOOT_FAIL and anything newer
}

Result<std::vector<Job>> parse_sacct(std::string_view text, std::string_view source) {
  std::vector<Job> jobs;
  std::array<int, f_count> column{};
  column.fill(-1);
  std::size_t line_no = 0, header_fields = 0;
  // Where each job id's latest record is in `jobs`, for its steps; -1: a job left out (pending).
  std::string_view last_job_id;
  std::ptrdiff_t last_job = -1;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    std::string_view line = text.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    pos = end == std::string_view::npos ? text.size() : end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    auto fields = util::split(line, '|');
    LineReader at{source, line_no};
    if (header_fields == 0) {
      for (std::size_t i = 0; i < fields.size(); ++i)
        for (std::size_t f = 0; f < f_count; ++f)
          if (fields[i] == k_fields[f]) column[f] = static_cast<int>(i);
      for (std::size_t f = 0; f < f_count; ++f)
        if (column[f] < 0 && f != f_tres_usage_in_ave)
          return fail(ErrorCode::invalid, fmt::format("{}:{}: sacct output lacks the field {} (run sacct --parsable2 --format={})",
                                                      source, line_no, k_fields[f], k_field_list));
      header_fields = fields.size();
      continue;
    }
    if (fields.size() != header_fields)
      return fail(ErrorCode::invalid, fmt::format("{}:{}: {} fields where the header has {} (a '|' inside a job name? "
                                                  "sacct --parsable2 does not escape it)",
                                                  source, line_no, fields.size(), header_fields));
    auto get = [&](Field f) { return column[f] < 0 ? std::string_view{} : fields[static_cast<std::size_t>(column[f])]; };
    std::string_view id = get(f_job_id);
    if (id.empty()) return std::unexpected(at.bad("JobID", id, "a job id"));
    if (id.find('.') != std::string_view::npos) {  // a step: its usage joins its job's attempt
      if (last_job >= 0 && job_of_step(id) == last_job_id) {
        if (auto util = gpu_util_of(get(f_tres_usage_in_ave))) {
          auto& job = jobs[static_cast<std::size_t>(last_job)];
          job.gpu_util_pct = job.gpu_util_pct ? std::max(*job.gpu_util_pct, *util) : *util;
        }
      }
      continue;
    }
    last_job_id = id;
    last_job = -1;
    Job job;
    job.line = line_no;
    job.job_id = std::string(id);
    job.job_id_raw = std::string(get(f_job_id_raw));
    job.name = std::string(get(f_job_name));
    job.user = std::string(get(f_user));
    job.account = std::string(get(f_account));
    job.partition = std::string(get(f_partition));
    job.node_list = std::string(get(f_node_list));
    job.cluster = std::string(get(f_cluster));
    auto state = get(f_state);
    job.state = std::string(state.substr(0, state.find(' ')));
    if (job.state.empty()) return std::unexpected(at.bad("State", state, "a job state"));
    if (!get(f_nnodes).empty() && !to_int(get(f_nnodes), job.nodes)) return std::unexpected(at.bad("NNodes", get(f_nnodes), "a count"));
    if (!get(f_alloc_cpus).empty() && !to_int(get(f_alloc_cpus), job.cpus))
      return std::unexpected(at.bad("AllocCPUS", get(f_alloc_cpus), "a count"));
    FRUGAL_CHECK(read_tres(at, get(f_alloc_tres), job));
    job.submitted = FRUGAL_TRY(read_time(at, "Submit", get(f_submit)));
    job.started = FRUGAL_TRY(read_time(at, "Start", get(f_start)));
    job.ended = FRUGAL_TRY(read_time(at, "End", get(f_end)));
    if (!to_int(get(f_elapsed_raw), job.elapsed_seconds) || job.elapsed_seconds < 0)
      return std::unexpected(at.bad("ElapsedRaw", get(f_elapsed_raw), "a number of seconds"));
    job.exit_code = FRUGAL_TRY(read_exit_code(at, get(f_exit_code)));
    std::int64_t limit = 0;
    if (to_int(get(f_timelimit_raw), limit)) job.time_limit_minutes = limit;
    else if (!get(f_timelimit_raw).empty() && get(f_timelimit_raw) != "UNLIMITED" && get(f_timelimit_raw) != "Partition_Limit")
      return std::unexpected(at.bad("TimelimitRaw", get(f_timelimit_raw), "minutes or UNLIMITED"));
    if (job.ended && job.started && *job.ended < *job.started)
      return fail(ErrorCode::invalid, fmt::format("{}:{}: job {} ended ({}) before it started ({})", source, line_no, id,
                                                  format_utc(*job.ended), format_utc(*job.started)));
    // Never started (pending, or cancelled while pending): nothing ran, nothing to price.
    // Cancelled while pending, Slurm writes Start = End = the moment of cancelling, on no node.
    if (!job.started || job.state == "PENDING" || job.node_list == "None assigned") continue;
    last_job = static_cast<std::ptrdiff_t>(jobs.size());
    jobs.push_back(std::move(job));
  }
  if (header_fields == 0 && line_no > 0)
    return fail(ErrorCode::invalid, fmt::format("{}: no header line (run sacct --parsable2 without --noheader)", source));
  return jobs;
}

}  // namespace frugal::slurm
