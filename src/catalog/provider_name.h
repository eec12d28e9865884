#pragma once
// Which cloud a catalog file describes, from its name. Private to src/catalog.
#include <string>
#include <string_view>

namespace frugal::catalog {

// "gcp_vms.csv" → "gcp", "aws_ec2_us-east-1_….csv" → "aws", ".../azure/vms.csv" → "azure" (SkyPilot's
// own layout names the folder); "" when neither the file nor its folder names a known provider.
std::string infer_provider(std::string_view path);

}  // namespace frugal::catalog
