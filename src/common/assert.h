// Invariant assertions that stay on in release builds: a broken invariant in a store that keeps
// data must stop the process, not corrupt the data. Errors that can happen use Status instead.
#pragma once

#include <cstdio>
#include <cstdlib>

#define CAIRN_ASSERT(cond)                                                              \
  do {                                                                                  \
    if (!(cond)) [[unlikely]] {                                                         \
      std::fprintf(stderr, "%s:%d: assertion failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                     \
    }                                                                                   \
  } while (0)
