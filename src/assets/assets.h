// assets: data compiled into the binary (cmake/embed.py), identical in the native and
// WebAssembly builds, so nothing is read from disk or fetched at run time.
//
//   std::string_view zh = es::assets::text("strings/zh-TW.json");
//   auto font = es::assets::bytes("fonts/ui_font.ttf");   // span of the CJK subset
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace es::assets {

// Empty span / view when no asset has that name.
std::span<const unsigned char> bytes(std::string_view name);
std::string_view text(std::string_view name);
std::vector<std::string> names();

// Every string the UI can show (all languages' string tables). The font subset is built
// from exactly these, and the coverage check walks them.
std::vector<std::string> all_ui_strings();

}  // namespace es::assets
