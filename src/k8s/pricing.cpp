// A node's price split into what its GPUs, CPUs and memory each cost per hour (k8s.h says the rule).
#include "k8s/k8s.h"

namespace frugal::k8s {
namespace {

// OpenCost's default resource prices (its default.json), per hour: the weights by which a node's
// price is shared out when the node's own price is known.
struct Rates {
  Money gpu, cpu, gib;
};
const Rates& rates(bool spot) {
  static const Rates on_demand{Money::parse("0.95").value(), Money::parse("0.031611").value(),
                               Money::parse("0.004237").value()};
  static const Rates spot_rates{Money::parse("0.308").value(), Money::parse("0.006655").value(),
                                Money::parse("0.000892").value()};
  return spot ? spot_rates : on_demand;
}

constexpr std::int64_t k_gib = 1LL << 30;

// The rate for `millis` thousandths of a vCPU, `bytes` of memory.
Money cpu_cost(Money per_cpu, std::int64_t millis) { return per_cpu.scaled(millis, 1000); }
Money memory_cost(Money per_gib, std::int64_t bytes) { return per_gib.scaled(bytes, k_gib); }

// `total` × part / whole for money weights: both in attos, brought under 2^56 together so that
// scaled() takes them (a few attos of rounding on a node's price at most).
Money share(Money total, Money part, Money whole) {
  __int128 p = part.attos(), w = whole.attos();
  while (w > (static_cast<__int128>(1) << 56)) {
    p >>= 1;
    w >>= 1;
  }
  return w <= 0 ? Money() : total.scaled(static_cast<std::int64_t>(p), static_cast<std::int64_t>(w));
}

}  // namespace

UnitPrices unit_prices(Money node_hour, int gpus, std::int64_t cpu_millis, std::int64_t memory_bytes, bool spot) {
  const Rates& r = rates(spot);
  UnitPrices u{node_hour, Money(), Money(), Money()};
  Money cpu_and_memory = cpu_cost(r.cpu, cpu_millis) + memory_cost(r.gib, memory_bytes);
  if (gpus > 0 && cpu_and_memory < node_hour) {
    // The GPUs carry what the CPUs and memory do not at their going rates.
    u.cpu_hour = r.cpu;
    u.gib_hour = r.gib;
    u.gpu_hour = (node_hour - cpu_and_memory).scaled(1, gpus);
    return u;
  }
  // Shared by the rates' weights: a node without GPUs, or one whose price the rates alone exceed.
  Money whole = cpu_and_memory + r.gpu.scaled(gpus, 1);
  if (whole <= Money()) return u;
  u.cpu_hour = share(node_hour, r.cpu, whole);
  u.gib_hour = share(node_hour, r.gib, whole);
  if (gpus > 0) u.gpu_hour = share(node_hour, r.gpu, whole);
  return u;
}

Money pod_hourly(const UnitPrices& prices, int gpus, std::int64_t cpu_millis, std::int64_t memory_bytes) {
  return prices.gpu_hour.scaled(gpus, 1) + cpu_cost(prices.cpu_hour, cpu_millis) + memory_cost(prices.gib_hour, memory_bytes);
}

}  // namespace frugal::k8s
