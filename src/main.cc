// cairn-server: parses the command line (`[config.toml] [--key value ...]`, as redis-server
// takes them), then runs one node until SHUTDOWN or SIGTERM/SIGINT.
#include <malloc.h>

#include <cstdio>
#include <string_view>

#include "server/node.h"

namespace {

// glibc raises its mmap threshold to the size of any mmapped block freed, up to 32 MiB: after the
// first checkpoint frees its write-behind set, the next sets' arena chunks and batches come from
// the heap and, freed, leave holes among the memory tier's nodes that RSS keeps (1M small keys:
// 156-183 B/key RSS; 129 with the threshold fixed at 128 KiB, glibc's default start, and 109
// with the writer thread's idle trim too). Fixed, such a block is mapped and unmapped whole; the
// small blocks of every request are unaffected.
void ConfigureMalloc() { mallopt(M_MMAP_THRESHOLD, 128 << 10); }

}  // namespace

int main(int argc, char** argv) {
  ConfigureMalloc();
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "-v" || a == "--version") {
      std::printf("Cairn server v=0.1.0 (speaks Redis 7.2.0)\n");
      return 0;
    }
    if (a == "-h" || a == "--help") {
      std::printf("Usage: cairn-server [/path/to/cairn.toml] [--key value ...]\n");
      return 0;
    }
  }
  cairn::server::Config config;
  cairn::Status st = config.LoadCommandLine(argc, argv);
  if (!st.ok()) {
    std::fprintf(stderr, "cairn-server: bad configuration: %s\n", st.message().c_str());
    return 1;
  }
  if (!config.logfile.empty() && std::freopen(config.logfile.c_str(), "a", stderr) == nullptr) {
    std::fprintf(stdout, "cairn-server: cannot open logfile '%s'\n", config.logfile.c_str());
    return 1;
  }
  std::setvbuf(stderr, nullptr, _IOLBF, 0);
  cairn::server::Node node(std::move(config));
  st = node.Start();
  if (!st.ok()) {
    std::fprintf(stderr, "cairn-server: cannot start: %s\n", st.ToString().c_str());
    return 1;
  }
  std::fprintf(stderr, "cairn-server ready to accept connections on port %d\n", node.bound_port());
  return node.Run();
}
