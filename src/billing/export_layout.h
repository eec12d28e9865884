#pragma once
// ExportPlan: which files of an export's tree to import, and which belong together. Reads the
// manifests the clouds deliver beside the data:
//   AWS CUR 1.0       …/<report>/<yyyymmdd-yyyymmdd>/[<assemblyId>/]<report>-Manifest.json
//                     (assemblyId, billingPeriod.start, reportKeys: bucket-relative keys)
//   AWS Data Exports  …/<export>/metadata/BILLING_PERIOD=YYYY-MM/[<id>/]<export>-Manifest.json
//   (CUR 2.0, FOCUS)  (executionId, billingPeriod.start, dataFiles: s3:// URIs)
//   Azure exports     …/<export>/<YYYYMMDD-YYYYMMDD>/…/manifest.json
//                     (runInfo.runId, runInfo.startDate, runInfo.submittedTime, blobs[].blobName)
// One group per (export, billing period): the newest version's files only (CUR 1.0: the manifest
// in the period's own folder, which AWS rewrites to name the current assembly, else the newest;
// Data Exports: the newest; Azure: the latest submittedTime). A tree with no manifest at all is a
// plain folder: each folder's data files are one group, except a period folder
// (YYYYMMDD-YYYYMMDD, as Azure's older exports write), of which only the newest file counts.
// Private to billing/.
#include <functional>
#include <string>
#include <vector>

#include "billing/billing.h"

namespace frugal::billing {

struct ExportGroup {
  std::string what;               // "AWS CUR 1.0 report cur-hourly, period 2023-11-01, assembly 1b2…"
  std::vector<std::string> keys;  // data files, relative to the root, in order
};

struct ExportPlan {
  std::vector<ExportGroup> groups;
  std::vector<std::string> superseded;  // data files of older versions, or of no current manifest
  std::vector<std::string> missing;     // "MANIFEST: lists KEY, which is not there"
};

// `read_text` reads a manifest by key. A manifest that is not JSON, or JSON of no known layout,
// fails naming it.
Result<ExportPlan> plan_export(const std::vector<ExportObject>& objects,
                               const std::function<Result<std::string>(const std::string&)>& read_text);

// A file name a bill can be in: .csv, .csv.gz, .csv.zst, .csv.zip, .gz, .zst, .zip, .parquet.
bool is_data_file(const std::string& key);

}  // namespace frugal::billing
