// json_store: small JSON documents on disk (settings now, quiz progress later), written
// atomically and read defensively.
//
//   auto r = es::store::load_json(path);
//   if (r.status == es::store::load_status::corrupt) show(r.message);   // moved aside, not lost
//   if (auto err = es::store::save_json_atomic(path, doc)) show(*err);
//
// Writes go to "<path>.tmp", are flushed and fsync'd, then renamed over <path>: a crash
// mid-save leaves the old document or the new one, never a mix. A document that does not
// parse is renamed to "<path>.corrupt-<unix ms>" and reported; the caller starts fresh.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace es::store {

enum class load_status { ok, missing, corrupt, unreadable };

struct load_result {
    load_status status = load_status::missing;
    nlohmann::json value;   // the document when status == ok
    std::string moved_to;   // where a corrupt file was moved
    std::string message;    // human-readable explanation for anything but ok/missing
};

load_result load_json(const std::string& path);

// Returns an error message, or nullopt on success. Creates missing parent folders.
std::optional<std::string> save_json_atomic(const std::string& path, const nlohmann::json& doc);

// mkdir -p; returns false when the folder cannot be created.
bool make_dirs(const std::string& path);

}  // namespace es::store
