#include <curl/curl.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "agent/agent.h"
#include "core/money.h"
#include "store/store.h"
#include "util/strings.h"

namespace frugal::agent {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr std::size_t k_batch = 1000;

std::size_t to_string(char* data, std::size_t size, std::size_t n, void* into) {
  static_cast<std::string*>(into)->append(data, size * n);
  return size * n;
}

// One JSON request to the server; the answer's JSON, or an error naming the request.
Result<json> send(const Target& t, const char* method, const std::string& path, const json& body, const std::string& key) {
  CURL* curl = curl_easy_init();
  if (!curl) return fail(ErrorCode::unavailable, "libcurl could not be loaded");
  std::string url = t.server + path, payload = body.dump(), answer;
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, ("Authorization: Bearer " + t.token).c_str());
  headers = curl_slist_append(headers, "Content-Type: application/json");
  headers = curl_slist_append(headers, ("Idempotency-Key: " + key).c_str());
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, payload.c_str());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(payload.size()));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, to_string);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 5L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 60L);
  CURLcode rc = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  if (rc != CURLE_OK) return fail(ErrorCode::unavailable, fmt::format("{} {}: {}", method, url, curl_easy_strerror(rc)));
  json parsed = json::parse(answer, nullptr, false);
  if (status / 100 != 2) {
    std::string message = parsed.is_object() && parsed.contains("message") ? parsed["message"].get<std::string>() : answer.substr(0, 200);
    // 408, 429 and 5xx may pass; 401 is the token's fault, not the spool's (fix it, sync again);
    // any other 4xx refuses what was sent, and sending it again gets the same answer.
    ErrorCode code = status == 401                                    ? ErrorCode::unauthenticated
                     : status == 408 || status == 429 || status >= 500 ? ErrorCode::unavailable
                     : status == 403                                  ? ErrorCode::forbidden
                     : status == 404                                  ? ErrorCode::not_found
                     : status == 409                                  ? ErrorCode::conflict
                     : status == 413                                  ? ErrorCode::too_large
                                                                      : ErrorCode::invalid;
    return fail(code, fmt::format("{} {}: HTTP {}: {}", method, url, status, message));
  }
  return parsed.is_discarded() ? json::object() : parsed;
}

json value_json(const store::Value& v) {
  if (store::is_null(v)) return nullptr;
  if (std::holds_alternative<std::int64_t>(v)) return std::get<std::int64_t>(v);
  if (std::holds_alternative<double>(v)) {
    double d = std::get<double>(v);
    // JSON has no infinities; the server reads them as MLflow writes them.
    if (auto name = util::non_finite_name(d); !name.empty()) return name;
    return d;
  }
  return store::as_text(v);
}

std::string text(const store::Value& v) { return store::is_null(v) ? std::string() : store::as_text(v); }

Result<json> pairs(store::Store& s, const char* table, std::int64_t run) {
  store::Value p[] = {run};
  json out = json::object();
  auto rows = FRUGAL_TRY(s.query(fmt::format("SELECT key, value FROM {} WHERE run_id = ?", table), p));
  for (const auto& r : rows.rows) out[store::as_text(r[0])] = store::as_text(r[1]);
  return out;
}

// Sends a run's rows of `table` in batches keyed by rowid: batch k holds the rowids
// (1000k, 1000(k+1)], so a batch is the same whenever and however often it is sent, and the server
// drops a repeat by its key. While rows may still come (a live send of a running run), only
// batches no later row can join are sent: those below the table's last rowid. `sent` remembers
// the batches already acknowledged.
Result<std::int64_t> send_batches(store::Store& s, const Target& t, const std::string& path, const char* field,
                                  const std::string& key_prefix, const std::string& columns, const char* table,
                                  std::int64_t run, bool run_ended, std::int64_t& sent,
                                  const std::function<json(const store::Row&)>& row_json) {
  auto last = FRUGAL_TRY(s.query(fmt::format("SELECT coalesce(max(rowid), 0) FROM {}", table)));
  std::int64_t last_rowid = store::as_int(last.rows.at(0)[0]);
  store::Value p[] = {run, sent * static_cast<std::int64_t>(k_batch)};
  std::int64_t points = 0, current = -1;
  json batch = json::array();
  Result<void> failed = {};
  auto flush = [&]() -> Result<void> {
    if (batch.empty()) return {};
    bool sealed = run_ended || last_rowid > (current + 1) * static_cast<std::int64_t>(k_batch);
    if (!sealed) return {};
    FRUGAL_TRY(send(t, "POST", path, json{{field, batch}}, fmt::format("{}/{}", key_prefix, current)));
    points += static_cast<std::int64_t>(batch.size());
    sent = current + 1;
    batch = json::array();
    return {};
  };
  FRUGAL_CHECK(s.for_each_row(
      fmt::format("SELECT rowid, {} FROM {} WHERE run_id = ? AND rowid > ? ORDER BY rowid", columns, table), p,
      [&](const store::Row& r) {
        std::int64_t k = (store::as_int(r[0]) - 1) / static_cast<std::int64_t>(k_batch);
        if (k != current) {
          failed = flush();
          if (!failed || !batch.empty()) return false;  // an error, or a batch still open: stop here
          current = k;
        }
        batch.push_back(row_json(store::Row(r.begin() + 1, r.end())));
        return true;
      }));
  FRUGAL_CHECK(failed);
  FRUGAL_CHECK(flush());
  return points;
}

}  // namespace

Result<std::string> new_spool(const std::string& home) {
  std::error_code ec;
  fs::create_directories(home + "/spool", ec);
  if (ec) return fail(ErrorCode::io, fmt::format("{}/spool: {}", home, ec.message()));
  unsigned char random[12];
  if (RAND_bytes(random, sizeof random) != 1) return fail(ErrorCode::unavailable, "no randomness for a spool name");
  std::string name;
  for (unsigned char b : random) name += fmt::format("{:02x}", b);
  return fmt::format("{}/spool/{}.db", home, name);
}

std::vector<std::string> pending_spools(const std::string& home) {
  std::vector<std::pair<fs::file_time_type, std::string>> found;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(home + "/spool", ec))
    if (e.path().extension() == ".db") found.emplace_back(e.last_write_time(ec), e.path().string());
  std::sort(found.begin(), found.end());
  std::vector<std::string> out;
  for (auto& [when, path] : found) out.push_back(std::move(path));
  return out;
}

std::vector<std::string> split_command(const std::string& line) {
  std::vector<std::string> out;
  std::string word;
  bool in_word = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (c == '\'') {  // a quoted stretch, up to the next quote
      in_word = true;
      auto end = line.find('\'', i + 1);
      word += line.substr(i + 1, end == std::string::npos ? std::string::npos : end - i - 1);
      if (end == std::string::npos) break;
      i = end;
    } else if (c == '\\' && i + 1 < line.size()) {
      word += line[++i];
      in_word = true;
    } else if (c == ' ') {
      if (in_word) out.push_back(std::move(word));
      word.clear();
      in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (in_word) out.push_back(std::move(word));
  return out;
}

bool refused_for_good(const Error& e) {
  switch (e.code) {
    case ErrorCode::invalid:
    case ErrorCode::forbidden:
    case ErrorCode::not_found:
    case ErrorCode::conflict:
    case ErrorCode::too_large: return true;
    default: return false;
  }
}

namespace {

// Moves a spool the server refused for good into spool/dead/, with the reason beside it, so it
// no longer stands in front of the others; returns where it went.
Result<std::string> dead_letter(const std::string& spool, const std::string& reason) {
  fs::path from(spool);
  fs::path dead = from.parent_path() / "dead";
  std::error_code ec;
  fs::create_directories(dead, ec);
  if (ec) return fail(ErrorCode::io, fmt::format("{}: {}", dead.string(), ec.message()));
  fs::path to = dead / from.filename();
  {
    std::ofstream why(dead / (from.stem().string() + ".reason"));
    why << reason << "\n";
    if (!why) return fail(ErrorCode::io, fmt::format("{}: cannot write the reason", dead.string()));
  }
  for (const char* suffix : {"-wal", "-shm", ""}) {  // the database last: it is what pending_spools looks for
    fs::rename(spool + suffix, to.string() + suffix, ec);
    if (ec && ec != std::errc::no_such_file_or_directory)
      return fail(ErrorCode::io, fmt::format("{}: cannot move to {}: {}", spool, to.string(), ec.message()));
  }
  return to.string();
}

}  // namespace

std::vector<std::string> dead_letters(const std::string& home) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(home + "/spool/dead", ec))
    if (e.path().extension() == ".db") out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

Result<SyncReport> sync_spool(const std::string& spool, const Target& target, Progress* progress) {
  auto sent = send_spool_once(spool, target, progress);
  if (sent || (progress && progress->live) || !refused_for_good(sent.error())) return sent;
  SyncReport report;
  report.refused = sent.error().message;
  report.dead_letter = FRUGAL_TRY(dead_letter(spool, report.refused));
  return report;
}

Result<SyncReport> send_spool_once(const std::string& spool, const Target& target, Progress* progress) {
  SyncReport report;
  Progress local;
  Progress& done = progress ? *progress : local;
  bool live = progress && progress->live;
  std::string name = fs::path(spool).stem().string();
  {
    auto store = FRUGAL_TRY(store::open_store(spool, store::Access::read_write));
    auto runs = FRUGAL_TRY(store->query(
        "SELECT id, name, command, username, team, project, model, dataset, experiment, host, provider, region, "
        "instance_type, instance_id, hourly_price_nanos, gpu_count, instance_gpu_count, started_at, status, exit_code, "
        "ended_at, stop_reason, gpu_util_mean, gpu_util_peak, gpu_mem_peak_bytes, idle_gpu_seconds, idle_cost_nanos, "
        "cpu_bound, saved_nanos, work_lost_ms, gpu_util_p95 FROM runs ORDER BY id"));
    for (const auto& r : runs.rows) {
      std::int64_t local_id = store::as_int(r[0]);
      bool ended = store::as_text(r[18]) != "running";
      if (!ended && !live) {
        ++report.runs_running;
        continue;
      }
      RunProgress& rp = done.runs[local_id];
      if (rp.ended) {
        ++report.runs_sent;
        continue;
      }
      if (rp.server_id == 0) {
        json body = {{"name", text(r[1])},         {"command", split_command(text(r[2]))}, {"user", text(r[3])},
                     {"team", text(r[4])},         {"project", text(r[5])},                {"model", text(r[6])},
                     {"dataset", text(r[7])},      {"experiment", text(r[8])},             {"host", text(r[9])},
                     {"provider", text(r[10])},    {"region", text(r[11])},                {"instance_id", text(r[13])},
                     {"gpu_count", store::as_int(r[15])}, {"instance_gpu_count", store::as_int(r[16])},
                     {"started_at", text(r[17])},  {"params", FRUGAL_TRY(pairs(*store, "params", local_id))},
                     {"tags", FRUGAL_TRY(pairs(*store, "tags", local_id))}};
        // The price it was metered at here travels with it, so the server meters the same cost.
        // (With the price given, the server does not look the instance type up in its own catalog.)
        if (!store::is_null(r[14])) {
          body["hourly_usd"] = Money::from_nanos(store::as_int(r[14])).to_string(9);
          body["instance_type"] = text(r[12]);
        }
        auto created = FRUGAL_TRY(send(target, "POST", "/api/v1/runs", body, fmt::format("{}/run/{}", name, local_id)));
        rp.server_id = created.value("id", std::int64_t{0});
        if (rp.server_id <= 0) return fail(ErrorCode::unavailable, fmt::format("{}: the server gave no run id", target.server));
      }
      report.metrics += FRUGAL_TRY(send_batches(
          *store, target, fmt::format("/api/v1/runs/{}/metrics", rp.server_id), "metrics",
          fmt::format("{}/metrics/{}", name, local_id), "key, step, time, value", "metrics", local_id, ended, rp.metric_batches,
          [](const store::Row& m) {
            return json{{"key", store::as_text(m[0])}, {"step", store::as_int(m[1])}, {"time", store::as_text(m[2])},
                        {"value", store::is_null(m[3]) ? json("NaN") : value_json(m[3])}};
          }));
      report.samples += FRUGAL_TRY(send_batches(
          *store, target, fmt::format("/api/v1/runs/{}/samples", rp.server_id), "samples",
          fmt::format("{}/samples/{}", name, local_id),
          "time, gpu_index, gpu_util_pct, gpu_mem_bytes, power_w, cpu_pct, rss_bytes", "samples", local_id, ended,
          rp.sample_batches, [](const store::Row& m) {
            json s = {{"time", store::as_text(m[0])}};
            const char* names[] = {"", "gpu_index", "gpu_util_pct", "gpu_mem_bytes", "power_w", "cpu_pct", "rss_bytes"};
            for (int i = 1; i < 7; ++i)
              if (!store::is_null(m[static_cast<std::size_t>(i)])) s[names[i]] = value_json(m[static_cast<std::size_t>(i)]);
            return s;
          }));
      if (!ended) {
        ++report.runs_running;
        continue;
      }
      json end = {{"status", text(r[18])}, {"ended_at", text(r[20])}, {"stop_reason", text(r[21])}};
      if (!store::is_null(r[19])) end["exit_code"] = store::as_int(r[19]);
      // What was measured here: the server keeps it as the runner would have.
      const char* measured[] = {"gpu_util_mean", "gpu_util_peak", "gpu_mem_peak_bytes", "idle_gpu_seconds"};
      for (std::size_t i = 0; i < 4; ++i)
        if (!store::is_null(r[22 + i])) end[measured[i]] = value_json(r[22 + i]);
      if (!store::is_null(r[26])) end["idle_cost_usd"] = Money::from_nanos(store::as_int(r[26])).to_string(9);
      if (!store::is_null(r[27])) end["cpu_bound"] = store::as_int(r[27]);
      if (!store::is_null(r[28])) end["saved_usd"] = Money::from_nanos(store::as_int(r[28])).to_string(9);
      if (!store::is_null(r[29])) end["work_lost_ms"] = store::as_int(r[29]);
      if (!store::is_null(r[30])) end["gpu_util_p95"] = value_json(r[30]);
      auto finished = send(target, "PATCH", fmt::format("/api/v1/runs/{}", rp.server_id), end, fmt::format("{}/end/{}", name, local_id));
      if (!finished && finished.error().message.find("HTTP 409") == std::string::npos) return std::unexpected(finished.error());
      rp.ended = true;
      ++report.runs_sent;
    }
  }
  if (report.runs_running == 0 && !live) {
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(spool + suffix, ec);
    report.deleted = true;
  }
  return report;
}

}  // namespace frugal::agent
