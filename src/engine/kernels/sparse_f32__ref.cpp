// Sparse weights: the storage formats (compress, decompress) and the scalar reference kernels.
// The references accumulate each output in k order, skipping only weights that are not stored,
// so they equal the dense gemm_f32__ref on the decompressed matrix (adding a*0 to a finite sum
// changes nothing).
#include "engine/kernels/sparse.h"

namespace es::kernels {

namespace {

bool fail(std::string* error, std::string message) {
    if (error) *error = std::move(message);
    return false;
}

}  // namespace

bool is_sparse24(int n, int k, const float* w_nk) {
    if (n <= 0 || k <= 0 || k % 4 != 0) return false;
    for (std::size_t i = 0; i < static_cast<std::size_t>(n) * k; i += 4) {
        const int nz = (w_nk[i] != 0.0f) + (w_nk[i + 1] != 0.0f) + (w_nk[i + 2] != 0.0f) + (w_nk[i + 3] != 0.0f);
        if (nz > 2) return false;
    }
    return true;
}

std::optional<sparse24_weights> sparse24_compress(int n, int k, const float* w_nk, std::string* error) {
    if (n <= 0 || k <= 0) {
        std::string m = "2:4 storage needs a non-empty matrix, got ";
        m += std::to_string(n) + " x " + std::to_string(k);
        fail(error, std::move(m));
        return std::nullopt;
    }
    if (k % 4 != 0) {
        std::string m = "2:4 storage needs the reduction dimension K to be a multiple of 4, got K = ";
        m += std::to_string(k);
        m += " (pad K with zero columns to ";
        m += std::to_string((k + 3) / 4 * 4);
        m += " or keep the layer dense)";
        fail(error, std::move(m));
        return std::nullopt;
    }
    sparse24_weights w;
    w.n = n;
    w.k = k;
    w.meta_stride = (k + 7) / 8;
    const int kept = k / 2;
    w.values.assign(static_cast<std::size_t>(n) * kept, 0.0f);
    w.meta.assign(static_cast<std::size_t>(n) * w.meta_stride, 0);
    for (int r = 0; r < n; ++r) {
        const float* row = w_nk + static_cast<std::size_t>(r) * k;
        for (int g = 0; g < k / 4; ++g) {
            int pos[2], cnt = 0;
            for (int i = 0; i < 4; ++i)
                if (row[4 * g + i] != 0.0f) {
                    if (cnt == 2) {
                        std::string m = "not 2:4 sparse: row ";
                        m += std::to_string(r);
                        m += ", columns ";
                        m += std::to_string(4 * g);
                        m += "..";
                        m += std::to_string(4 * g + 3);
                        m += " hold more than 2 nonzeros (2:4 keeps at most 2 of every 4 consecutive weights)";
                        fail(error, std::move(m));
                        return std::nullopt;
                    }
                    pos[cnt++] = i;
                }
            // Fewer than two nonzeros: fill with zeros at the lowest free positions, keeping the
            // two positions increasing.
            for (int i = 0; cnt < 2 && i < 4; ++i)
                if (!(cnt == 1 && pos[0] == i)) pos[cnt++] = i;
            if (pos[0] > pos[1]) std::swap(pos[0], pos[1]);
            for (int j = 0; j < 2; ++j) {
                const int idx = 2 * g + j;
                w.values[static_cast<std::size_t>(r) * kept + idx] = row[4 * g + pos[j]];
                w.meta[static_cast<std::size_t>(r) * w.meta_stride + idx / 4] |=
                    static_cast<std::uint8_t>(pos[j] << (2 * (idx % 4)));
            }
        }
    }
    return w;
}

std::vector<float> sparse24_decompress(const sparse24_weights& w) {
    std::vector<float> d(static_cast<std::size_t>(w.n) * w.k, 0.0f);
    const int kept = w.k / 2;
    for (int r = 0; r < w.n; ++r)
        for (int j = 0; j < kept; ++j)
            d[static_cast<std::size_t>(r) * w.k + 4 * (j / 2) + sparse24_index(w, r, j)] =
                w.values[static_cast<std::size_t>(r) * kept + j];
    return d;
}

void sparse24_f32__ref(int m, int n, int k, const float* a, int lda, const sparse24_weights& w, const float* bias,
                       float* c, int ldc, epilogue e) {
    const int kept = k / 2;
    for (int i = 0; i < m; ++i) {
        const float* ar = a + static_cast<std::size_t>(i) * lda;
        for (int j = 0; j < n; ++j) {
            float acc = bias ? bias[j] : 0.0f;
            const float* v = w.values.data() + static_cast<std::size_t>(j) * kept;
            for (int t = 0; t < kept; ++t) acc += ar[4 * (t / 2) + sparse24_index(w, j, t)] * v[t];
            c[static_cast<std::size_t>(i) * ldc + j] = activate_ref(acc, e);
        }
    }
}

std::optional<csr_weights> csr_compress(int n, int k, const float* w_nk, std::string* error) {
    if (n <= 0 || k <= 0) {
        std::string m = "CSR storage needs a non-empty matrix, got ";
        m += std::to_string(n) + " x " + std::to_string(k);
        fail(error, std::move(m));
        return std::nullopt;
    }
    if (k > 65536) {
        std::string m = "CSR storage keeps 16-bit column indices: K = ";
        m += std::to_string(k) + " is more than 65,536";
        fail(error, std::move(m));
        return std::nullopt;
    }
    csr_weights w;
    w.n = n;
    w.k = k;
    w.row_ptr.assign(1, 0);
    for (int r = 0; r < n; ++r) {
        for (int kk = 0; kk < k; ++kk) {
            const float v = w_nk[static_cast<std::size_t>(r) * k + kk];
            if (v != 0.0f) {
                w.col.push_back(static_cast<std::uint16_t>(kk));
                w.values.push_back(v);
            }
        }
        w.row_ptr.push_back(static_cast<std::int32_t>(w.values.size()));
    }
    return w;
}

std::vector<float> csr_decompress(const csr_weights& w) {
    std::vector<float> d(static_cast<std::size_t>(w.n) * w.k, 0.0f);
    for (int r = 0; r < w.n; ++r)
        for (std::int32_t p = w.row_ptr[static_cast<std::size_t>(r)]; p < w.row_ptr[static_cast<std::size_t>(r) + 1]; ++p)
            d[static_cast<std::size_t>(r) * w.k + w.col[static_cast<std::size_t>(p)]] = w.values[static_cast<std::size_t>(p)];
    return d;
}

void csr_f32__ref(int m, int n, int, const float* a, int lda, const csr_weights& w, const float* bias, float* c, int ldc,
                  epilogue e) {
    for (int i = 0; i < m; ++i) {
        const float* ar = a + static_cast<std::size_t>(i) * lda;
        for (int j = 0; j < n; ++j) {
            float acc = bias ? bias[j] : 0.0f;
            for (std::int32_t p = w.row_ptr[static_cast<std::size_t>(j)]; p < w.row_ptr[static_cast<std::size_t>(j) + 1]; ++p)
                acc += ar[w.col[static_cast<std::size_t>(p)]] * w.values[static_cast<std::size_t>(p)];
            c[static_cast<std::size_t>(i) * ldc + j] = activate_ref(acc, e);
        }
    }
}

}  // namespace es::kernels
