// Quiz panel: drills over the whole study sheet with spaced repetition. A dashboard (mastery
// per section, due counts, streak, accuracy over time), four modes (due drill, mistake review,
// generated computations, a timed mock exam scored by section), keyboard-first answering
// (1–4 or A–D, T/F, Enter/Space to continue), worked solutions and named slips after an
// answer, progress saved atomically after every answer, export and import.
// The logic is es::quiz (bank, generators, scheduler, progress, session; tested natively).
#include "api/dispatcher.h"
#include "quiz/progress.h"
#include "quiz/session.h"
#include "ui/panels/panels.h"
#include "ui/plot.h"

#include <imgui.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace es::ui {

struct quiz_panel {
    std::unique_ptr<quiz::progress_store> store;
    quiz::progress_load_report report;
    std::string message;       // the last storage, export or import message
    bool message_is_error = false;

    std::optional<quiz::drill> drill;
    std::optional<quiz::question> q;  // the current question, in q_lang
    i18n::lang q_lang = i18n::lang::en;
    std::string q_for;                // the id q was made for
    double q_started = 0.0;           // ImGui time when the question appeared
    char numeric[64] = "";
    std::vector<bool> multi;          // multi-select choices ticked
    std::string form_error;           // the answer was not in a valid form
    std::optional<quiz::verdict> verdict;  // shown after answering (not in a mock exam)
    std::string given;
    bool focus_input = false;
    std::vector<quiz::section_score> mock_scores;
    std::vector<std::pair<std::string, bool>> mock_results;

    quiz::drill_options options;
    std::string section_filter;  // "" = all, "1".."5", or a bullet prefix such as "4.1" (quiz::drill_options::section)
    char import_path[512] = "";
    std::int64_t clock_offset = 0;  // seconds added to the wall clock (tests jump ahead in time)
};

namespace {

const ImVec4 error_colour(0.95f, 0.35f, 0.30f, 1.0f);
const ImVec4 good_colour(0.35f, 0.80f, 0.45f, 1.0f);

std::int64_t now_s(const quiz_panel& qp) {
    return static_cast<std::int64_t>(std::time(nullptr)) + qp.clock_offset;
}

// The local UTC offset in seconds (for "today" and the streak).
std::int32_t utc_offset() {
    const std::time_t t = std::time(nullptr);
    std::tm local{}, utc{};
#if defined(_WIN32)
    localtime_s(&local, &t);
    gmtime_s(&utc, &t);
#else
    localtime_r(&t, &local);
    gmtime_r(&t, &utc);
#endif
    local.tm_isdst = 0;
    utc.tm_isdst = 0;
    return static_cast<std::int32_t>(std::difftime(std::mktime(&local), std::mktime(&utc)));
}

std::string progress_path(const app_state& st) { return st.hooks.data_dir + "/progress.json"; }

quiz_panel& state(app_state& st) {
    if (!st.quiz) st.quiz = std::make_shared<quiz_panel>();
    quiz_panel& qp = *st.quiz;
    if (!qp.store) {
        qp.store = std::make_unique<quiz::progress_store>(st.hooks.data_dir.empty() ? "" : progress_path(st));
        if (!st.hooks.data_dir.empty()) {
            qp.report = qp.store->load(st.lang);
            // A corrupt or foreign store was moved aside: it must reach IndexedDB too.
            if (!qp.report.moved_to.empty() && st.hooks.persist) st.hooks.persist();
        }
        std::snprintf(qp.import_path, sizeof qp.import_path, "%s/progress-export.json", st.hooks.data_dir.c_str());
    }
    return qp;
}

void set_message(quiz_panel& qp, std::string m, bool error) {
    qp.message = std::move(m);
    qp.message_is_error = error;
}

void reset_answer(quiz_panel& qp) {
    qp.numeric[0] = '\0';
    qp.multi.clear();
    qp.form_error.clear();
    qp.verdict.reset();
    qp.given.clear();
    qp.focus_input = true;
}

// Keeps qp.q in step with the drill's current question and the language.
void sync_question(app_state& st, quiz_panel& qp) {
    if (qp.verdict && qp.q) {
        // The answered question stays on screen with its verdict; only the language follows.
        if (qp.q_lang != st.lang) {
            qp.q = quiz::make_question(qp.q_for, st.lang);
            qp.q_lang = st.lang;
        }
        return;
    }
    const quiz::drill_entry* e = qp.drill ? qp.drill->current() : nullptr;
    if (!e) {
        qp.q.reset();
        qp.q_for.clear();
        return;
    }
    if (qp.q && qp.q_for == e->id && qp.q_lang == st.lang) return;
    const bool same = qp.q_for == e->id;
    qp.q = quiz::make_question(e->id, st.lang);
    qp.q_lang = st.lang;
    qp.q_for = e->id;
    if (!same) {
        reset_answer(qp);
        qp.q_started = ImGui::GetTime();
    }
    if (qp.q) qp.multi.resize(qp.q->choices.size(), false);
}

void start(app_state& st, quiz_panel& qp, quiz::mode m) {
    qp.options.section = qp.section_filter;
    const std::int64_t now = now_s(qp);
    const auto seed = static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) ^
                      static_cast<std::uint64_t>(now);
    quiz::drill_options o = qp.options;
    if (m == quiz::mode::mock) o.section.clear();  // a mock exam mixes every section
    qp.drill = quiz::start_drill(m, qp.store->state(), quiz::the_bank(), now, seed, o);
    qp.mock_scores.clear();
    qp.mock_results.clear();
    qp.q.reset();
    qp.q_for.clear();
    reset_answer(qp);
    sync_question(st, qp);
}

void save_result(app_state& st, quiz_panel& qp, const std::string& id, bool correct, std::int32_t ms) {
    const quiz::bank& b = quiz::the_bank();
    const auto q = quiz::make_question(id, st.lang);
    if (!q) return;
    if (auto err = qp.store->answer(q->sched_id, q->bullet.empty() ? quiz::bullet_of(b, id) : q->bullet, correct,
                                    now_s(qp), ms, q->type, st.lang)) {
        set_message(qp, *err, true);
    } else if (st.hooks.persist) {
        st.hooks.persist();
    }
}

void end_mock(app_state& st, quiz_panel& qp) {
    if (!qp.drill || qp.drill->m != quiz::mode::mock) return;
    qp.mock_results = quiz::finish_mock(*qp.drill);
    // Only answered questions go into the schedule; unanswered ones count as wrong in the score.
    for (const auto& e : qp.drill->entries)
        if (e.answered) save_result(st, qp, e.id, e.correct, e.ms);
    qp.mock_scores = quiz::score_by_section(quiz::the_bank(), qp.mock_results);
    qp.q.reset();
}

// Grades `answer` for the current question. Returns the error when it was not in a valid form.
std::string submit(app_state& st, quiz_panel& qp, const std::string& answer) {
    if (!qp.drill || !qp.q || qp.verdict) return "no question is waiting for an answer";
    auto v = quiz::grade_question(*qp.q, answer, st.lang);
    if (!v.error.empty()) {
        qp.form_error = v.error;
        return v.error;
    }
    const auto ms = static_cast<std::int32_t>(std::min(3.6e6, (ImGui::GetTime() - qp.q_started) * 1000.0));
    const std::string id = qp.q->id;
    quiz::record(*qp.drill, v.correct, answer, ms);
    if (qp.drill->m == quiz::mode::mock) {
        // Exam conditions: no verdict until the end.
        if (qp.drill->pos >= qp.drill->entries.size()) end_mock(st, qp);
        sync_question(st, qp);
        return {};
    }
    save_result(st, qp, id, v.correct, ms);
    qp.given = answer;
    qp.form_error.clear();
    qp.verdict = std::move(v);
    return {};
}

void next(app_state& st, quiz_panel& qp) {
    if (!qp.verdict) return;
    qp.verdict.reset();
    qp.q.reset();
    sync_question(st, qp);
}

std::string multi_answer(const quiz_panel& qp) {
    std::string a;
    for (std::size_t i = 0; i < qp.multi.size(); ++i)
        if (qp.multi[i]) a += (a.empty() ? "" : ", ") + quiz::choice_letter(static_cast<int>(i));
    return a;
}

bool key_pressed(ImGuiKey k) { return ImGui::IsKeyPressed(ImGui::GetKeyIndex(k), false); }

// 1–4 / A–D, T/F, Enter/Space: the keyboard path through a question.
void handle_keys(app_state& st, quiz_panel& qp) {
    ImGuiIO& io = ImGui::GetIO();
    if (!qp.q || !qp.drill) return;
    const bool enter = key_pressed(ImGuiKey_Enter) || key_pressed(ImGuiKey_KeyPadEnter);
    const bool space = key_pressed(ImGuiKey_Space);
    if (qp.verdict) {
        if ((enter || space) && !io.WantTextInput) next(st, qp);
        return;
    }
    if (io.WantTextInput) return;  // typing a number: the field handles Enter
    const int n = static_cast<int>(qp.q->choices.size());
    for (ImWchar c : io.InputQueueCharacters) {
        int choice = -1;
        if (c >= '1' && c <= '9') choice = c - '1';
        if (qp.q->type != quiz::item_type::tf && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            choice = (c | 0x20) - 'a';
        switch (qp.q->type) {
        case quiz::item_type::tf:
            if (c == 't' || c == 'T') submit(st, qp, "true");
            if (c == 'f' || c == 'F') submit(st, qp, "false");
            break;
        case quiz::item_type::single:
            if (choice >= 0 && choice < n) submit(st, qp, quiz::choice_letter(choice));
            break;
        case quiz::item_type::multi:
            if (choice >= 0 && choice < n) qp.multi[static_cast<std::size_t>(choice)] = !qp.multi[static_cast<std::size_t>(choice)];
            break;
        case quiz::item_type::numeric: break;
        }
        if (qp.verdict || !qp.q) return;
    }
    if (enter && qp.q && qp.q->type == quiz::item_type::multi) submit(st, qp, multi_answer(qp));
}

std::string section_label(const app_state& st, const std::string& s) { return tr(st, "quiz.ui.section." + s); }
// "All sections", a section's title, or a section's title and the bullet scope ("… · §4.1").
std::string scope_label(const app_state& st, const std::string& scope) {
    if (scope.empty()) return tr(st, "quiz.ui.all_sections");
    const std::string sec = scope.substr(0, scope.find('.'));
    if (sec == scope) return section_label(st, sec);
    return section_label(st, sec) + " · §" + scope;
}

void draw_storage(app_state& st, quiz_panel& qp) {
    using quiz::progress_load_status;
    if (st.hooks.data_dir.empty()) {
        ImGui::TextColored(error_colour, "%s", tr(st, "quiz.ui.no_store"));
    } else if (qp.report.status == progress_load_status::corrupt || qp.report.status == progress_load_status::invalid ||
               qp.report.status == progress_load_status::unreadable) {
        ImGui::PushStyleColor(ImGuiCol_Text, error_colour);
        text_wrapped(i18n::format(tr(st, "quiz.ui.store_problem"), {qp.report.message, qp.report.moved_to}).c_str());
        ImGui::PopStyleColor();
    }
    if (!qp.message.empty()) {
        ImGui::PushStyleColor(ImGuiCol_Text, qp.message_is_error ? error_colour : good_colour);
        text_wrapped(qp.message.c_str());
        ImGui::PopStyleColor();
    }
}

void do_export(app_state& st, quiz_panel& qp) {
    const std::string text = qp.store->export_json();
    char name[64];
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
#if defined(_WIN32)
    localtime_s(&tm, &t);
#else
    localtime_r(&t, &tm);
#endif
    std::strftime(name, sizeof name, "edgestudy-progress-%Y%m%d-%H%M%S.json", &tm);
    if (st.hooks.download) {
        st.hooks.download(name, text);
        set_message(qp, i18n::format(tr(st, "quiz.ui.exported_download"), {name}), false);
        return;
    }
    const std::string path = st.hooks.data_dir + "/" + name;
    std::ofstream f(path, std::ios::binary);
    f << text;
    f.close();
    if (!f) set_message(qp, i18n::format(tr(st, "quiz.ui.export_failed"), {path}), true);
    else set_message(qp, i18n::format(tr(st, "quiz.ui.exported_file"), {path}), false);
}

std::optional<std::string> do_import(app_state& st, quiz_panel& qp, std::string_view text) {
    if (auto err = qp.store->import_json(text, st.lang)) {
        set_message(qp, i18n::format(tr(st, "quiz.ui.import_failed"), {*err}), true);
        return err;
    }
    if (st.hooks.persist) st.hooks.persist();
    qp.drill.reset();
    qp.q.reset();
    set_message(qp, tr(st, "quiz.ui.imported"), false);
    return std::nullopt;
}

void draw_dashboard(app_state& st, quiz_panel& qp) {
    const quiz::bank& b = quiz::the_bank();
    const quiz::study_state& s = qp.store->state();
    const std::int64_t now = now_s(qp);
    const auto secs = quiz::progress_by_section(s, b, now);
    const auto due = quiz::due_items(s, now);
    const auto mistakes = quiz::mistakes(s);
    const int streak = quiz::streak(s, now, utc_offset());
    int seen = 0, mastered = 0;
    for (const auto& p : secs) {
        seen += p.seen;
        mastered += p.mastered;
    }
    text_wrapped(tr(st, "quiz.ui.intro"));
    heading(st, tr(st, "quiz.ui.start"));
    // Section filter and the four modes.
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 18);
    const std::string cur = scope_label(st, qp.section_filter);
    if (ImGui::BeginCombo(tr(st, "quiz.ui.section_filter"), cur.c_str())) {
        if (ImGui::Selectable(tr(st, "quiz.ui.all_sections"), qp.section_filter.empty())) qp.section_filter.clear();
        for (int i = 1; i <= 5; ++i)
            if (ImGui::Selectable(section_label(st, std::to_string(i)).c_str(), qp.section_filter == std::to_string(i)))
                qp.section_filter = std::to_string(i);
        if (qp.section_filter.find('.') != std::string::npos) ImGui::Selectable(cur.c_str(), true);  // a bullet scope
        ImGui::EndCombo();
    }
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 6);
    ImGui::SliderInt(tr(st, "quiz.ui.limit"), &qp.options.limit, 5, 50);
    const ImVec2 big(ImGui::GetFontSize() * 15, ImGui::GetFontSize() * 2.4f);
    const int new_count = static_cast<int>(quiz::schedulable_ids(b).size()) -
                          static_cast<int>(std::count_if(s.items.begin(), s.items.end(), [&](const auto& kv) {
                              return b.find(kv.first) || kv.first.rfind("gen:", 0) == 0;
                          }));
    if (ImGui::Button(i18n::format(tr(st, "quiz.ui.mode.due"), {std::to_string(due.size()), std::to_string(std::max(0, new_count))}).c_str(), big))
        start(st, qp, quiz::mode::due);
    ImGui::SameLine();
    if (ImGui::Button(i18n::format(tr(st, "quiz.ui.mode.mistakes"), {std::to_string(mistakes.size())}).c_str(), big))
        start(st, qp, quiz::mode::mistakes);
    ImGui::SameLine();
    if (ImGui::Button(tr(st, "quiz.ui.mode.generated"), big)) start(st, qp, quiz::mode::generated);
    ImGui::SameLine();
    if (ImGui::Button(i18n::format(tr(st, "quiz.ui.mode.mock"), {std::to_string(qp.options.limit + qp.options.limit / 4),
                                                                  std::to_string(qp.options.mock_minutes)})
                          .c_str(),
                      big))
        start(st, qp, quiz::mode::mock);
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 6);
    ImGui::SliderInt(tr(st, "quiz.ui.minutes"), &qp.options.mock_minutes, 5, 90);
    if (qp.drill && qp.drill->finished && qp.drill->empty()) ImGui::TextDisabled("%s", tr(st, "quiz.ui.nothing"));

    heading(st, tr(st, "quiz.ui.progress"));
    ImGui::Text("%s", i18n::format(tr(st, "quiz.ui.summary"),
                                   {std::to_string(seen), std::to_string(b.items.size()), std::to_string(mastered),
                                    std::to_string(due.size()), std::to_string(streak), std::to_string(s.history.size())})
                          .c_str());
    const ImGuiTableFlags tf = ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingFixedFit;
    if (ImGui::BeginTable("##sections", 6, tf)) {
        for (const char* k : {"quiz.ui.col.section", "quiz.ui.col.items", "quiz.ui.col.seen", "quiz.ui.col.mastery",
                              "quiz.ui.col.due", "quiz.ui.col.accuracy"})
            ImGui::TableSetupColumn(tr(st, k));
        ImGui::TableHeadersRow();
        for (const auto& p : secs) {
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(section_label(st, p.section).c_str());
            ImGui::TableNextColumn();
            ImGui::Text("%d", p.items);
            ImGui::TableNextColumn();
            ImGui::Text("%d", p.seen);
            ImGui::TableNextColumn();
            const float m = p.items ? static_cast<float>(p.mastered) / p.items : 0.0f;
            char pct[32];
            std::snprintf(pct, sizeof pct, "%d / %d", p.mastered, p.items);
            ImGui::ProgressBar(m, ImVec2(ImGui::GetFontSize() * 10, 0), pct);
            ImGui::TableNextColumn();
            ImGui::Text("%d", p.due);
            ImGui::TableNextColumn();
            if (p.answers) ImGui::Text("%.0f%% (%d)", 100.0 * p.correct / p.answers, p.answers);
            else ImGui::TextDisabled("-");
        }
        ImGui::EndTable();
    }
    // Accuracy per day over the last 30 days.
    const auto days = quiz::accuracy_by_day(s, utc_offset());
    const std::int64_t today = quiz::day_index(now, utc_offset());
    std::vector<double> xs, ys;
    for (const auto& d : days)
        if (today - d.day < 30) {
            xs.push_back(static_cast<double>(d.day - today));
            ys.push_back(100.0 * d.correct / std::max(1, d.answered));
        }
    ImGui::TextUnformatted(tr(st, "quiz.ui.accuracy_title"));
    plot p;
    if (plot_begin(p, "##accuracy", ImVec2(std::min(ImGui::GetContentRegionAvail().x, ImGui::GetFontSize() * 34), ImGui::GetFontSize() * 11),
                   {-30, 0.5, false, tr(st, "quiz.ui.days_axis")}, {0, 100, false, "%"})) {
        if (!xs.empty()) {
            plot_line(p, xs.data(), ys.data(), static_cast<int>(xs.size()), IM_COL32(90, 160, 240, 255));
            const int h = plot_points(p, xs.data(), ys.data(), static_cast<int>(xs.size()), IM_COL32(90, 160, 240, 255),
                                      nullptr, 4.0f);
            if (h >= 0) {
                const auto& d = days[days.size() - xs.size() + static_cast<std::size_t>(h)];
                ImGui::SetTooltip("%s: %d / %d", d.date.c_str(), d.correct, d.answered);
            }
        }
        plot_end(p);
    }

    heading(st, tr(st, "quiz.ui.backup"));
    if (ImGui::Button(tr(st, "quiz.ui.export"))) do_export(st, qp);
    ImGui::SameLine();
    if (st.hooks.open_file) {
        if (ImGui::Button(tr(st, "quiz.ui.import"))) st.hooks.open_file();
    } else {
        ImGui::SetNextItemWidth(ImGui::GetFontSize() * 24);
        ImGui::InputText("##import_path", qp.import_path, sizeof qp.import_path);
        ImGui::SameLine();
        if (ImGui::Button(tr(st, "quiz.ui.import"))) {
            std::ifstream f(qp.import_path, std::ios::binary);
            std::stringstream ss;
            ss << f.rdbuf();
            if (!f) set_message(qp, i18n::format(tr(st, "quiz.ui.import_unreadable"), {qp.import_path}), true);
            else do_import(st, qp, ss.str());
        }
    }
}

void draw_verdict(app_state& st, quiz_panel& qp) {
    const quiz::verdict& v = *qp.verdict;
    ImGui::Spacing();
    ImGui::PushStyleColor(ImGuiCol_Text, v.correct ? good_colour : error_colour);
    ImGui::TextUnformatted(tr(st, v.correct ? "quiz.ui.correct" : "quiz.ui.wrong"));
    ImGui::PopStyleColor();
    if (!v.correct) {
        ImGui::Text("%s", i18n::format(tr(st, "quiz.ui.expected"), {v.expected, qp.given}).c_str());
        if (!v.slip.empty()) {
            ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(0.96f, 0.65f, 0.25f, 1.0f));
            text_wrapped(i18n::format(tr(st, "quiz.ui.slip"), {v.slip_name}).c_str());
            ImGui::PopStyleColor();
        }
    }
    text_wrapped(v.explanation.c_str());
    if (!v.steps.empty()) steps_table(st, "##quiz_steps", v.steps);
    ImGui::Spacing();
    if (ImGui::Button(tr(st, "quiz.ui.continue"))) next(st, qp);
}

void draw_question(app_state& st, quiz_panel& qp) {
    const quiz::question& q = *qp.q;
    const quiz::drill& d = *qp.drill;
    const bool mock = d.m == quiz::mode::mock;
    std::string head = i18n::format(tr(st, "quiz.ui.position"),
                                    {tr(st, std::string("quiz.ui.name.") + std::string(quiz::mode_name(d.m))),
                                     std::to_string(d.pos + (qp.verdict ? 0 : 1)), std::to_string(d.entries.size())});
    ImGui::TextDisabled("%s", head.c_str());
    ImGui::SameLine();
    ImGui::TextDisabled("| %s · %s", section_label(st, q.section).c_str(), q.bullet.c_str());
    if (mock) {
        const std::int64_t left = d.seconds_left(now_s(qp));
        ImGui::SameLine();
        ImGui::TextColored(left < 60 ? error_colour : ImGui::GetStyleColorVec4(ImGuiCol_Text), "| %s %02d:%02d",
                           tr(st, "quiz.ui.time_left"), static_cast<int>(left / 60), static_cast<int>(left % 60));
    }
    ImGui::Separator();
    text_wrapped(q.prompt.c_str());
    ImGui::Spacing();
    const bool locked = qp.verdict.has_value();
    // After the answer: the right choice green, a wrong pick red (buttons stay, disabled).
    auto mark = [&](const std::string& as_typed) -> int {
        if (!locked) return 0;
        if (as_typed == qp.verdict->expected) return 1;
        return as_typed == qp.given ? -1 : 0;
    };
    auto push_mark = [](int m) {
        if (m == 0) return false;
        const ImVec4 c = m > 0 ? ImVec4(0.20f, 0.55f, 0.30f, 1.0f) : ImVec4(0.65f, 0.22f, 0.20f, 1.0f);
        ImGui::PushStyleColor(ImGuiCol_Button, c);
        ImGui::PushStyleColor(ImGuiCol_ButtonHovered, c);
        ImGui::PushStyleColor(ImGuiCol_ButtonActive, c);
        return true;
    };
    ImGui::PushStyleVar(ImGuiStyleVar_ButtonTextAlign, ImVec2(0.0f, 0.5f));
    if (locked) ImGui::BeginDisabled();
    const float w = std::min(ImGui::GetContentRegionAvail().x, ImGui::GetFontSize() * 40);
    switch (q.type) {
    case quiz::item_type::tf:
        for (const char* v : {"true", "false"}) {
            const bool m = push_mark(mark(v));
            if (ImGui::Button(tr(st, std::string("quiz.ui.") + v), ImVec2(w * 0.3f, 0))) submit(st, qp, v);
            if (m) ImGui::PopStyleColor(3);
            ImGui::SameLine();
        }
        ImGui::NewLine();
        break;
    case quiz::item_type::single:
        for (std::size_t i = 0; i < q.choices.size(); ++i) {
            const std::string label = std::to_string(i + 1) + "  " + quiz::choice_letter(static_cast<int>(i)) + ". " +
                                      q.choices[i] + "##c" + std::to_string(i);
            const bool m = push_mark(mark(quiz::choice_letter(static_cast<int>(i))));
            if (ImGui::Button(label.c_str(), ImVec2(w, 0))) submit(st, qp, quiz::choice_letter(static_cast<int>(i)));
            if (m) ImGui::PopStyleColor(3);
        }
        break;
    case quiz::item_type::multi:
        for (std::size_t i = 0; i < q.choices.size() && i < qp.multi.size(); ++i) {
            bool v = qp.multi[i];
            const std::string label = std::to_string(i + 1) + "  " + quiz::choice_letter(static_cast<int>(i)) + ". " +
                                      q.choices[i] + "##m" + std::to_string(i);
            if (ImGui::Checkbox(label.c_str(), &v)) qp.multi[i] = v;
        }
        if (ImGui::Button(tr(st, "quiz.ui.submit"))) submit(st, qp, multi_answer(qp));
        ImGui::SameLine();
        ImGui::TextDisabled("%s", tr(st, "quiz.ui.multi_hint"));
        break;
    case quiz::item_type::numeric: {
        if (qp.focus_input && !locked) {
            ImGui::SetKeyboardFocusHere();
            qp.focus_input = false;
        }
        bool enter = false, clicked = false;
        if (locked) {
            // Answered: the field is gone (so it no longer holds the keyboard), the answer stays.
            ImGui::Text("%s %s", qp.given.c_str(), q.unit.c_str());
        } else {
            ImGui::SetNextItemWidth(ImGui::GetFontSize() * 14);
            enter = ImGui::InputText("##numeric", qp.numeric, sizeof qp.numeric, ImGuiInputTextFlags_EnterReturnsTrue);
            if (!q.unit.empty()) {
                ImGui::SameLine();
                ImGui::TextUnformatted(q.unit.c_str());
            }
            ImGui::SameLine();
            clicked = ImGui::Button(tr(st, "quiz.ui.submit"));
        }
        if (clicked || enter) submit(st, qp, qp.numeric);
        ImGui::TextDisabled("%s", q.tolerance > 0 ? i18n::format(tr(st, "quiz.ui.tolerance"),
                                                                 {calc::format_real(q.tolerance * 100.0, 3)})
                                                        .c_str()
                                                  : tr(st, "quiz.ui.exact"));
        break;
    }
    }
    if (locked) ImGui::EndDisabled();
    ImGui::PopStyleVar();
    if (!qp.form_error.empty()) ImGui::TextColored(error_colour, "%s", qp.form_error.c_str());
    if (!q.trap.empty() && qp.verdict) ImGui::TextDisabled("%s", i18n::format(tr(st, "quiz.ui.trap"), {q.trap}).c_str());
    if (qp.verdict) draw_verdict(st, qp);
    ImGui::Spacing();
    ImGui::TextDisabled("%s", tr(st, q.type == quiz::item_type::numeric ? "quiz.ui.keys_numeric" : "quiz.ui.keys"));
}

void draw_mock_results(app_state& st, quiz_panel& qp) {
    const quiz::drill& d = *qp.drill;
    int correct = 0;
    for (const auto& r : qp.mock_results) correct += r.second ? 1 : 0;
    heading(st, tr(st, "quiz.ui.mock_done"));
    ImGui::Text("%s", i18n::format(tr(st, "quiz.ui.score"), {std::to_string(correct), std::to_string(qp.mock_results.size()),
                                                            std::to_string(d.answered())})
                          .c_str());
    const ImGuiTableFlags tf = ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingFixedFit;
    if (ImGui::BeginTable("##mock_sections", 3, tf)) {
        for (const char* k : {"quiz.ui.col.section", "quiz.ui.col.score", "quiz.ui.col.accuracy"}) ImGui::TableSetupColumn(tr(st, k));
        ImGui::TableHeadersRow();
        for (const auto& s : qp.mock_scores) {
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(section_label(st, s.section).c_str());
            ImGui::TableNextColumn();
            ImGui::Text("%d / %d", s.correct, s.answered);
            ImGui::TableNextColumn();
            ImGui::ProgressBar(s.answered ? static_cast<float>(s.correct) / s.answered : 0.0f, ImVec2(ImGui::GetFontSize() * 10, 0));
        }
        ImGui::EndTable();
    }
    heading(st, tr(st, "quiz.ui.review"));
    for (std::size_t i = 0; i < d.entries.size(); ++i) {
        const auto& e = d.entries[i];
        const auto q = quiz::make_question(e.id, st.lang);
        if (!q) continue;
        ImGui::PushID(static_cast<int>(i));
        ImGui::PushStyleColor(ImGuiCol_Text, e.correct ? good_colour : error_colour);
        const std::string title = std::to_string(i + 1) + ". " + tr(st, e.correct ? "quiz.ui.mark_right" : "quiz.ui.mark_wrong") +
                                  " " + q->prompt;
        const bool open = ImGui::TreeNodeEx("##q", ImGuiTreeNodeFlags_SpanAvailWidth, "%s", title.c_str());
        ImGui::PopStyleColor();
        if (open) {
            const auto v = quiz::grade_question(*q, e.answered ? e.given : "", st.lang);
            ImGui::Text("%s", i18n::format(tr(st, "quiz.ui.expected"), {v.expected, e.answered ? e.given : "-"}).c_str());
            if (!v.slip_name.empty()) text_wrapped(i18n::format(tr(st, "quiz.ui.slip"), {v.slip_name}).c_str());
            text_wrapped(v.explanation.c_str());
            if (!v.steps.empty()) steps_table(st, "##steps", v.steps);
            ImGui::TreePop();
        }
        ImGui::PopID();
    }
}

}  // namespace

void panel_quiz(app_state& st, const panel_def&) {
    quiz_panel& qp = state(st);
    draw_storage(st, qp);  // a store problem or the last export/import message, in every view
    if (qp.drill && qp.drill->m == quiz::mode::mock && !qp.drill->finished && qp.drill->seconds_left(now_s(qp)) == 0)
        end_mock(st, qp);
    sync_question(st, qp);
    if (!qp.drill || (qp.drill->finished && qp.drill->m != quiz::mode::mock && !qp.verdict) ||
        (qp.drill->empty())) {
        if (qp.drill && qp.drill->finished && !qp.drill->empty()) {
            ImGui::TextColored(good_colour, "%s",
                               i18n::format(tr(st, "quiz.ui.finished"),
                                            {std::to_string(qp.drill->correct()), std::to_string(qp.drill->entries.size())})
                                   .c_str());
        }
        draw_dashboard(st, qp);
        return;
    }
    if (ImGui::Button(tr(st, "quiz.ui.quit"))) {
        if (qp.drill->m == quiz::mode::mock && !qp.drill->finished) end_mock(st, qp);
        else {
            qp.drill.reset();
            qp.q.reset();
            return;
        }
    }
    if (qp.drill->m == quiz::mode::mock && !qp.drill->finished) {
        ImGui::SameLine();
        if (ImGui::Button(tr(st, "quiz.ui.finish_exam"))) end_mock(st, qp);
    }
    ImGui::Separator();
    if (qp.drill->m == quiz::mode::mock && qp.drill->finished) {
        draw_mock_results(st, qp);
        return;
    }
    handle_keys(st, qp);
    if (qp.q) draw_question(st, qp);
}

nlohmann::json quiz_state(const app_state& st) {
    if (!st.quiz || !st.quiz->store) return nullptr;
    const quiz_panel& qp = *st.quiz;
    const auto& s = qp.store->state();
    const std::int64_t now = now_s(qp);
    nlohmann::json j = {{"answers", s.history.size()},
                        {"items", s.items.size()},
                        {"due", quiz::due_items(s, now).size()},
                        {"mistakes", quiz::mistakes(s).size()},
                        {"streak", quiz::streak(s, now, utc_offset())},
                        {"storage", {{"status", quiz::progress_load_status_name(qp.report.status)},
                                     {"message", qp.report.message},
                                     {"moved_to", qp.report.moved_to}}},
                        {"message", qp.message},
                        {"section_filter", qp.section_filter}};
    if (qp.drill) {
        const auto& d = *qp.drill;
        nlohmann::json dj = {{"mode", quiz::mode_name(d.m)}, {"pos", d.pos},           {"total", d.entries.size()},
                             {"answered", d.answered()},     {"correct", d.correct()}, {"finished", d.finished},
                             {"seconds_left", d.seconds_left(now)}};
        if (qp.q) dj["current"] = {{"id", qp.q->id}, {"type", quiz::item_type_name(qp.q->type)}, {"section", qp.q->section},
                                   {"bullet", qp.q->bullet}, {"prompt", qp.q->prompt}};
        if (qp.verdict)
            dj["verdict"] = {{"correct", qp.verdict->correct}, {"expected", qp.verdict->expected},
                             {"slip", qp.verdict->slip}, {"steps", qp.verdict->steps.size()}};
        if (!qp.form_error.empty()) dj["form_error"] = qp.form_error;
        if (!qp.mock_scores.empty()) {
            nlohmann::json sc = nlohmann::json::array();
            for (const auto& x : qp.mock_scores) sc.push_back({{"section", x.section}, {"answered", x.answered}, {"correct", x.correct}});
            dj["scores"] = sc;
        }
        j["drill"] = dj;
    }
    return j;
}

nlohmann::json quiz_apply(app_state& st, const nlohmann::json& req) {
    if (!req.is_object()) return api::make_error("\"quiz\" must be an object");
    static const char* known[] = {"start", "section", "limit", "minutes", "answer", "continue", "quit", "finish",
                                  "export", "export_file", "import", "advance_days"};
    for (const auto& entry : req.items()) {
        const std::string k = entry.key();  // (a copy: clang 14 cannot capture a structured binding)
        if (std::none_of(std::begin(known), std::end(known), [&](const char* n) { return k == n; }))
            return api::make_error("unknown quiz field \"" + k +
                                   "\" (known: start, section, limit, minutes, answer, continue, quit, finish, export, "
                                   "export_file, import, advance_days)");
    }
    quiz_panel& qp = state(st);
    // Validate first.
    std::optional<quiz::mode> m;
    if (auto it = req.find("start"); it != req.end())
        if (!it->is_string() || !(m = quiz::parse_mode(it->get<std::string>())))
            return api::make_error("\"quiz.start\" must be due, mistakes, generated or mock");
    if (auto it = req.find("section"); it != req.end()) {
        bool ok = it->is_string();
        if (ok && !it->get<std::string>().empty()) {
            // A section, or a bullet prefix that some bank bullet falls under.
            const std::string sc = it->get<std::string>();
            ok = false;
            for (const auto& bl : quiz::the_bank().bullets) ok = ok || quiz::bullet_in_scope(bl.key, sc);
        }
        if (!ok)
            return api::make_error("\"quiz.section\" must be \"\" (all), one of 1, 2, 3, 4, 5, or a bullet such as \"4.1\"");
    }
    for (const char* k : {"limit", "minutes", "advance_days"})
        if (auto it = req.find(k); it != req.end() && (!it->is_number_integer() || it->get<int>() < (k[0] == 'a' ? 0 : 1) ||
                                                       it->get<int>() > 3650))
            return api::make_error(std::string("\"quiz.") + k + "\" must be a whole number in range");
    if (auto it = req.find("answer"); it != req.end() && !it->is_string())
        return api::make_error("\"quiz.answer\" must be text, as typed (\"B\", \"true\", \"A, C\", \"12.5\")");
    if (auto it = req.find("import"); it != req.end() && !it->is_string())
        return api::make_error("\"quiz.import\" must be the text of an exported progress file");

    nlohmann::json out = {{"ok", true}};
    if (auto it = req.find("advance_days"); it != req.end()) qp.clock_offset += 86400LL * it->get<int>();
    if (auto it = req.find("section"); it != req.end())
        qp.section_filter = it->get<std::string>();
    if (auto it = req.find("limit"); it != req.end()) qp.options.limit = std::min(200, it->get<int>());
    if (auto it = req.find("minutes"); it != req.end()) qp.options.mock_minutes = std::min(600, it->get<int>());
    if (m) start(st, qp, *m);
    if (auto it = req.find("answer"); it != req.end()) {
        sync_question(st, qp);
        if (auto err = submit(st, qp, it->get<std::string>()); !err.empty()) return api::make_error(err);
    }
    if (req.value("continue", false)) next(st, qp);
    if (req.value("finish", false)) end_mock(st, qp);
    if (req.value("quit", false)) {
        qp.drill.reset();
        qp.q.reset();
    }
    if (req.value("export", false)) out["export"] = qp.store->export_json();
    if (req.value("export_file", false)) do_export(st, qp);  // as the Export button: a download in the page
    if (auto it = req.find("import"); it != req.end())
        if (auto err = do_import(st, qp, it->get<std::string>())) return api::make_error(*err);
    return out;
}

void quiz_link(app_state& st, const char* scope) {
    const std::string label = i18n::format(tr(st, "quiz.link"), {scope}) + "##quiz_" + scope;
    if (ImGui::SmallButton(label.c_str())) {
        quiz_apply(st, nlohmann::json{{"section", scope}, {"start", "due"}});
        st.requested_panel = panel_id::panel_quiz;
    }
}

}  // namespace es::ui
