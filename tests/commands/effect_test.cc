// The log record of a write (Effect): encoding round trips, the kTransaction layout pinned byte
// for byte, and rejection of malformed records.
#include "commands/effect.h"

#include <doctest/doctest.h>

#include <string>

using namespace cairn::commands;

namespace {

Effect SampleTransaction() {
  Effect e;
  e.kind = EffectKind::kTransaction;
  e.db = 3;
  e.now_ms = 1'700'000'000'123;
  e.commands = {{"SET", "k", "v"}, {"SELECT", "4"}, {"GET", std::string("bin\0ary", 7)}};
  e.watches = {{3, "k", true, 42, 7}, {0, "", false, 0, 0}, {15, "w", true, 300, 0}};
  return e;
}

void CheckSame(const Effect& a, const Effect& b) {
  CHECK(a.kind == b.kind);
  CHECK(a.db == b.db);
  CHECK(a.now_ms == b.now_ms);
  CHECK(a.commands == b.commands);
  CHECK(a.watches == b.watches);
}

}  // namespace

TEST_CASE("A transaction record round-trips with its commands and WATCH observations") {
  Effect e = SampleTransaction();
  std::string enc;
  EncodeEffect(e, &enc);
  auto dec = DecodeEffect(enc);
  REQUIRE(dec.ok());
  CheckSame(*dec, e);
}

TEST_CASE("A transaction record without watches round-trips") {
  Effect e = SampleTransaction();
  e.watches.clear();
  std::string enc;
  EncodeEffect(e, &enc);
  auto dec = DecodeEffect(enc);
  REQUIRE(dec.ok());
  CheckSame(*dec, e);
}

TEST_CASE("The transaction record layout is pinned") {
  Effect e;
  e.kind = EffectKind::kTransaction;
  e.db = 1;
  e.now_ms = 0x0102030405060708;
  e.commands = {{"INCR", "c"}};
  e.watches = {{2, "c", true, 300, 5}};
  std::string enc;
  EncodeEffect(e, &enc);
  const std::string want = std::string(
      "\x01"                              // version
      "\x03"                              // kind: transaction
      "\x01"                              // db
      "\x08\x07\x06\x05\x04\x03\x02\x01"  // now_ms, fixed64 LE
      "\x01"                              // one command
      "\x02"                              // argc
      "\x04INCR"
      "\x01"
      "c"
      "\x01"  // one watch
      "\x02"  // its db
      "\x01"
      "c"
      "\x01"      // present
      "\xac\x02"  // mod_index 300, varint
      "\x05",     // db_change_index
      28);
  CHECK(enc == want);
}

TEST_CASE("A single-command record has no watch section, as before transactions") {
  Effect e;
  e.kind = EffectKind::kCommand;
  e.db = 0;
  e.now_ms = 5;
  e.commands = {{"SET", "a", "b"}};
  e.watches = {{0, "ignored", true, 1, 1}};  // not encoded for this kind
  std::string enc;
  EncodeEffect(e, &enc);
  auto dec = DecodeEffect(enc);
  REQUIRE(dec.ok());
  CHECK(dec->watches.empty());
  CHECK(dec->commands == e.commands);
  // A trailing watch section on a command record is corruption.
  enc.push_back('\0');
  CHECK(!DecodeEffect(enc).ok());
}

TEST_CASE("Every strict prefix of a transaction record is rejected") {
  std::string enc;
  EncodeEffect(SampleTransaction(), &enc);
  for (size_t n = 0; n < enc.size(); ++n) {
    CAPTURE(n);
    CHECK(!DecodeEffect(std::string_view(enc).substr(0, n)).ok());
  }
  std::string longer = enc + "x";
  CHECK(!DecodeEffect(longer).ok());
}

TEST_CASE("A watch with a bad database or flag byte is rejected") {
  Effect e;
  e.kind = EffectKind::kTransaction;
  e.commands = {{"PING"}};
  e.watches = {{0, "k", true, 1, 0}};
  std::string enc;
  EncodeEffect(e, &enc);
  // Layout tail: ... | 01 (n) | 00 (db) | 01 'k' | 01 (flags) | 01 (mod) | 00 (change)
  std::string bad_db = enc;
  bad_db[bad_db.size() - 6] = 16;
  CHECK(!DecodeEffect(bad_db).ok());
  std::string bad_flags = enc;
  bad_flags[bad_flags.size() - 3] = 2;
  CHECK(!DecodeEffect(bad_flags).ok());
  CHECK(DecodeEffect(enc).ok());
}
