// quiz/progress: the quiz progress document, its validation, and the store that saves it
// atomically after every answer (natively a file; in the page a file on IDBFS).
//
//   es::quiz::progress_store store(dir + "/progress.json");
//   auto report = store.load(lang);          // missing: fresh; corrupt/invalid: moved aside, reported
//   if (auto err = store.answer("1.1.4-c", "1.1.4", true, now, 8000, item_type::numeric, lang)) show(*err);
//   std::string backup = store.export_json();
//   if (auto err = store.import_json(text, lang)) show(*err);   // progress untouched on error
//
// The document (version 1):
//   {"format": "edgestudy-progress", "version": 1,
//    "items":  {"<id>": {"ef", "reps", "interval", "due", "lapses", "last", "last_correct",
//                        "answers", "correct"}, ...},
//    "skills": {"<bullet>": {same fields}, ...},
//    "history": [{"id", "t", "correct", "ms"}, ...]}          (oldest first, ≤ max_history)
// Validation is complete and strict about what it reads: "format" must be
// "edgestudy-progress", "version" must be 1, every state field must be present with its type
// and range (ef a number in [1.3, 100]; reps, lapses, answers, correct whole numbers in
// [0, 10^9] with correct ≤ answers; interval whole in [0, 36,500]; due, last, t whole unix
// seconds in [0, 10^11]; ms whole in [0, 2^31 − 1]; last_correct and correct booleans; ids
// 1–200 bytes), history at most max_history entries. Unknown keys are ignored. The first
// problem found is reported with its place ("items.\"1.1.4-c\".ef: ..."), in the requested
// language. Import replaces the whole progress (it does not merge).
#pragma once

#include "i18n/i18n.h"
#include "quiz/scheduler.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace es::quiz {

inline constexpr const char* progress_format = "edgestudy-progress";
inline constexpr int progress_version = 1;

nlohmann::json progress_to_json(const study_state& s);
// nullopt and *error (naming the field and the problem) when the document is not a valid
// version-1 progress document.
std::optional<study_state> progress_from_json(const nlohmann::json& doc, i18n::lang l, std::string* error);

enum class progress_load_status { ok, missing, corrupt, invalid, unreadable };
std::string_view progress_load_status_name(progress_load_status s);  // "ok", "missing", ...

struct progress_load_report {
    progress_load_status status = progress_load_status::missing;
    std::string message;   // for corrupt / invalid / unreadable, in the requested language
    std::string moved_to;  // where a corrupt or invalid file was moved
};

class progress_store {
public:
    explicit progress_store(std::string path);

    // Reads the file. ok: its progress becomes current. missing: current progress is empty.
    // corrupt (not a JSON object; moved to "<path>.corrupt-<ms>" by store::load_json),
    // invalid (JSON but not a valid progress document; moved to "<path>.invalid-<ms>" so no
    // later save overwrites it) and unreadable: the current progress is kept (empty at start)
    // and the report says why, naming the problem.
    progress_load_report load(i18n::lang l);

    // Records one answer (quiz/scheduler.h) and saves. Returns the save error, if any (the
    // answer is kept in memory and the next successful save writes it). While the file holds
    // an invalid document that could not be moved aside, nothing is saved over it.
    std::optional<std::string> answer(const std::string& id, const std::string& bullet, bool correct,
                                      std::int64_t now, std::int32_t response_ms, item_type type, i18n::lang l);

    std::string export_json() const;  // the document, pretty-printed
    // Validates text fully; on success saves it and makes it current. On any error (not JSON,
    // foreign or invalid document, save failure) returns the message and changes nothing.
    std::optional<std::string> import_json(std::string_view text, i18n::lang l);

    const study_state& state() const { return state_; }
    const std::string& path() const { return path_; }

private:
    std::string path_;
    study_state state_;
    bool blocked_ = false;  // the file holds an invalid document that could not be moved aside
};

}  // namespace es::quiz
