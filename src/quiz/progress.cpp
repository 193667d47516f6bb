#include "quiz/progress.h"

#include "store/json_store.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <initializer_list>
#include <limits>

namespace es::quiz {

namespace {

using nlohmann::json;
using i18n::lang;

constexpr std::int64_t max_count = 1000000000;
constexpr std::int64_t max_time = 100000000000;  // unix seconds, year 5138
constexpr std::size_t max_id_bytes = 200;

std::string describe(const json& v) {
    std::string s = v.dump(-1, ' ', false, json::error_handler_t::replace);
    if (s.size() > 40) s = s.substr(0, 37) + "...";
    return s;
}

std::string join(const std::string& where, const char* key) { return where.empty() ? key : where + "." + key; }

std::string quoted(const std::string& key) { return json(key).dump(-1, ' ', false, json::error_handler_t::replace); }

// Reads fields of one document, keeping the first problem found.
class reader {
public:
    explicit reader(lang l) : l_(l) {}

    bool failed() const { return !error_.empty(); }
    const std::string& error() const { return error_; }

    bool fail(std::string_view kind, std::initializer_list<std::string_view> args) {
        if (error_.empty()) error_ = i18n::format(i18n::tr(l_, "quiz.progress.error." + std::string(kind)), args);
        return false;
    }

    const json* field(const json& obj, const char* key, const std::string& where) {
        auto it = obj.find(key);
        if (it == obj.end()) {
            fail("missing", {join(where, key)});
            return nullptr;
        }
        return &*it;
    }

    bool integer(const json& obj, const char* key, const std::string& where, std::int64_t lo, std::int64_t hi,
                 std::int64_t& out) {
        const json* v = field(obj, key, where);
        if (!v) return false;
        const std::string path = join(where, key);
        const bool in_range =
            v->is_number_integer() &&
            (v->is_number_unsigned() ? v->get<std::uint64_t>() <= static_cast<std::uint64_t>(hi)
                                     : v->get<std::int64_t>() >= lo && v->get<std::int64_t>() <= hi);
        if (!in_range) return fail("integer", {path, std::to_string(lo), std::to_string(hi), describe(*v)});
        out = v->get<std::int64_t>();
        return true;
    }

    bool integer(const json& obj, const char* key, const std::string& where, std::int64_t lo, std::int64_t hi, int& out) {
        std::int64_t v = 0;
        if (!integer(obj, key, where, lo, hi, v)) return false;
        out = static_cast<int>(v);
        return true;
    }

    bool number(const json& obj, const char* key, const std::string& where, double lo, double hi, double& out) {
        const json* v = field(obj, key, where);
        if (!v) return false;
        if (!v->is_number() || !std::isfinite(v->get<double>()) || v->get<double>() < lo || v->get<double>() > hi) {
            char a[32], b[32];
            std::snprintf(a, sizeof a, "%g", lo);
            std::snprintf(b, sizeof b, "%g", hi);
            return fail("number", {join(where, key), a, b, describe(*v)});
        }
        out = v->get<double>();
        return true;
    }

    bool boolean(const json& obj, const char* key, const std::string& where, bool& out) {
        const json* v = field(obj, key, where);
        if (!v) return false;
        if (!v->is_boolean()) return fail("boolean", {join(where, key), describe(*v)});
        out = v->get<bool>();
        return true;
    }

    bool id(const std::string& s, const std::string& where) {
        if (s.empty() || s.size() > max_id_bytes) return fail("id", {where, std::to_string(max_id_bytes)});
        return true;
    }

    bool state(const json& j, const std::string& where, sm2_state& s) {
        if (!j.is_object()) return fail("object", {where});
        std::int64_t answers = 0, correct = 0;
        if (!number(j, "ef", where, 1.3, 100, s.ef) || !integer(j, "reps", where, 0, max_count, s.reps) ||
            !integer(j, "interval", where, 0, max_interval_days, s.interval_days) ||
            !integer(j, "due", where, 0, max_time, s.due) || !integer(j, "lapses", where, 0, max_count, s.lapses) ||
            !integer(j, "last", where, 0, max_time, s.last) || !boolean(j, "last_correct", where, s.last_correct) ||
            !integer(j, "answers", where, 0, max_count, answers) || !integer(j, "correct", where, 0, max_count, correct))
            return false;
        if (correct > answers) return fail("counts", {where});
        s.answers = static_cast<int>(answers);
        s.correct = static_cast<int>(correct);
        return true;
    }

    bool states(const json& doc, const char* key, std::map<std::string, sm2_state>& out) {
        const json* m = field(doc, key, "");
        if (!m) return false;
        if (!m->is_object()) return fail("object", {key});
        for (const auto& kv : m->items()) {
            const std::string where = std::string(key) + "." + quoted(kv.key());
            if (!id(kv.key(), where)) return false;
            sm2_state s;
            if (!state(kv.value(), where, s)) return false;
            out[kv.key()] = s;
        }
        return true;
    }

    bool history(const json& doc, std::vector<answer_record>& out) {
        const json* h = field(doc, "history", "");
        if (!h) return false;
        if (!h->is_array()) return fail("array", {"history"});
        if (h->size() > max_history)
            return fail("history_size", {std::to_string(h->size()), std::to_string(max_history)});
        for (std::size_t i = 0; i < h->size(); ++i) {
            const json& e = (*h)[i];
            const std::string where = "history[" + std::to_string(i) + "]";
            if (!e.is_object()) return fail("object", {where});
            answer_record r;
            const json* idv = field(e, "id", where);
            if (!idv) return false;
            if (!idv->is_string()) return fail("id", {where + ".id", std::to_string(max_id_bytes)});
            r.id = idv->get<std::string>();
            std::int64_t ms = 0;
            if (!id(r.id, where + ".id") || !integer(e, "t", where, 0, max_time, r.t) ||
                !boolean(e, "correct", where, r.correct) ||
                !integer(e, "ms", where, 0, std::numeric_limits<std::int32_t>::max(), ms))
                return false;
            r.ms = static_cast<std::int32_t>(ms);
            out.push_back(std::move(r));
        }
        return true;
    }

private:
    lang l_;
    std::string error_;
};

json state_json(const sm2_state& s) {
    return {{"ef", s.ef},
            {"reps", s.reps},
            {"interval", s.interval_days},
            {"due", s.due},
            {"lapses", s.lapses},
            {"last", s.last},
            {"last_correct", s.last_correct},
            {"answers", s.answers},
            {"correct", s.correct}};
}

std::int64_t unix_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

json progress_to_json(const study_state& s) {
    json items = json::object(), skills = json::object(), history = json::array();
    for (const auto& kv : s.items) items[kv.first] = state_json(kv.second);
    for (const auto& kv : s.skills) skills[kv.first] = state_json(kv.second);
    for (const auto& r : s.history) history.push_back({{"id", r.id}, {"t", r.t}, {"correct", r.correct}, {"ms", r.ms}});
    return {{"format", progress_format},
            {"version", progress_version},
            {"items", std::move(items)},
            {"skills", std::move(skills)},
            {"history", std::move(history)}};
}

std::optional<study_state> progress_from_json(const json& doc, lang l, std::string* error) {
    reader r(l);
    auto fail = [&]() -> std::optional<study_state> {
        if (error) *error = r.error();
        return std::nullopt;
    };
    if (!doc.is_object()) {
        r.fail("not_object", {});
        return fail();
    }
    auto format = doc.find("format");
    if (format == doc.end() || !format->is_string() || *format != progress_format) {
        if (format == doc.end())
            r.fail("format_missing", {});
        else
            r.fail("format", {describe(*format)});
        return fail();
    }
    auto version = doc.find("version");
    if (version == doc.end() || !version->is_number_integer() || *version != progress_version) {
        if (version == doc.end())
            r.fail("missing", {"version"});
        else
            r.fail("version", {describe(*version)});
        return fail();
    }
    study_state s;
    if (!r.states(doc, "items", s.items) || !r.states(doc, "skills", s.skills) || !r.history(doc, s.history))
        return fail();
    return s;
}

std::string_view progress_load_status_name(progress_load_status s) {
    switch (s) {
    case progress_load_status::ok: return "ok";
    case progress_load_status::missing: return "missing";
    case progress_load_status::corrupt: return "corrupt";
    case progress_load_status::invalid: return "invalid";
    case progress_load_status::unreadable: return "unreadable";
    }
    return "ok";
}

progress_store::progress_store(std::string path) : path_(std::move(path)) {}

progress_load_report progress_store::load(lang l) {
    progress_load_report report;
    auto loaded = store::load_json(path_);
    blocked_ = false;
    switch (loaded.status) {
    case store::load_status::missing:
        state_ = {};
        report.status = progress_load_status::missing;
        return report;
    case store::load_status::unreadable:
        report.status = progress_load_status::unreadable;
        report.message = i18n::format(i18n::tr(l, "quiz.progress.unreadable"), {path_, loaded.message});
        return report;
    case store::load_status::corrupt:
        report.status = progress_load_status::corrupt;
        report.moved_to = loaded.moved_to;
        report.message = loaded.moved_to.empty()
                             ? i18n::format(i18n::tr(l, "quiz.progress.unreadable"), {path_, loaded.message})
                             : i18n::format(i18n::tr(l, "quiz.progress.corrupt"), {path_, loaded.moved_to});
        return report;
    case store::load_status::ok: break;
    }
    std::string problem;
    auto parsed = progress_from_json(loaded.value, l, &problem);
    if (parsed) {
        state_ = std::move(*parsed);
        report.status = progress_load_status::ok;
        return report;
    }
    // A foreign or damaged document: keep it (moved aside) so that no save overwrites it.
    report.status = progress_load_status::invalid;
    report.moved_to = path_ + ".invalid-" + std::to_string(unix_ms());
    if (std::rename(path_.c_str(), report.moved_to.c_str()) != 0) {
        report.moved_to.clear();
        blocked_ = true;
        report.message = i18n::format(i18n::tr(l, "quiz.progress.unreadable"), {path_, problem});
        return report;
    }
    report.message = i18n::format(i18n::tr(l, "quiz.progress.invalid"), {path_, problem, report.moved_to});
    return report;
}

std::optional<std::string> progress_store::answer(const std::string& id, const std::string& bullet, bool correct,
                                                  std::int64_t now, std::int32_t response_ms, item_type type, lang l) {
    record_answer(state_, id, bullet, correct, now, response_ms, type);
    if (blocked_) return i18n::format(i18n::tr(l, "quiz.progress.save_blocked"), {path_});
    if (auto err = store::save_json_atomic(path_, progress_to_json(state_)))
        return i18n::format(i18n::tr(l, "quiz.progress.save_failed"), {*err});
    return std::nullopt;
}

std::string progress_store::export_json() const { return progress_to_json(state_).dump(1); }

std::optional<std::string> progress_store::import_json(std::string_view text, lang l) {
    const json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded()) return std::string(i18n::tr(l, "quiz.progress.error.not_json"));
    std::string problem;
    auto parsed = progress_from_json(doc, l, &problem);
    if (!parsed) return problem;
    if (auto err = store::save_json_atomic(path_, progress_to_json(*parsed)))
        return i18n::format(i18n::tr(l, "quiz.progress.save_failed"), {*err});
    state_ = std::move(*parsed);
    blocked_ = false;
    return std::nullopt;
}

}  // namespace es::quiz
