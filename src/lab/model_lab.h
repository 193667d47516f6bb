// model_lab: the state behind the page's Model lab, without any drawing, so it runs (and is
// tested) natively too. It holds one shipped tiny model and the Fashion-MNIST subsets the
// page embeds, and runs three jobs in slices that a frame loop calls with a time budget:
//
//   es::lab::model_lab lab;
//   lab.load_data();                          // 2,000 test + 6,000 train images
//   lab.select("tiny_mobilenet_v2");          // its shipped weights
//   lab.start_eval();                         // then, every frame:
//   lab.tick(8.0);                            // works for about 8 ms (at least one batch/step)
//   lab.eval_result()->accuracy ...
//   lab.inspect_test_image(17);               // prediction + every layer's feature maps
//   lab.start_finetune({.steps = 200});       // a few hundred SGD steps on the training subset
//
// Evaluation uses batches of 100, exactly like `edgestudy-cli eval`, so the page's
// predictions equal the native ones image for image.
#pragma once

#include "data/fashion_mnist.h"
#include "engine/model.h"
#include "train/trainer.h"

#include <nlohmann/json.hpp>

#include <array>
#include <optional>
#include <string>
#include <vector>

namespace es::lab {

// A tensor's channels tiled side by side into one 2-D matrix for a heatmap: a grid of
// ceil(sqrt(C)) columns of HxW cells, one `gap` value between cells. Channel k sits at grid
// row k / grid_cols, column k % grid_cols.
struct tiled {
    int rows = 0, cols = 0, grid_rows = 0, grid_cols = 0, cell_h = 0, cell_w = 0;
    std::vector<float> data;
    float vmin = 0.0f, vmax = 0.0f;  // over the real values (not the gaps)
};
inline constexpr float tile_gap = -1e30f;  // the heatmap shader draws it as background
// `x` is [h][w][c] (one image, NHWC).
tiled tile_channels(const float* x, int h, int w, int c);

// The page's data, which every lab uses: the first 200 images of each class of the test
// split and the first 600 of each class of the training split (in the page the embedded
// files already are these subsets; selecting again changes nothing). "" or why not.
std::string load_page_subsets(std::optional<data::dataset>* test, std::optional<data::dataset>* train);

struct layer_view {
    std::string name, op;    // node name, "conv2d" / "depthwise" / "pointwise" / op name
    engine::shape shape;     // output at batch 1
    tiled maps;              // its feature maps
    int node = -1;           // index into the inspected (optimized) model's nodes
    bool has_weights = false;
};

struct finetune_options {
    int steps = 200;
    int batch = 32;
    float lr = 0.01f;
    std::uint64_t seed = 1;
};

class model_lab {
public:
    // Test subset: the first 200 images of each class of the test split; training subset:
    // the first 600 of each class of the training split (the page embeds exactly these).
    std::string load_data();
    bool has_data() const { return test_.has_value() && train_.has_value(); }
    const data::dataset& test_set() const { return *test_; }
    const data::dataset& train_set() const { return *train_; }

    // Loads a shipped model by name (or a weights file); cancels running jobs.
    std::string select(const std::string& name);
    const std::string& model_name() const { return name_; }
    bool has_model() const { return model_.has_value(); }
    const engine::model& model() const { return *model_; }
    bool fine_tuned() const { return fine_tuned_; }
    std::string reset_weights();  // back to the shipped weights

    // --- jobs (one at a time) ---
    std::string start_eval();
    std::string start_finetune(const finetune_options& o);
    void cancel();
    // Runs the current job for about budget_ms (at least one batch or step). Returns true
    // while a job is still running.
    bool tick(double budget_ms);
    bool busy() const { return job_ != job::none; }
    const char* job_name() const;
    double progress() const;  // 0..1 of the current job
    const std::string& message() const { return message_; }  // last job's outcome or error

    // Evaluation on the test subset.
    const std::optional<train::eval_result>& eval_result() const { return eval_; }
    double eval_seconds() const { return eval_seconds_; }
    int eval_ticks() const { return eval_ticks_; }
    // Accuracy of the shipped weights (the first evaluation after select) for comparison.
    std::optional<double> baseline_accuracy() const { return baseline_; }

    // Fine-tuning curves (per step) and status.
    const std::vector<float>& ft_loss() const { return ft_loss_; }
    const std::vector<float>& ft_accuracy() const { return ft_acc_; }
    long long ft_steps_done() const { return ft_done_; }
    long long ft_steps_total() const { return ft_total_; }

    // Look inside: runs one image (28x28, values 0..255) through the model and keeps every
    // layer's output. The prediction is the softmax of the logits.
    std::string inspect(const std::array<std::uint8_t, 784>& image);
    std::string inspect_test_image(int index);
    const std::vector<layer_view>& layers() const { return layers_; }
    const std::array<float, 10>& probabilities() const { return probs_; }
    int predicted() const { return pred_; }
    int inspected_label() const { return label_; }  // -1 for a drawn image
    const std::array<std::uint8_t, 784>& inspected_image() const { return image_; }
    // A layer's weights as a matrix: depthwise kernels tiled; others [cout] x [k*k*cin/g].
    tiled layer_weights(int layer) const;

    nlohmann::json state_json() const;

private:
    enum class job { none, eval, finetune };
    void set_weights(const engine::model& m, bool fine_tuned);
    std::optional<data::dataset> test_, train_;
    std::string name_, path_;
    std::optional<engine::model> model_, shipped_, inspected_model_;
    bool fine_tuned_ = false;
    job job_ = job::none;
    std::string message_;

    train::evaluator evaluator_;
    std::optional<train::eval_result> eval_;
    std::optional<double> baseline_;
    double eval_seconds_ = 0.0, eval_started_ = 0.0;
    int eval_ticks_ = 0;

    std::unique_ptr<train::trainer> trainer_;
    std::vector<float> ft_loss_, ft_acc_;
    long long ft_done_ = 0, ft_total_ = 0;

    std::vector<layer_view> layers_;
    std::array<float, 10> probs_{};
    int pred_ = -1, label_ = -1;
    std::array<std::uint8_t, 784> image_{};
};

}  // namespace es::lab
