// arena_planner: first-fit placement of buffers into one arena, by lifetime. Used while
// planning (session::prepare, train_graph::prepare); nothing is allocated at run time.
//
//   es::engine::arena_planner p{16};          // offsets and sizes in floats, 16-float aligned
//   auto a = p.alloc(n);  ...  p.release(a, n);
//   std::vector<float> arena(p.top);
#pragma once

#include <cstddef>
#include <iterator>
#include <map>

namespace es::engine {

struct arena_planner {
    std::size_t align = 1;  // every size is rounded up to a multiple of this
    std::size_t top = 0;    // arena size needed so far
    std::map<std::size_t, std::size_t> free_blocks;  // offset -> size

    std::size_t round(std::size_t n) const {
        n = n == 0 ? 1 : n;
        return (n + align - 1) / align * align;
    }

    std::size_t alloc(std::size_t n) {
        n = round(n);
        for (auto it = free_blocks.begin(); it != free_blocks.end(); ++it) {
            if (it->second < n) continue;
            const std::size_t off = it->first, size = it->second;
            free_blocks.erase(it);
            if (size > n) free_blocks.emplace(off + n, size - n);
            return off;
        }
        if (!free_blocks.empty()) {  // grow the last free block when it ends at the top
            auto last = std::prev(free_blocks.end());
            if (last->first + last->second == top) {
                const std::size_t off = last->first;
                top = off + n;
                free_blocks.erase(last);
                return off;
            }
        }
        const std::size_t off = top;
        top += n;
        return off;
    }

    void release(std::size_t off, std::size_t n) {
        n = round(n);
        auto it = free_blocks.emplace(off, n).first;
        if (auto next = std::next(it); next != free_blocks.end() && it->first + it->second == next->first) {
            it->second += next->second;
            free_blocks.erase(next);
        }
        if (it != free_blocks.begin()) {
            auto prev = std::prev(it);
            if (prev->first + prev->second == it->first) {
                prev->second += it->second;
                free_blocks.erase(it);
            }
        }
    }
};

}  // namespace es::engine
