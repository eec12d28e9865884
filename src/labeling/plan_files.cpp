#include "labeling/plan_files.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <unistd.h>
#include <vector>

#include <fmt/format.h>

#include "core/csv_reader.h"

namespace frugal::labeling {
namespace {

constexpr std::size_t k_buffer = 1 << 20;

Error io_error(const std::filesystem::path& file, std::string_view what) {
  return {ErrorCode::io, fmt::format("{}: {}: {}", file.string(), what, std::strerror(errno))};
}

struct File {
  std::FILE* f = nullptr;
  ~File() {
    if (f) std::fclose(f);
  }
};

Result<void> close_synced(std::FILE*& f, const std::filesystem::path& name) {
  bool ok = std::fflush(f) == 0 && ::fsync(::fileno(f)) == 0;
  ok = std::fclose(f) == 0 && ok;
  f = nullptr;
  if (!ok) return std::unexpected(io_error(name, "cannot write"));
  return {};
}

// Temporary files of a plan whose process died (kill -9, a crash): ".NAME.PID.tmp" where PID no
// longer runs. A spill can be hundreds of megabytes; nothing else would ever remove it.
void remove_orphans(const std::filesystem::path& out) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(out, ec)) {
    std::string name = entry.path().filename().string();
    if (!name.starts_with('.') || !name.ends_with(".tmp")) continue;
    std::string_view stem(name);
    stem.remove_suffix(4);
    auto dot = stem.rfind('.');
    if (dot == std::string_view::npos) continue;
    std::string_view pid_text = stem.substr(dot + 1);
    if (pid_text.empty() || pid_text.find_first_not_of("0123456789") != std::string_view::npos) continue;
    long pid = std::strtol(std::string(pid_text).c_str(), nullptr, 10);
    std::string_view what = stem.substr(1, dot - 1);
    bool ours = what == "spill" || what == "to_label.csv" || what == "auto_labeled.csv" || what == "report.json";
    if (ours && pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH)
      std::filesystem::remove(entry.path(), ec);
  }
}

}  // namespace

PlanFiles::PlanFiles(std::filesystem::path out) : m_out(std::move(out)), m_suffix(fmt::format(".{}.tmp", ::getpid())) {}

PlanFiles::PlanFiles(PlanFiles&& o) noexcept
    : m_out(std::move(o.m_out)), m_suffix(std::move(o.m_suffix)), m_spill(o.m_spill), m_committed(o.m_committed) {
  o.m_spill = nullptr;
  o.m_committed = true;  // the moved-from object cleans nothing up
}

PlanFiles::~PlanFiles() {
  if (m_spill) std::fclose(m_spill);
  std::error_code ec;
  std::filesystem::remove(temp("spill"), ec);
  if (!m_committed)
    for (auto name : {"to_label.csv", "auto_labeled.csv", "report.json"}) std::filesystem::remove(temp(name), ec);
}

std::filesystem::path PlanFiles::temp(std::string_view name) const {
  return m_out / fmt::format(".{}{}", name, m_suffix);
}

Result<PlanFiles> PlanFiles::create(const std::filesystem::path& out) {
  if (out.empty()) return fail(ErrorCode::invalid, "--out: a folder for the plan is required");
  std::error_code ec;
  std::filesystem::create_directories(out, ec);
  if (ec || !std::filesystem::is_directory(out))
    return fail(ErrorCode::io, fmt::format("--out {}: cannot create the folder{}", out.string(),
                                           ec ? ": " + ec.message() : ""));
  remove_orphans(out);
  PlanFiles files(out);
  files.m_spill = std::fopen(files.temp("spill").c_str(), "w+b");
  if (!files.m_spill) return std::unexpected(io_error(files.temp("spill"), "cannot create"));
  std::setvbuf(files.m_spill, nullptr, _IOFBF, k_buffer);
  return files;
}

Result<void> PlanFiles::spill(std::string_view id, std::uint32_t predicted, double confidence) {
  auto n = static_cast<std::uint32_t>(id.size());
  if (std::fwrite(&n, sizeof n, 1, m_spill) != 1 || std::fwrite(id.data(), 1, id.size(), m_spill) != id.size() ||
      std::fwrite(&predicted, sizeof predicted, 1, m_spill) != 1 ||
      std::fwrite(&confidence, sizeof confidence, 1, m_spill) != 1)
    return std::unexpected(io_error(temp("spill"), "cannot write"));
  return {};
}

Result<std::int64_t> PlanFiles::write_auto_labeled(const Classes& classes, double threshold,
                                                   const std::unordered_set<std::string>& skip) {
  if (std::fflush(m_spill) != 0 || std::fseek(m_spill, 0, SEEK_SET) != 0)
    return std::unexpected(io_error(temp("spill"), "cannot read back"));
  File out{std::fopen(temp("auto_labeled.csv").c_str(), "wb")};
  if (!out.f) return std::unexpected(io_error(temp("auto_labeled.csv"), "cannot create"));
  std::setvbuf(out.f, nullptr, _IOFBF, k_buffer);
  std::fputs("id,label,confidence\n", out.f);
  std::int64_t written = 0;
  std::string id;
  std::uint32_t n = 0, predicted = 0;
  double confidence = 0;
  while (std::fread(&n, sizeof n, 1, m_spill) == 1) {
    id.resize(n);
    if (std::fread(id.data(), 1, n, m_spill) != n || std::fread(&predicted, sizeof predicted, 1, m_spill) != 1 ||
        std::fread(&confidence, sizeof confidence, 1, m_spill) != 1)
      return std::unexpected(io_error(temp("spill"), "truncated"));
    if (confidence < threshold || skip.contains(id)) continue;
    fmt::print(out.f, "{},{},{:.6g}\n", csv_field(id), csv_field(classes.name(predicted)), confidence);
    ++written;
  }
  FRUGAL_CHECK(close_synced(out.f, temp("auto_labeled.csv")));
  return written;
}

Result<void> PlanFiles::write_to_label(std::size_t rows, const std::function<void(std::size_t, ToLabelRow&)>& row) {
  File out{std::fopen(temp("to_label.csv").c_str(), "wb")};
  if (!out.f) return std::unexpected(io_error(temp("to_label.csv"), "cannot create"));
  std::fputs("rank,id,predicted,confidence,score\n", out.f);
  ToLabelRow r;
  for (std::size_t i = 0; i < rows; ++i) {
    row(i, r);
    fmt::print(out.f, "{},{},{},{:.6g},{:.6g}\n", i + 1, csv_field(r.id), csv_field(r.predicted), r.confidence, r.score);
  }
  return close_synced(out.f, temp("to_label.csv"));
}

Result<void> PlanFiles::commit(const std::string& report_json) {
  File out{std::fopen(temp("report.json").c_str(), "wb")};
  if (!out.f) return std::unexpected(io_error(temp("report.json"), "cannot create"));
  std::fputs(report_json.c_str(), out.f);
  FRUGAL_CHECK(close_synced(out.f, temp("report.json")));
  for (auto [name, path] : {std::pair{"to_label.csv", to_label_path()}, std::pair{"auto_labeled.csv", auto_labeled_path()},
                            std::pair{"report.json", report_path()}}) {
    std::error_code ec;
    std::filesystem::rename(temp(name), path, ec);
    if (ec) return fail(ErrorCode::io, fmt::format("{}: cannot replace: {}", path.string(), ec.message()));
  }
  m_committed = true;
  return {};
}

}  // namespace frugal::labeling
