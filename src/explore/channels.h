// explore/channels: what ShuffleNet's channel operations do to the order of the channels,
// computed by running the engine's own split, concat and shuffle layers on a 1x1 tensor whose
// channel c holds the value c: the output's values read back as the permutation.
//
//   auto order = es::explore::shuffle_order(12, 3, &err);   // {0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11}
//   // position i of the shuffled tensor holds input channel order[i]: after the shuffle, each
//   // of the next group conv's 3 groups (4 consecutive channels) holds channels of every group.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace es::explore {

inline constexpr int max_trace_channels = 4096;

// Channel shuffle with `groups` (reshape to groups x channels/groups, transpose, flatten).
// nullopt and `error` when channels is out of range or groups does not divide it.
std::optional<std::vector<int>> shuffle_order(int channels, int groups, std::string* error);

// A ShuffleNet V2 stride-1 unit on tagged channels (`tags`, even count): split in half, the
// first half passes unchanged (identity), the second goes through the branch, whose j-th
// output channel is new and tagged `fresh + j`; concat [identity, branch]; shuffle in 2 groups.
struct split_trace {
    std::vector<int> identity;   // tags of the half that passes unchanged
    std::vector<int> branch_in;  // tags the branch reads
    std::vector<int> concat;     // identity then the branch's outputs
    std::vector<int> shuffled;   // the unit's output order
};
std::optional<split_trace> split_unit(const std::vector<int>& tags, int fresh, std::string* error);

// Feature reuse over `units` consecutive stride-1 units of `channels` channels: entry u is the
// fraction of unit u+1's output channels that are unchanged copies of the first unit's input
// (1/2, 1/4, ...: the ShuffleNet V2 paper's Fig. 4 argument). Empty on bad input.
std::vector<double> reuse_fractions(int channels, int units);

}  // namespace es::explore
