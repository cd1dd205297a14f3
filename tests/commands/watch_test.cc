// The WATCH precondition logic (commands/txn.h) against both keyspaces: what counts as a change of
// a watched key, decided from the keyspace and a given time only.
#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "commands/txn.h"
#include "keyspace/durable_keyspace.h"
#include "keyspace/memory_keyspace.h"
#include "keyspace/temp_dir.h"

using namespace cairn;
using namespace cairn::commands;
using keyspace::Entry;
using keyspace::Keyspace;

namespace {

constexpr int64_t kNow = 1'700'000'000'000;

Entry Str(std::string v, int64_t expire_at_ms = 0) {
  Entry e;
  e.value = std::move(v);
  e.expire_at_ms = expire_at_ms;
  return e;
}

// A keyspace plus a log index counter: each Apply is one log entry.
struct Harness {
  std::unique_ptr<testing::TempDir> dir;
  std::unique_ptr<Keyspace> ks;
  uint64_t index = 0;

  explicit Harness(bool durable) {
    if (durable) {
      dir = std::make_unique<testing::TempDir>();
      Reopen();
    } else {
      ks = std::make_unique<keyspace::MemoryKeyspace>();
    }
  }
  void Reopen() {
    ks.reset();
    keyspace::DurableKeyspace::Options o;
    o.dir = dir->path();
    auto opened = keyspace::DurableKeyspace::Open(o);
    REQUIRE(opened.ok());
    ks = std::move(opened).value();
  }
  template <typename F>
  void Apply(F f) {
    ks->BeginApply(++index, kNow);
    f(*ks);
    REQUIRE(ks->CommitApply().ok());
  }
  WatchedKey Watch(int db, const std::string& key, int64_t now = kNow) {
    auto w = ObserveKey(*ks, db, key, now);
    REQUIRE(w.ok());
    return *w;
  }
  bool Unchanged(const WatchedKey& w, int64_t now = kNow) {
    return WatchedKeyUnchanged(*ks, w, now);
  }
};

}  // namespace

namespace {

// The cases, run once per keyspace (subcases re-run the function from the start).
void WatchPreconditions(bool durable) {
  {
    Harness h(durable);

    SUBCASE("a present key left alone is unchanged; any write to it is a change") {
      h.Apply([](Keyspace& ks) { ks.Put(0, "k", Str("v")); });
      WatchedKey w = h.Watch(0, "k");
      CHECK(w.present);
      CHECK(w.mod_index == h.index);
      h.Apply([](Keyspace& ks) { ks.Put(0, "other", Str("v")); });
      CHECK(h.Unchanged(w));
      h.Apply([](Keyspace& ks) { ks.Put(0, "k", Str("v")); });  // the same value still counts
      CHECK(!h.Unchanged(w));
    }

    SUBCASE("deletion, and deletion then re-creation, are changes") {
      h.Apply([](Keyspace& ks) { ks.Put(0, "k", Str("v")); });
      WatchedKey w = h.Watch(0, "k");
      h.Apply([](Keyspace& ks) { ks.Delete(0, "k"); });
      CHECK(!h.Unchanged(w));
      h.Apply([](Keyspace& ks) { ks.Put(0, "k", Str("v")); });
      CHECK(!h.Unchanged(w));
    }

    SUBCASE("a missing key is unchanged until it is created") {
      WatchedKey w = h.Watch(0, "k");
      CHECK(!w.present);
      h.Apply([](Keyspace& ks) { ks.Put(0, "other", Str("v")); });
      CHECK(h.Unchanged(w));
      h.Apply([](Keyspace& ks) { ks.Put(0, "k", Str("v")); });
      CHECK(!h.Unchanged(w));
    }

    SUBCASE("a key that expires after WATCH is changed from its expiry time on") {
      h.Apply([](Keyspace& ks) { ks.Put(0, "k", Str("v", kNow + 100)); });
      WatchedKey w = h.Watch(0, "k");
      CHECK(w.present);
      CHECK(h.Unchanged(w, kNow + 99));
      CHECK(!h.Unchanged(w, kNow + 100));
      // Still changed once active expiry has deleted it.
      h.Apply([](Keyspace& ks) { ks.Delete(0, "k"); });
      CHECK(!h.Unchanged(w, kNow + 100));
    }

    SUBCASE("a key already expired at WATCH is absent: its deletion is no change") {
      h.Apply([](Keyspace& ks) { ks.Put(0, "k", Str("v", kNow - 1)); });
      WatchedKey w = h.Watch(0, "k");
      CHECK(!w.present);
      CHECK(h.Unchanged(w));
      h.Apply([](Keyspace& ks) { ks.Delete(0, "k"); });
      CHECK(h.Unchanged(w));
      h.Apply([](Keyspace& ks) { ks.Put(0, "k", Str("again")); });
      CHECK(!h.Unchanged(w));
    }

    SUBCASE("FLUSHDB changes a present watched key, not a missing one, nor another db's") {
      h.Apply([](Keyspace& ks) {
        ks.Put(0, "k", Str("v"));
        ks.Put(1, "k", Str("v"));
      });
      WatchedKey present = h.Watch(0, "k");
      WatchedKey missing = h.Watch(0, "nope");
      WatchedKey elsewhere = h.Watch(1, "k");
      h.Apply([](Keyspace& ks) { ks.FlushDb(0); });
      CHECK(!h.Unchanged(present));
      CHECK(h.Unchanged(missing));
      CHECK(h.Unchanged(elsewhere));
      h.Apply([](Keyspace& ks) { ks.FlushAll(); });
      CHECK(!h.Unchanged(elsewhere));
    }

    SUBCASE("SWAPDB is a change even when the entry swapped in has the same mod_index") {
      h.Apply([](Keyspace& ks) {
        ks.Put(0, "k", Str("a"));
        ks.Put(1, "k", Str("b"));
      });
      WatchedKey w = h.Watch(0, "k");
      WatchedKey unrelated = h.Watch(2, "k");
      h.Apply([](Keyspace& ks) { ks.SwapDb(0, 1); });
      auto now = h.ks->Find(0, "k", kNow);
      REQUIRE(now.ok());
      REQUIRE(*now != nullptr);
      CHECK((*now)->value == "b");
      CHECK((*now)->mod_index == w.mod_index);  // what only DbChangeIndex tells apart
      CHECK(!h.Unchanged(w));
      CHECK(h.Unchanged(unrelated));
      CHECK(h.ks->DbChangeIndex(0) == h.index);
      CHECK(h.ks->DbChangeIndex(1) == h.index);
      CHECK(h.ks->DbChangeIndex(2) == 0);
    }

    SUBCASE("SWAPDB bringing in nothing, or only a stale key, leaves a missing key unchanged") {
      h.Apply([](Keyspace& ks) { ks.Put(1, "k", Str("stale", kNow - 1)); });
      WatchedKey w = h.Watch(0, "k");
      h.Apply([](Keyspace& ks) { ks.SwapDb(0, 1); });
      CHECK(h.Unchanged(w));
      h.Apply([](Keyspace& ks) { ks.SwapDb(0, 2); });
      CHECK(h.Unchanged(w));
    }

    SUBCASE("the list check fails when any key changed") {
      h.Apply([](Keyspace& ks) {
        ks.Put(0, "a", Str("1"));
        ks.Put(0, "b", Str("1"));
      });
      std::vector<WatchedKey> ws = {h.Watch(0, "a"), h.Watch(0, "b"), h.Watch(0, "c")};
      CHECK(WatchedKeysUnchanged(*h.ks, ws, kNow));
      CHECK(WatchedKeysUnchanged(*h.ks, {}, kNow));
      h.Apply([](Keyspace& ks) { ks.Put(0, "b", Str("2")); });
      CHECK(!WatchedKeysUnchanged(*h.ks, ws, kNow));
    }
  }
}

}  // namespace

TEST_CASE("WATCH preconditions on a MemoryKeyspace") { WatchPreconditions(false); }
TEST_CASE("WATCH preconditions on a DurableKeyspace") { WatchPreconditions(true); }

TEST_CASE("A durable keyspace keeps its db change indexes across a restart") {
  Harness h(/*durable=*/true);
  h.Apply([](Keyspace& ks) {
    ks.Put(0, "k", Str("a"));
    ks.Put(3, "k", Str("b"));
  });
  WatchedKey w = h.Watch(0, "k");
  h.Apply([](Keyspace& ks) { ks.SwapDb(0, 3); });
  h.Apply([](Keyspace& ks) { ks.FlushDb(5); });  // an empty database: still recorded
  uint64_t swap_index = h.index - 1;
  h.Reopen();
  CHECK(h.ks->DbChangeIndex(0) == swap_index);
  CHECK(h.ks->DbChangeIndex(3) == swap_index);
  CHECK(h.ks->DbChangeIndex(5) == h.index);
  CHECK(h.ks->DbChangeIndex(1) == 0);
  CHECK(!h.Unchanged(w));  // the same answer as before the restart
}
