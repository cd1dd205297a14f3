// Walks the command table: every entry is well-formed, so a wrong flag or key position is a test
// failure rather than a client surprise.
#include <doctest/doctest.h>

#include <set>

#include "commands/command_table.h"

using namespace cairn::commands;

namespace {
void CheckSpec(const CommandSpec& spec) {
  INFO("command: ", std::string(spec.name));
  CHECK((spec.handler != nullptr));
  CHECK(spec.arity != 0);
  CHECK_FALSE(spec.summary.empty());
  CHECK_FALSE(spec.since.empty());
  CHECK_FALSE(spec.group.empty());
  for (char c : spec.name) CHECK_FALSE((c >= 'A' && c <= 'Z'));
  // A keyed command is either a write or read-only, never both.
  if (spec.first_key > 0) {
    CHECK(((spec.flags & kWrite) != 0) != ((spec.flags & kReadOnly) != 0));
    CHECK(spec.key_step >= 1);
    // The first key position must exist in the smallest valid argv.
    int min_argc = spec.arity > 0 ? spec.arity : -spec.arity;
    CHECK(spec.first_key < min_argc);
    if (spec.last_key > 0) CHECK(spec.last_key >= spec.first_key);
  }
  CHECK_FALSE(((spec.flags & kWrite) && (spec.flags & kReadOnly)));
  // Only writes are validated before logging; a validator on a read would never run.
  if (spec.validate != nullptr) CHECK(((spec.flags & kWrite) != 0));
  for (const CommandSpec& sub : spec.subcommands) {
    CHECK(sub.name.substr(0, spec.name.size() + 1) == std::string(spec.name) + "|");
    CHECK(sub.arity != 0);
    CHECK((sub.arity >= 2 || sub.arity <= -2));  // a subcommand takes at least its own name
    CheckSpec(sub);
  }
}
}  // namespace

TEST_CASE("every command table entry is well-formed") {
  CommandTable table;
  REQUIRE(table.all().size() >= 30);
  std::set<std::string> names;
  for (const CommandSpec* spec : table.all()) {
    CHECK(names.insert(std::string(spec->name)).second);
    CheckSpec(*spec);
  }
}

TEST_CASE("lookup is case-insensitive and finds subcommands") {
  CommandTable table;
  REQUIRE(table.Find("GeT") != nullptr);
  CHECK(table.Find("GeT")->name == "get");
  CHECK(table.Find("nosuch") == nullptr);
  const CommandSpec* client = table.Find("CLIENT");
  REQUIRE(client != nullptr);
  const CommandSpec* setname = CommandTable::FindSub(*client, "SetName");
  REQUIRE(setname != nullptr);
  CHECK(setname->name == "client|setname");
}

TEST_CASE("key positions follow first/last/step") {
  CommandTable table;
  CHECK(table.Find("mset")->KeyPositions(7) == std::vector<int>{1, 3, 5});
  CHECK(table.Find("mget")->KeyPositions(4) == std::vector<int>{1, 2, 3});
  CHECK(table.Find("get")->KeyPositions(2) == std::vector<int>{1});
  CHECK(table.Find("ping")->KeyPositions(1).empty());
}

TEST_CASE("arity follows Redis's rule: N exact, -N at least N") {
  CommandTable table;
  const CommandSpec* get = table.Find("get");
  CHECK(get->ArityOk(2));
  CHECK_FALSE(get->ArityOk(1));
  CHECK_FALSE(get->ArityOk(3));
  const CommandSpec* set = table.Find("set");
  CHECK(set->ArityOk(3));
  CHECK(set->ArityOk(9));
  CHECK_FALSE(set->ArityOk(2));
}
