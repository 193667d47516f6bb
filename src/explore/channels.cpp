// Channel permutations traced through the engine (see channels.h).
#include "explore/channels.h"

#include "engine/model.h"
#include "engine/session.h"

#include <algorithm>
#include <cmath>

namespace es::explore {

namespace {

// Runs `m` at batch 1 on `values` (one per input channel) and returns the output channels as ints.
std::optional<std::vector<int>> run_tags(const engine::model& m, const std::vector<int>& values, std::string* error) {
    engine::session s;
    if (auto e = s.prepare(engine::optimize(m), 1); !e.empty()) {
        if (error) *error = e;
        return std::nullopt;
    }
    std::transform(values.begin(), values.end(), s.input(), [](int v) { return static_cast<float>(v); });
    s.run();
    const std::size_t n = s.output_shape().numel();
    std::vector<int> out(n);
    for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<int>(std::lround(s.output()[i]));
    return out;
}

bool channels_ok(int channels, std::string* error) {
    if (channels >= 1 && channels <= max_trace_channels) return true;
    if (error)
        *error = "channels must be between 1 and " + std::to_string(max_trace_channels) + ", got " +
                 std::to_string(channels);
    return false;
}

}  // namespace

std::optional<std::vector<int>> shuffle_order(int channels, int groups, std::string* error) {
    if (!channels_ok(channels, error)) return std::nullopt;
    if (groups < 1 || groups > channels || channels % groups) {
        if (error)
            *error = "groups must divide channels (" + std::to_string(channels) + "), got " + std::to_string(groups);
        return std::nullopt;
    }
    engine::graph_builder b("explore.shuffle", {1, 1, 1, channels});
    const int y = b.shuffle(b.input(), groups, "shuffle");
    if (!b.error().empty()) {
        if (error) *error = b.error();
        return std::nullopt;
    }
    std::vector<int> values(static_cast<std::size_t>(channels));
    for (int c = 0; c < channels; ++c) values[static_cast<std::size_t>(c)] = c;
    return run_tags(b.finish(y), values, error);
}

std::optional<split_trace> split_unit(const std::vector<int>& tags, int fresh, std::string* error) {
    const int channels = static_cast<int>(tags.size());
    if (!channels_ok(channels, error)) return std::nullopt;
    if (channels % 2) {
        if (error) *error = "a channel split needs an even number of channels, got " + std::to_string(channels);
        return std::nullopt;
    }
    const auto half = static_cast<std::size_t>(channels / 2);
    split_trace t;
    t.identity.assign(tags.begin(), tags.begin() + static_cast<std::ptrdiff_t>(half));
    t.branch_in.assign(tags.begin() + static_cast<std::ptrdiff_t>(half), tags.end());
    // The engine's split -> concat -> shuffle(2) on [identity tags, branch output tags]: the
    // branch's convolutions make new channels, which is what the fresh tags stand for.
    std::vector<int> input = t.identity;
    for (std::size_t j = 0; j < half; ++j) input.push_back(fresh + static_cast<int>(j));
    auto graph = [channels](bool with_shuffle) {
        engine::graph_builder b("explore.split", {1, 1, 1, channels});
        const auto parts = b.split(b.input(), channels / 2, "split");
        int y = b.concat({parts.first, parts.second}, "concat");
        if (with_shuffle) y = b.shuffle(y, 2, "shuffle");
        return b.finish(y);
    };
    auto c = run_tags(graph(false), input, error);
    auto s = run_tags(graph(true), input, error);
    if (!c || !s) return std::nullopt;
    t.concat = std::move(*c);
    t.shuffled = std::move(*s);
    return t;
}

std::vector<double> reuse_fractions(int channels, int units) {
    if (channels < 2 || channels % 2 || channels > max_trace_channels || units < 1 || units > 16) return {};
    std::vector<int> tags(static_cast<std::size_t>(channels));
    for (int c = 0; c < channels; ++c) tags[static_cast<std::size_t>(c)] = c;
    std::vector<double> out;
    int fresh = channels;
    for (int u = 0; u < units; ++u) {
        auto t = split_unit(tags, fresh, nullptr);
        if (!t) return {};
        fresh += channels / 2;
        tags = t->shuffled;
        const auto original = std::count_if(tags.begin(), tags.end(), [&](int v) { return v < channels; });
        out.push_back(static_cast<double>(original) / channels);
    }
    return out;
}

}  // namespace es::explore
