// A data dir as a node from before replication left it: wal/ of untyped format-1 records (one
// Effect per command, term 1) and nothing else, for the upgrade tests. Header-only: the tests
// that use it link cairn_commands and cairn_wal.
#pragma once

#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "commands/effect.h"
#include "wal/log.h"

namespace cairn::testing {

inline void WriteLegacyDataDir(const std::string& data_dir,
                               const std::vector<std::vector<std::string>>& commands) {
  std::filesystem::create_directories(data_dir + "/wal");
  wal::Options o;
  o.dir = data_dir + "/wal";
  o.inline_writes = true;
  o.format_version = wal::kFormatVersionRecords;
  auto log = wal::Log::Open(std::move(o));
  REQUIRE(log.ok());
  std::vector<std::string> payloads;
  for (const auto& argv : commands) {
    payloads.emplace_back();
    commands::EncodeCommandEffect(0, 1700000000000, argv, &payloads.back());
  }
  (*log)->AppendPayloads(1, payloads);
  REQUIRE((*log)->Close().ok());
}

}  // namespace cairn::testing
