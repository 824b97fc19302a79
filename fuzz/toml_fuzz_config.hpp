#pragma once
// Force-included (-include) into every translation unit of the clang fuzz build, ahead of toml++
// (fuzz/CMakeLists.txt): toml++'s internal assertions off, as in the release builds (NDEBUG), while
// adsim's own assertions stay on. toml++ 3.3.0 asserts a precondition of its own on table headers
// like "[." and, without the assertion, returns the right parse error (fuzz/README.md, "Findings").
#define TOML_ASSERT(expr) static_assert(true)
