#pragma once
// An S3 prefix as a bill export tree (billing::ExportSource): listed, objects recognised by their
// ETag (HEAD), downloaded into a temporary folder one at a time to import. Private to cli/.
#include <memory>
#include <string>

#include "billing/billing.h"

namespace frugal::cli {

Result<std::unique_ptr<billing::ExportSource>> s3_export_source(const std::string& url);

}  // namespace frugal::cli
