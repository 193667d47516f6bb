// libFuzzer target: arbitrary bytes as a quiz progress document (a stored file or an import).
// Validation must never crash, and whatever validates must write and validate back to the
// same document.
#include "quiz/progress.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto doc = nlohmann::json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded()) return 0;
    std::string error;
    auto state = es::quiz::progress_from_json(doc, es::i18n::lang::en, &error);
    if (!state) {
        if (error.empty()) std::abort();  // a rejection always names its problem
        return 0;
    }
    const auto written = es::quiz::progress_to_json(*state);
    auto again = es::quiz::progress_from_json(nlohmann::json::parse(written.dump()), es::i18n::lang::zh_tw, &error);
    if (!again || es::quiz::progress_to_json(*again) != written) std::abort();
    return 0;
}
