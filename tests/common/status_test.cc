// Unit tests for Status and Result.
#include <doctest/doctest.h>

#include "common/status.h"

using namespace cairn;

TEST_CASE("Status carries code and message") {
  Status ok;
  CHECK(ok.ok());
  Status s = Status::Corruption("bad crc");
  CHECK_FALSE(s.ok());
  CHECK(s.code() == ErrorCode::kCorruption);
  CHECK(s.ToString() == "Corruption: bad crc");
}

TEST_CASE("Result holds a value or an error") {
  Result<int> r = 5;
  REQUIRE(r.ok());
  CHECK(*r == 5);
  Result<int> e = Status::NotFound("x");
  CHECK_FALSE(e.ok());
  CHECK(e.status().code() == ErrorCode::kNotFound);
}
