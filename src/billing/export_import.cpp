#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "billing/billing.h"
#include "billing/export_layout.h"
#include "billing/file_hash.h"

namespace frugal::billing {
namespace {

namespace fs = std::filesystem;

class FolderSource final : public ExportSource {
 public:
  explicit FolderSource(std::string dir) : m_dir(std::move(dir)) {
    while (m_dir.size() > 1 && m_dir.ends_with('/')) m_dir.pop_back();
  }

  Result<std::vector<ExportObject>> list() override {
    std::vector<ExportObject> out;
    std::error_code ec;
    fs::recursive_directory_iterator it(m_dir, fs::directory_options::follow_directory_symlink, ec), end;
    if (ec) return fail(ErrorCode::io, fmt::format("{}: cannot list: {}", m_dir, ec.message()));
    for (; it != end; it.increment(ec)) {
      if (ec) return fail(ErrorCode::io, fmt::format("{}: cannot list: {}", m_dir, ec.message()));
      if (!it->is_regular_file(ec)) continue;
      ExportObject o;
      o.key = fs::relative(it->path(), m_dir, ec).generic_string();
      o.bytes = it->file_size(ec);
      auto mtime = it->last_write_time(ec);
      auto system = std::chrono::file_clock::to_sys(mtime);
      o.modified = fmt::format("{:020}", std::chrono::duration_cast<std::chrono::nanoseconds>(system.time_since_epoch()).count());
      out.push_back(std::move(o));
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
    return out;
  }

  Result<std::string> read_text(const std::string& key) override {
    std::ifstream in(path_of(key), std::ios::binary);
    if (!in) return fail(ErrorCode::io, fmt::format("{}: cannot open", path_of(key)));
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }

  std::string name_of(const std::string& key) const override { return path_of(key); }

  Result<ExportFingerprint> fingerprint(const ExportObject& object) override {
    std::string path = path_of(object.key);
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail(ErrorCode::io, fmt::format("{}: cannot open", path));
    Sha256 hash;
    std::string block(1 << 20, '\0');
    while (in) {
      in.read(block.data(), static_cast<std::streamsize>(block.size()));
      hash.update(std::string_view(block.data(), static_cast<std::size_t>(in.gcount())));
    }
    if (in.bad()) return fail(ErrorCode::io, fmt::format("{}: read failed", path));
    return ExportFingerprint{hash.hex(), ""};
  }

  Result<std::string> fetch(const ExportObject& object) override { return path_of(object.key); }

 private:
  std::string path_of(const std::string& key) const { return m_dir + "/" + key; }
  std::string m_dir;
};

// The import that holds an object as it is now, if one does and still counts (rows live, or a
// file of no rows).
Result<std::int64_t> import_holding(store::Store& store, const std::string& name, const ExportFingerprint& print) {
  std::int64_t found = 0;
  auto take = [&](const store::Row& r) {
    if (!store::is_null(r[0])) found = store::as_int(r[0]);
    return true;
  };
  if (!print.sha256.empty()) {
    std::vector<store::Value> p = {print.sha256};
    FRUGAL_CHECK(store.for_each_row(
        "SELECT max(id) FROM imports WHERE file_sha256 = ? AND (live_rows > 0 OR rows = 0)", p, take));
  } else {
    std::vector<store::Value> p = {name, print.etag};
    FRUGAL_CHECK(store.for_each_row(
        "SELECT max(id) FROM imports WHERE file = ? AND source_etag = ? AND (live_rows > 0 OR rows = 0)", p, take));
  }
  return found;
}

}  // namespace

std::unique_ptr<ExportSource> folder_source(const std::string& dir) { return std::make_unique<FolderSource>(dir); }

Result<ExportImportResult> import_export(store::Store& store, ExportSource& source, const ExportImportOptions& options,
                                         TimePoint now) {
  ExportImportResult result;
  auto objects = FRUGAL_TRY(source.list());
  auto plan = FRUGAL_TRY(plan_export(objects, [&](const std::string& key) { return source.read_text(key); }));
  result.superseded = plan.superseded;
  result.missing = plan.missing;
  std::map<std::string, const ExportObject*> by_key;
  for (const auto& o : objects) by_key[o.key] = &o;

  // First what each version already has, so that nothing is imported before the walk knows which
  // earlier imports its files keep.
  struct Todo {
    const ExportObject* object;
    std::string name;
    ExportFingerprint print;
    std::size_t group;
  };
  std::vector<Todo> todo;
  std::vector<std::vector<std::int64_t>> keep(plan.groups.size());
  std::uint64_t bytes_total = 0;
  for (std::size_t g = 0; g < plan.groups.size(); ++g) {
    result.versions.push_back(plan.groups[g].what);
    for (const auto& key : plan.groups[g].keys) {
      const ExportObject& object = *by_key.at(key);
      std::string name = source.name_of(key);
      auto print = FRUGAL_TRY(source.fingerprint(object));
      std::int64_t held = FRUGAL_TRY(import_holding(store, name, print));
      if (held) {
        keep[g].push_back(held);
        ExportFileResult unchanged;
        unchanged.file = name;
        unchanged.outcome = ExportFileResult::Outcome::unchanged;
        unchanged.unchanged_as = held;
        result.files.push_back(std::move(unchanged));
        continue;
      }
      todo.push_back({&object, name, print, g});
      bytes_total += print.bytes ? print.bytes : object.bytes;
    }
  }

  std::uint64_t bytes_before = 0;
  for (std::size_t i = 0; i < todo.size(); ++i) {
    const Todo& t = todo[i];
    std::uint64_t bytes = t.print.bytes ? t.print.bytes : t.object->bytes;
    if (options.on_file) options.on_file({i + 1, todo.size(), bytes_before, bytes_total, t.name, bytes});
    std::string local = FRUGAL_TRY(source.fetch(*t.object));
    ImportOptions file_options = options.import;
    file_options.source = t.name;
    file_options.source_etag = t.print.etag;
    file_options.keep_imports = keep[t.group];
    auto imported = import_bill(store, local, file_options, now);
    source.release(local);
    if (!imported) return std::unexpected(imported.error());
    ExportFileResult file;
    file.file = t.name;
    if (imported->already_imported_as) {
      file.outcome = ExportFileResult::Outcome::unchanged;
      file.unchanged_as = imported->already_imported_as;
      // The same bytes under a new ETag (an object uploaded again): remember the new ETag, so the
      // next walk knows the object from its listing and does not download it again.
      if (!t.print.etag.empty()) {
        std::vector<store::Value> p = {t.print.etag, imported->already_imported_as, t.name};
        FRUGAL_CHECK(store.execute("UPDATE imports SET source_etag = ? WHERE id = ? AND file = ?", p));
      }
      keep[t.group].push_back(imported->already_imported_as);
    } else {
      keep[t.group].push_back(imported->import_id);
    }
    file.import = std::move(*imported);
    result.files.push_back(std::move(file));
    bytes_before += bytes;
  }
  return result;
}

}  // namespace frugal::billing
