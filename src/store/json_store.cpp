#include "store/json_store.h"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace es::store {

namespace {

std::string errno_text() { return std::strerror(errno); }

std::string parent_of(const std::string& path) {
    auto pos = path.find_last_of('/');
    if (pos == std::string::npos) return {};
    return pos == 0 ? "/" : path.substr(0, pos);
}

long long unix_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace

bool make_dirs(const std::string& path) {
    if (path.empty()) return true;
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) return S_ISDIR(st.st_mode);
    if (!make_dirs(parent_of(path))) return false;
    return ::mkdir(path.c_str(), 0755) == 0 || errno == EEXIST;
}

load_result load_json(const std::string& path) {
    load_result r;
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        struct stat st {};
        if (::stat(path.c_str(), &st) != 0 && errno == ENOENT) {
            r.status = load_status::missing;
        } else {
            r.status = load_status::unreadable;
            r.message = "cannot read " + path + ": " + errno_text();
        }
        return r;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    in.close();
    auto doc = nlohmann::json::parse(ss.str(), nullptr, /*allow_exceptions=*/false);
    if (!doc.is_discarded() && doc.is_object()) {
        r.status = load_status::ok;
        r.value = std::move(doc);
        return r;
    }
    r.status = load_status::corrupt;
    r.moved_to = path + ".corrupt-" + std::to_string(unix_ms());
    if (std::rename(path.c_str(), r.moved_to.c_str()) != 0) {
        r.message = path + " is not valid JSON and could not be moved aside (" + errno_text() + ")";
        r.moved_to.clear();
    } else {
        r.message = path + " is not valid JSON; it was moved to " + r.moved_to;
    }
    return r;
}

std::optional<std::string> save_json_atomic(const std::string& path, const nlohmann::json& doc) {
    if (!make_dirs(parent_of(path))) return "cannot create the folder for " + path + ": " + errno_text();
    const std::string tmp = path + ".tmp";
    const std::string text = doc.dump(2) + "\n";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return "cannot write " + tmp + ": " + errno_text();
    size_t off = 0;
    while (off < text.size()) {
        ssize_t n = ::write(fd, text.data() + off, text.size() - off);
        if (n < 0) {
            if (errno == EINTR) continue;
            std::string e = "cannot write " + tmp + ": " + errno_text();
            ::close(fd);
            std::remove(tmp.c_str());
            return e;
        }
        off += static_cast<size_t>(n);
    }
    ::fsync(fd);
    if (::close(fd) != 0) {
        std::remove(tmp.c_str());
        return "cannot close " + tmp + ": " + errno_text();
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        std::string e = "cannot replace " + path + ": " + errno_text();
        std::remove(tmp.c_str());
        return e;
    }
    return std::nullopt;
}

}  // namespace es::store
