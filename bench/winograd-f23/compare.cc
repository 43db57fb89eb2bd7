// Feasibility benchmark (not part of the engine): our fused AVX-512 Winograd F(2×2,3×3) (f23.h)
// against oneDNN 2.6's forward and backward-data convolutions, direct and Winograd F(4×4,3×3), on
// nChw16c activations, C → C channels, stride 1, pad 1; each side 11 times, interleaved, medians.
// Prints ms per call and our max error scaled by the largest |oneDNN direct| output.
// Build and run: see README.md next to this file.
#include <dnnl.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include "f23.h"
#include "../../packages/native/src/cc/winograd43.h"
using tag = dnnl::memory::format_tag; using dt = dnnl::memory::data_type;
static double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }
int main() {
  dnnl::engine eng(dnnl::engine::kind::cpu, 0); dnnl::stream st(eng);
  for (auto [N, C, H] : {std::tuple{128, 16, 28}, {128, 32, 14}, {128, 32, 28}, {128, 64, 14}, {32, 16, 28}, {128, 64, 7}}) {
    int K = C, W = H; size_t n = size_t(N) * C * H * W;
    std::vector<float> x(n), y(n), yRef(n), dy(n), dx(n), dxRef(n), w(size_t(K) * C * 9);
    std::vector<float> Uf(16 * C * K + 16), Ub(16 * C * K + 16), U4f(36 * C * K + 16), U4b(36 * C * K + 16);
    unsigned s = 1; auto rnd = [&] { s = s * 1664525u + 1013904223u; return float(s >> 8) / float(1 << 24) - 0.5f; };
    for (auto& v : x) v = rnd(); for (auto& v : dy) v = rnd(); for (auto& v : w) v = rnd();
    float* U1 = reinterpret_cast<float*>((reinterpret_cast<uintptr_t>(Uf.data()) + 63) & ~uintptr_t(63));
    float* U2 = reinterpret_cast<float*>((reinterpret_cast<uintptr_t>(Ub.data()) + 63) & ~uintptr_t(63));
    float* U3 = reinterpret_cast<float*>((reinterpret_cast<uintptr_t>(U4f.data()) + 63) & ~uintptr_t(63));
    float* U4 = reinterpret_cast<float*>((reinterpret_cast<uintptr_t>(U4b.data()) + 63) & ~uintptr_t(63));
    smd::wino43::transformWeights(w.data(), K, C, false, U3); smd::wino43::transformWeights(w.data(), K, C, true, U4);
    dnnl::memory::desc src({N, C, H, W}, dt::f32, tag::nChw16c), wd({K, C, 3, 3}, dt::f32, tag::any), wu({K, C, 3, 3}, dt::f32, tag::oihw);
    auto fd = [&](dnnl::algorithm a) { return dnnl::convolution_forward::primitive_desc(dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, a, src, wd, src, {1,1},{1,1},{1,1}), eng); };
    auto fdir = fd(dnnl::algorithm::convolution_direct), fwin = fd(dnnl::algorithm::convolution_winograd);
    auto bd = [&](dnnl::algorithm a, auto& hint) { return dnnl::convolution_backward_data::primitive_desc(dnnl::convolution_backward_data::desc(a, src, wd, src, {1,1},{1,1},{1,1}), eng, hint); };
    auto bdir = bd(dnnl::algorithm::convolution_direct, fdir), bwin = bd(dnnl::algorithm::convolution_winograd, fwin);
    dnnl::memory xm(src, eng, x.data()), ym(src, eng, yRef.data()), wum(wu, eng, w.data()), dym(src, eng, dy.data()), dxm(src, eng, dxRef.data());
    auto wfor = [&](const dnnl::memory::desc& d) { dnnl::memory m(d, eng); dnnl::reorder(wum, m).execute(st, wum, m); st.wait(); return m; };
    auto w1 = wfor(fdir.weights_desc()), w2 = wfor(fwin.weights_desc()), w3 = wfor(bdir.weights_desc()), w4 = wfor(bwin.weights_desc());
    dnnl::convolution_forward p1(fdir), p2(fwin); dnnl::convolution_backward_data p3(bdir), p4(bwin);
    p1.execute(st, {{DNNL_ARG_SRC, xm}, {DNNL_ARG_WEIGHTS, w1}, {DNNL_ARG_DST, ym}});
    p3.execute(st, {{DNNL_ARG_DIFF_SRC, dxm}, {DNNL_ARG_WEIGHTS, w3}, {DNNL_ARG_DIFF_DST, dym}}); st.wait();
    wf::transformWeights(w.data(), K, C, false, U1); wf::transformWeights(w.data(), K, C, true, U2);
    wf::run(x.data(), U1, y.data(), N, C, K, H, W, false); wf::run(dy.data(), U2, dx.data(), N, K, C, H, W, false);
    double e1 = 0, s1 = 0, e2 = 0, s2 = 0;
    for (size_t i = 0; i < n; i++) { e1 = std::max(e1, double(std::fabs(y[i] - yRef[i]))); s1 = std::max(s1, double(std::fabs(yRef[i]))); e2 = std::max(e2, double(std::fabs(dx[i] - dxRef[i]))); s2 = std::max(s2, double(std::fabs(dxRef[i]))); }
    std::vector<double> t[8];
    for (int r = 0; r < 11; r++) {
      double a = now(); p1.execute(st, {{DNNL_ARG_SRC, xm}, {DNNL_ARG_WEIGHTS, w1}, {DNNL_ARG_DST, ym}}); st.wait(); t[0].push_back(now() - a);
      a = now(); p2.execute(st, {{DNNL_ARG_SRC, xm}, {DNNL_ARG_WEIGHTS, w2}, {DNNL_ARG_DST, ym}}); st.wait(); t[1].push_back(now() - a);
      a = now(); wf::run(x.data(), U1, y.data(), N, C, K, H, W, false); t[2].push_back(now() - a);
      a = now(); p3.execute(st, {{DNNL_ARG_DIFF_SRC, dxm}, {DNNL_ARG_WEIGHTS, w3}, {DNNL_ARG_DIFF_DST, dym}}); st.wait(); t[3].push_back(now() - a);
      a = now(); p4.execute(st, {{DNNL_ARG_DIFF_SRC, dxm}, {DNNL_ARG_WEIGHTS, w4}, {DNNL_ARG_DIFF_DST, dym}}); st.wait(); t[4].push_back(now() - a);
      a = now(); wf::run(dy.data(), U2, dx.data(), N, K, C, H, W, false); t[5].push_back(now() - a);
      a = now(); smd::wino43::run(x.data(), U3, y.data(), N, C, K, H, W, false); t[6].push_back(now() - a);
      a = now(); smd::wino43::run(dy.data(), U4, dx.data(), N, K, C, H, W, false); t[7].push_back(now() - a);
    }
    auto med = [](std::vector<double> v) { std::sort(v.begin(), v.end()); return v[v.size() / 2] * 1e3; };
    std::printf("N%3d C%3d H%2d fwd: direct %.3f wino %.3f F23 %.3f (err %.1e) F43 %.3f | bwd-data: direct %.3f wino %.3f F23 %.3f (err %.1e) F43 %.3f\n",
      N, C, H, med(t[0]), med(t[1]), med(t[2]), e1 / s1, med(t[6]), med(t[3]), med(t[4]), med(t[5]), e2 / s2, med(t[7]));
  }
}
