// Effect encoding: see effect.h for the format.
#include "commands/effect.h"

#include "common/coding.h"

namespace cairn::commands {

namespace {
constexpr uint8_t kEffectVersion = 1;

void EncodeHeader(EffectKind kind, int db, int64_t now_ms, size_t n_commands, std::string* out) {
  out->push_back(static_cast<char>(kEffectVersion));
  out->push_back(static_cast<char>(kind));
  PutVarint64(out, static_cast<uint64_t>(db));
  PutFixed64(out, static_cast<uint64_t>(now_ms));
  PutVarint64(out, n_commands);
}

void EncodeArgv(const std::vector<std::string>& argv, std::string* out) {
  PutVarint64(out, argv.size());
  for (const auto& a : argv) PutLengthPrefixed(out, a);
}

}  // namespace

void EncodeCommandEffect(int db, int64_t now_ms, const std::vector<std::string>& argv,
                         std::string* out) {
  size_t bytes = 16;
  for (const auto& a : argv) bytes += a.size() + 5;
  out->reserve(out->size() + bytes);
  EncodeHeader(EffectKind::kCommand, db, now_ms, 1, out);
  EncodeArgv(argv, out);
}

void EncodeEffect(const Effect& e, std::string* out) {
  EncodeHeader(e.kind, e.db, e.now_ms, e.commands.size(), out);
  for (const auto& argv : e.commands) EncodeArgv(argv, out);
  if (e.kind != EffectKind::kTransaction) return;
  PutVarint64(out, e.watches.size());
  for (const auto& w : e.watches) {
    PutVarint64(out, static_cast<uint64_t>(w.db));
    PutLengthPrefixed(out, w.key);
    out->push_back(static_cast<char>(w.present ? 1 : 0));
    PutVarint64(out, w.mod_index);
    PutVarint64(out, w.db_change_index);
  }
}

Result<Effect> DecodeEffect(std::string_view in) {
  Effect e;
  CAIRN_RETURN_IF_ERROR(DecodeEffectInto(in, &e));
  return e;
}

// Decodes into an Effect that may hold a previous record: resize and assign keep the strings'
// capacity, so applying a stream of similar records allocates next to nothing.
Status DecodeEffectInto(std::string_view in, Effect* out) {
  Effect& e = *out;
  e.watches.clear();
  if (in.size() < 2 || static_cast<uint8_t>(in[0]) != kEffectVersion) {
    return Status::Corruption("effect: unknown version");
  }
  uint8_t kind = static_cast<uint8_t>(in[1]);
  if (kind < 1 || kind > 3) return Status::Corruption("effect: unknown kind");
  e.kind = static_cast<EffectKind>(kind);
  in.remove_prefix(2);
  uint64_t db = 0, now = 0, n = 0;
  if (!GetVarint64(&in, &db) || db >= 16 || !GetFixed64(&in, &now) || !GetVarint64(&in, &n)) {
    return Status::Corruption("effect: bad header");
  }
  e.db = static_cast<int>(db);
  e.now_ms = static_cast<int64_t>(now);
  if (n > in.size()) return Status::Corruption("effect: bad command count");
  e.commands.resize(n);
  for (auto& argv : e.commands) {
    uint64_t argc = 0;
    if (!GetVarint64(&in, &argc) || argc > in.size() || argc == 0) {
      return Status::Corruption("effect: bad argc");
    }
    argv.resize(argc);
    for (auto& a : argv) {
      std::string_view v;
      if (!GetLengthPrefixed(&in, &v)) return Status::Corruption("effect: bad argument");
      a.assign(v.data(), v.size());
    }
  }
  if (e.kind == EffectKind::kTransaction) {
    uint64_t n_watches = 0;
    if (!GetVarint64(&in, &n_watches) || n_watches > in.size()) {
      return Status::Corruption("effect: bad watch count");
    }
    e.watches.resize(n_watches);
    for (auto& w : e.watches) {
      uint64_t wdb = 0;
      std::string_view key;
      if (!GetVarint64(&in, &wdb) || wdb >= 16 || !GetLengthPrefixed(&in, &key) || in.empty() ||
          static_cast<uint8_t>(in[0]) > 1) {
        return Status::Corruption("effect: bad watch");
      }
      w.db = static_cast<int>(wdb);
      w.key.assign(key.data(), key.size());
      w.present = in[0] == 1;
      in.remove_prefix(1);
      if (!GetVarint64(&in, &w.mod_index) || !GetVarint64(&in, &w.db_change_index)) {
        return Status::Corruption("effect: bad watch");
      }
    }
  }
  if (!in.empty()) return Status::Corruption("effect: trailing bytes");
  return Status::Ok();
}

}  // namespace cairn::commands
