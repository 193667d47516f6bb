// doctest entry point, shared by the native and the WebAssembly (node) suites.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
