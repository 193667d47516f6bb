// The qat command through the dispatcher: a tiny real run (fields, history, the saved file
// loads back as a QAT model under 1 MB) and every kind of bad input refused with a reason.
#include "api/dispatcher.h"
#include "quant/qat_file.h"
#include "support/temp_files.h"

#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <string>

using es::api::json;

TEST_CASE("qat: a few steps on a few images, the answer's fields, and the QAT file it writes") {
    const std::string out = es::testing::make_temp_dir() + "/m.qat4.esw";
    json r = es::api::run({{"cmd", "qat"}, {"model", "tiny_mobilenet_v3"}, {"bits", 4}, {"steps", 2}, {"batch", 8},
                           {"limit", 64}, {"calib-batches", 1}, {"eval-limit", 40}, {"out", out}});
    REQUIRE_MESSAGE(!es::api::is_error(r), r.dump());
    CHECK(r["model"] == "tiny_mobilenet_v3");
    CHECK(r["arch"] == "tiny_mobilenet_v3");
    CHECK(r["weight_bits"] == 4);
    CHECK(r["act_bits"] == 8);
    CHECK(r["per_channel"] == true);
    CHECK(r["ste"] == "clipped");
    CHECK(r["steps"] == 2);
    CHECK(r["lr"].get<double>() == 1e-4);  // the 4-bit default
    CHECK(r["history"].size() == 2);
    CHECK(r["history"][1]["step"] == 2);
    CHECK(r["subset"] == "web");
    CHECK(r["n"] == 40);
    CHECK(r["train_images"] == 64);
    for (const char* k : {"accuracy_fp32", "accuracy_ptq_sim", "accuracy_qat_sim"}) {
        CAPTURE(k);
        CHECK(r[k].get<double>() > 0.5);  // a trained model, barely touched
    }
    CHECK_FALSE(r.contains("accuracy_qat_int8"));  // only with --int8
    CHECK(r["out"] == out);
    CHECK(r["out_bytes"].get<long long>() > 100000);
    CHECK(r["out_bytes"].get<long long>() < 1000000);
    std::string err;
    auto m = es::quant::load_qat_file(out, &err);
    REQUIRE_MESSAGE(m.has_value(), err);
    CHECK(m->q.weight_bits == 4);
    // eval reads the folded file as a float model (its master weights).
    json e = es::api::run({{"cmd", "eval"}, {"model", out}, {"subset", "web"}, {"limit", 40}});
    REQUIRE_MESSAGE(!es::api::is_error(e), e.dump());
    CHECK(e["n"] == 40);
    std::remove(out.c_str());
}

TEST_CASE("qat: bad input is refused with a message naming the problem") {
    auto err_of = [](json req) {
        req["cmd"] = "qat";
        const json r = es::api::run(req);
        REQUIRE(es::api::is_error(r));
        return r["error"].get<std::string>();
    };
    CHECK(err_of({{"model", "tiny_mobilenet_v3"}, {"bits", 9}}).find("--bits") != std::string::npos);
    CHECK(err_of({{"model", "tiny_mobilenet_v3"}, {"bits", 1}}).find("--bits") != std::string::npos);
    CHECK(err_of({{"model", "tiny_mobilenet_v3"}}).find("bits") != std::string::npos);
    CHECK(err_of({{"model", "tiny_mobilenet_v3"}, {"bits", 4}, {"act-bits", 9}}).find("--act-bits") != std::string::npos);
    CHECK(err_of({{"model", "tiny_mobilenet_v3"}, {"bits", 4}, {"steps", 0}}).find("--steps") != std::string::npos);
    CHECK(err_of({{"model", "tiny_mobilenet_v3"}, {"bits", 4}, {"ste", "sign"}}).find("--ste") != std::string::npos);
    CHECK(err_of({{"model", "no_such_model"}, {"bits", 4}}).find("unknown model \"no_such_model\"") != std::string::npos);
    CHECK(err_of({{"model", "/nonexistent/m.esw"}, {"bits", 4}}).find("unknown model") != std::string::npos);
    // No training set where the data should be.
    const std::string empty_dir = es::testing::make_temp_dir();
    const char* old = std::getenv("EDGESTUDY_FASHION_MNIST");
    const std::string saved = old ? old : "";
    ::setenv("EDGESTUDY_FASHION_MNIST", empty_dir.c_str(), 1);
    const std::string missing = err_of({{"model", "tiny_mobilenet_v3"}, {"bits", 4}});
    if (old) ::setenv("EDGESTUDY_FASHION_MNIST", saved.c_str(), 1);
    else ::unsetenv("EDGESTUDY_FASHION_MNIST");
    CHECK(missing.find("cannot load the training images") != std::string::npos);
    CHECK(missing.find(empty_dir) != std::string::npos);
    ::rmdir(empty_dir.c_str());
}
