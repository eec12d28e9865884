// Writes synthetic inputs for bench/labeling_scale/run.sh, the same on every machine:
//   gen_labeling predictions N CLASSES FILE   id + a probability per class (a model's softmax:
//                                             one class favoured by a random margin, the rest
//                                             sharing what is left unevenly; rows sum to 1)
//   gen_labeling embeddings N DIM FILE        id + DIM floats: 1,000 Gaussian clusters, as
//                                             embeddings of real data cluster by content
// Numbers are written with 4–6 significant digits, as a model's exporter would.
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

namespace {

void put(std::string& line, double v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general, 5);
  line.append(buf, end);
}

int predictions(long n, int classes, std::FILE* out) {
  std::mt19937_64 gen(1);
  std::uniform_real_distribution<double> u(0, 1);
  std::string line = "id";
  for (int c = 0; c < classes; ++c) line += ",c" + std::to_string(c);
  line += '\n';
  std::fputs(line.c_str(), out);
  std::vector<double> p(static_cast<std::size_t>(classes));
  for (long i = 0; i < n; ++i) {
    double sum = 0;
    for (auto& x : p) sum += (x = u(gen) * u(gen));
    auto top = static_cast<std::size_t>(gen() % static_cast<std::uint64_t>(classes));
    double margin = u(gen);  // how sure the model is: 0 (no idea) .. 1 (certain)
    for (auto& x : p) x = x / sum * (1 - margin);
    p[top] += margin;
    line = "i" + std::to_string(i);
    for (double x : p) {
      line += ',';
      put(line, x);
    }
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), out);
  }
  return 0;
}

int embeddings(long n, int dim, std::FILE* out) {
  std::mt19937_64 gen(2);
  std::normal_distribution<float> noise(0, 1);
  constexpr int k_clusters = 1000;
  std::vector<float> centres(static_cast<std::size_t>(k_clusters) * static_cast<std::size_t>(dim));
  for (auto& c : centres) c = noise(gen) * 4;
  std::string line = "id";
  for (int d = 0; d < dim; ++d) line += ",e" + std::to_string(d);
  line += '\n';
  std::fputs(line.c_str(), out);
  for (long i = 0; i < n; ++i) {
    const float* c = centres.data() + static_cast<std::size_t>(gen() % k_clusters) * static_cast<std::size_t>(dim);
    line = "i" + std::to_string(i);
    for (int d = 0; d < dim; ++d) {
      line += ',';
      put(line, c[d] + noise(gen));
    }
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), out);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: gen_labeling predictions|embeddings N CLASSES|DIM FILE\n");
    return 2;
  }
  std::string what = argv[1];
  long n = std::atol(argv[2]);
  int width = std::atoi(argv[3]);
  std::FILE* out = std::fopen(argv[4], "wb");
  if (!out || n <= 0 || width <= 0) return 2;
  std::vector<char> buffer(1 << 20);
  std::setvbuf(out, buffer.data(), _IOFBF, buffer.size());
  int rc = what == "predictions" ? predictions(n, width, out) : what == "embeddings" ? embeddings(n, width, out) : 2;
  return std::fclose(out) == 0 ? rc : 1;
}
