// libFuzzer target: arbitrary bytes as a stored settings file. Loading must never crash,
// and whatever loads must save and load back to the same settings.
#include "store/settings.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto doc = nlohmann::json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded()) return 0;
    std::vector<std::string> warnings;
    auto s = es::store::settings_from_json(doc, &warnings);
    auto again = es::store::settings_from_json(es::store::settings_to_json(s), nullptr);
    if (again.lang != s.lang || again.ui_theme != s.ui_theme || again.ui_scale != s.ui_scale) std::abort();
    return 0;
}
