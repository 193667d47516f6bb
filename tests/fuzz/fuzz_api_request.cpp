// libFuzzer target: arbitrary bytes as a request to the command dispatcher (what the page's
// edgestudy.run and the CLI hand it). It must always answer one JSON object, never crash.
#include "api/dispatcher.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto answer = nlohmann::json::parse(es::api::run_text(text), nullptr, false);
    if (answer.is_discarded() || !answer.is_object()) std::abort();
    return 0;
}
