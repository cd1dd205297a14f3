// The doctest runner for the server unit tests (cluster config and the data dir's identity).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
