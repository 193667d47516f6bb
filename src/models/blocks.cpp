// Blocks shared by the architecture builders and the tiny presets (see models.h).
//
// Naming: every layer gets a readable name, "<block>.<part>" (e.g. "stage3.2.dw"); the batch
// norm the builder adds after a convolution is renamed "<conv>.bn" by build_arch(), and an
// activation is "<conv>.<act>" (e.g. "stage3.2.expand.relu6").
#include "models/models.h"

namespace es::models {

using engine::act;
using engine::graph_builder;

namespace block {

namespace {
std::string act_suffix(act a) {
    return std::string(".") + engine::act_name(a);
}
} // namespace

int conv_bn_act(graph_builder& b, int x, int cout, int k, int stride, act a, const std::string& name) {
    x = b.conv(x, cout, k, stride, 1, true, name);
    if (a != act::act_none) x = b.act(x, a, name + act_suffix(a));
    return x;
}

int dsc(graph_builder& b, int x, int cout, int stride, const std::string& name) {
    x = b.dwconv(x, 3, stride, true, name + ".dw");
    x = b.act(x, act::act_relu, name + ".dw.relu");
    x = b.pwconv(x, cout, 1, true, name + ".pw");
    return b.act(x, act::act_relu, name + ".pw.relu");
}

int inverted_residual(graph_builder& b, int x, int expanded, int cout, int k, int stride, act a,
                      int se_squeeze, const std::string& name) {
    const int cin = b.shape_of(x).c;
    int y = x;
    if (expanded != cin) {
        y = b.pwconv(y, expanded, 1, true, name + ".expand");
        y = b.act(y, a, name + ".expand" + act_suffix(a));
    }
    y = b.dwconv(y, k, stride, true, name + ".dw");
    y = b.act(y, a, name + ".dw" + act_suffix(a));
    if (se_squeeze > 0) y = b.se(y, se_squeeze, act::act_relu, act::act_hsigmoid, name + ".se");
    y = b.pwconv(y, cout, 1, true, name + ".project"); // linear bottleneck: no activation
    if (stride == 1 && cin == cout) y = b.add(x, y, name + ".add");
    return y;
}

int shufflenet_v1_unit(graph_builder& b, int x, int out_ch, int groups, int stride, bool group_first_pw,
                       const std::string& name) {
    const int cin = b.shape_of(x).c;
    const int mid = out_ch / 4;                                 // bottleneck = 1/4 of the unit's output
    const int branch_out = stride == 2 ? out_ch - cin : out_ch; // stride 2: the shortcut brings cin
    int y = b.pwconv(x, mid, group_first_pw ? groups : 1, true, name + ".gconv1");
    y = b.act(y, act::act_relu, name + ".gconv1.relu");
    if (groups > 1) y = b.shuffle(y, groups, name + ".shuffle");
    y = b.dwconv(y, 3, stride, true, name + ".dw");
    y = b.pwconv(y, branch_out, groups, true, name + ".gconv2");
    int out = 0;
    if (stride == 1) {
        out = b.add(x, y, name + ".add");
    } else {
        const int s = b.avgpool(x, 3, 2, 1, name + ".shortcut_avgpool");
        out = b.concat({s, y}, name + ".concat");
    }
    return b.act(out, act::act_relu, name + ".relu");
}

int shufflenet_v2_unit(graph_builder& b, int x, int out_ch, int stride, const std::string& name) {
    const int cin = b.shape_of(x).c;
    const int half = out_ch / 2;
    int left = x, right = x;
    if (stride == 1) {
        auto [first, second] = b.split(x, cin / 2, name + ".split");
        left = first;
        right = second;
    } else {
        // Left branch of the down-sampling unit: dw 3x3/2 + BN, pw + BN + ReLU.
        left = b.dwconv(x, 3, stride, true, name + ".branch1.dw");
        left = b.pwconv(left, half, 1, true, name + ".branch1.pw");
        left = b.act(left, act::act_relu, name + ".branch1.pw.relu");
    }
    right = b.pwconv(right, half, 1, true, name + ".branch2.pw1");
    right = b.act(right, act::act_relu, name + ".branch2.pw1.relu");
    right = b.dwconv(right, 3, stride, true, name + ".branch2.dw");
    right = b.pwconv(right, half, 1, true, name + ".branch2.pw2");
    right = b.act(right, act::act_relu, name + ".branch2.pw2.relu");
    const int out = b.concat({left, right}, name + ".concat");
    return b.shuffle(out, 2, name + ".shuffle");
}

int classifier(graph_builder& b, int x, int classes, const std::string& prefix) {
    x = b.global_avgpool(x, prefix + "avgpool");
    return b.fc(x, classes, true, prefix + "fc");
}

} // namespace block
} // namespace es::models
