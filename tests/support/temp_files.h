// Files for the suites that write to disk (stores, progress): a fresh folder under /tmp and
// small read/write/list helpers.
#pragma once

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

namespace es::testing {

// A new empty folder /tmp/edgestudy-test-XXXXXX.
inline std::string make_temp_dir() {
    char tmpl[] = "/tmp/edgestudy-test-XXXXXX";
    char* d = ::mkdtemp(tmpl);
    REQUIRE(d != nullptr);
    return d;
}

inline bool exists(const std::string& p) {
    struct stat st {};
    return ::stat(p.c_str(), &st) == 0;
}

inline void write_file(const std::string& p, const std::string& text) {
    std::ofstream f(p, std::ios::binary);
    f << text;
}

inline std::string read_file(const std::string& p) {
    std::ifstream f(p, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

inline int count_files_with_prefix(const std::string& dir, const std::string& prefix) {
    int n = 0;
    if (DIR* d = ::opendir(dir.c_str())) {
        while (dirent* e = ::readdir(d))
            if (std::string(e->d_name).rfind(prefix, 0) == 0) ++n;
        ::closedir(d);
    }
    return n;
}

}  // namespace es::testing
