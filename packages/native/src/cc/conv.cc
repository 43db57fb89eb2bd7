// 2-D convolution forward, backward-data and backward-weights through oneDNN primitives.
// Activations are channels-last (NHWC) or blocked (nChw16c, what the engine gives conv outputs
// on this backend): blocked lets oneDNN 2.6 run stride-1 3×3 convolutions as Winograd F(4×4,3×3)
// (`jit_wino_4x3`), which it only offers for blocked activations and which cut the reference
// ResNet's convolution time by ~22% here. Weights are PyTorch OIHW (GOIHW when grouped) in JS
// memory and are reordered per call into whatever format oneDNN chose (`format_tag::any`): the
// weights are tiny, and forcing plain OIHW weights next to NHWC activations makes oneDNN 2.6 fall
// back to its reference implementation (~1 GFLOP/s). Primitives, reorders and scratch buffers are
// cached per shape, so a training step allocates nothing after the first.
#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <tuple>

#include "common.h"
#include "winograd43.h"

namespace smd {

using dnnl::memory;
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

namespace {

/** Geometry of one convolution; the cache key. */
struct Geom {
  int64_t N, C, H, W, OC, KH, KW, OH, OW, sh, sw, ph, pw, dh, dw, groups;
  bool bias;
  bool xBlocked = false, yBlocked = false;  // nChw16c instead of NHWC
  auto key() const {
    return std::make_tuple(N, C, H, W, OC, KH, KW, OH, OW, sh, sw, ph, pw, dh, dw, groups, bias,
                           xBlocked, yBlocked);
  }
  bool operator<(const Geom& o) const { return key() < o.key(); }
  size_t xLen() const { return size_t(N * C * H * W); }
  size_t yLen() const { return size_t(N * OC * OH * OW); }
  size_t wLen() const { return size_t(OC * (C / groups) * KH * KW); }
};

/** Reads the geometry of conv function A (the engine's Conv2dGeometry fields and both orders). */
template <class A>
Geom readGeom(const Napi::CallbackInfo& info, bool bias) {
  auto i = [&](Arg a) { return intArg(info, a); };
  Geom g{i(A::n),       i(A::cIn),     i(A::h),    i(A::w),    i(A::cOut),      i(A::kH),
         i(A::kW),      i(A::outH),    i(A::outW), i(A::strideH), i(A::strideW), i(A::padH),
         i(A::padW),    i(A::dilationH), i(A::dilationW), i(A::groups), bias};
  g.xBlocked = i(A::xOrder) == 1;
  g.yBlocked = i(A::yOrder) == 1;
  bool ok = g.N > 0 && g.C > 0 && g.H > 0 && g.W > 0 && g.OC > 0 && g.KH > 0 && g.KW > 0 &&
            g.OH > 0 && g.OW > 0 && g.sh > 0 && g.sw > 0 && g.ph >= 0 && g.pw >= 0 && g.dh > 0 &&
            g.dw > 0 && g.groups > 0 && g.C % g.groups == 0 && g.OC % g.groups == 0;
  if (!ok) throw Napi::RangeError::New(info.Env(), "smd-native conv: invalid geometry");
  if ((g.xBlocked && g.C % 16 != 0) || (g.yBlocked && g.OC % 16 != 0)) {
    throw Napi::RangeError::New(info.Env(), "smd-native conv: nChw16c needs channels % 16 == 0");
  }
  int64_t eh = (g.H + 2 * g.ph - ((g.KH - 1) * g.dh + 1)) / g.sh + 1;
  int64_t ew = (g.W + 2 * g.pw - ((g.KW - 1) * g.dw + 1)) / g.sw + 1;
  if (eh != g.OH || ew != g.OW) {
    throw Napi::RangeError::New(info.Env(), "smd-native conv: OH/OW do not match H/W, kernel, "
                                            "stride, padding and dilation");
  }
  return g;
}

// A one-channel NHWC input is also NCHW; next to a blocked output it must be tagged nchw, or
// oneDNN 2.6 picks a slow path (engine-notes: the stem conv ran the whole step 3× slower).
memory::desc srcMd(const Geom& g) {
  tag t = g.xBlocked ? tag::nChw16c : (g.C == 1 && g.yBlocked ? tag::nchw : tag::nhwc);
  return memory::desc({g.N, g.C, g.H, g.W}, dt::f32, t);
}
memory::desc dstMd(const Geom& g) {
  return memory::desc({g.N, g.OC, g.OH, g.OW}, dt::f32, g.yBlocked ? tag::nChw16c : tag::nhwc);
}

enum class Dir { Fwd, BwdData, BwdWeights };

/** SMD_NATIVE_WINOGRAD=0 turns Winograd off (to measure what it buys). */
bool winogradEnabled() {
  static const bool on = [] {
    const char* v = std::getenv("SMD_NATIVE_WINOGRAD");
    return !(v && std::string(v) == "0");
  }();
  return on;
}

/**
 * Algorithm per direction, fixed by shape so results are reproducible run to run. Winograd
 * (blocked, stride-1 3×3 only) against direct, time ratios measured here at 2 threads
 * (bench/RESULTS.md, "Winograd or direct"): forward and backward-data win from 64 channels once
 * N·H·W ≥ 6272 (e.g. 128×7×7: 0.80; 32×7×7: 1.0–1.2) and at 32 channels only on large maps
 * (128×28×28: 0.85–0.90; 128×14×14: 1.07); 16 channels always lose (1.6–3×). Backward-weights
 * wins only from 128 channels (128 channels at 7×7: 0.77; 64 at 14×14: 1.29). oneDNN's own
 * `convolution_auto` picks Winograd for 16 channels too, so it is not used.
 */
dnnl::algorithm algorithmFor(const Geom& g, Dir d) {
  bool ok = winogradEnabled() && g.xBlocked && g.yBlocked && g.KH == 3 && g.KW == 3 &&
            g.sh == 1 && g.sw == 1 && g.dh == 1 && g.dw == 1 && g.groups == 1;
  int64_t ch = std::min(g.C, g.OC), pixels = g.N * g.OH * g.OW;
  bool wino = false;
  if (ok && d == Dir::BwdWeights) wino = ch >= 128 && pixels >= 1568;
  else if (ok) wino = ch >= 64 ? pixels >= 6272 : ch >= 32 && pixels >= 50176;
  return wino ? dnnl::algorithm::convolution_winograd : dnnl::algorithm::convolution_direct;
}
/**
 * Our own Winograd F(4×4,3×3) (winograd43.cc) instead of oneDNN, forward and backward-data, for
 * C → C channels with C ∈ {16, 32, 64} (bench/winograd-f23/README.md). In the networks at batch
 * 128 (kernel-profile --by-shape, ms per step, ours vs oneDNN's best): 16@28 forward 3.2 vs 4.0,
 * backward-data 3.2 vs 4.7; 64@14 7.4 vs 8.9 and 7.5 vs 8.9; 32@28 alone 2.6 vs 3.7 ms per call;
 * 64@7 2.0 vs 2.5 and 1.9 vs 2.2. 128 channels are not instantiated (oneDNN's Winograd is good
 * there).
 */
bool ownWinograd(const Geom& g) {
  static const bool cpu = wino43::avx512Available() && [] {
    const char* v = std::getenv("SMD_NATIVE_OWN_WINOGRAD");  // =0: oneDNN only (to compare)
    return !(v && std::string(v) == "0");
  }();
  return cpu && winogradEnabled() && g.xBlocked && g.yBlocked && g.KH == 3 && g.KW == 3 &&
         g.sh == 1 && g.sw == 1 && g.ph == 1 && g.pw == 1 && g.dh == 1 && g.dw == 1 &&
         g.groups == 1 && !g.bias && g.C == g.OC && (g.C == 16 || g.C == 32 || g.C == 64);
}

/**
 * Our kernel for backward-weights, same channel counts, on batches of at least 6272 pixels (below
 * that its ~0.1 ms of per-call setup loses). In the networks (ms per step, ours vs oneDNN): 32@28
 * 15.2 vs 17.2, 16@28 3.7 vs 4.6, 32@14 2.3 vs 3.3, 64@14 7.2 vs 11.9, 64@7 a tie (3.25 vs 3.1–3.3).
 * SMD_NATIVE_OWN_WINOGRAD_WEIGHTS=0: oneDNN's.
 */
bool ownWinogradWeights(const Geom& g) {
  static const bool on = [] {
    const char* v = std::getenv("SMD_NATIVE_OWN_WINOGRAD_WEIGHTS");
    return !(v && std::string(v) == "0");
  }();
  return on && ownWinograd(g) && g.N * g.OH * g.OW >= 6272;
}

/** Transformed weights of our Winograd kernel (one buffer: calls are serialized). */
Scratch ownWinogradU;

memory::dims wDims(const Geom& g) {
  if (g.groups == 1) return {g.OC, g.C, g.KH, g.KW};
  return {g.groups, g.OC / g.groups, g.C / g.groups, g.KH, g.KW};
}
memory::desc userWMd(const Geom& g) {
  return memory::desc(wDims(g), dt::f32, g.groups == 1 ? tag::oihw : tag::goihw);
}
memory::desc anyWMd(const Geom& g) { return memory::desc(wDims(g), dt::f32, tag::any); }
memory::desc biasMd(const Geom& g) { return memory::desc({g.OC}, dt::f32, tag::x); }

dnnl::primitive_attr userScratchAttr() {
  dnnl::primitive_attr a;
  a.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return a;
}

dnnl::convolution_forward::primitive_desc fwdPdWith(const Geom& g, dnnl::algorithm alg) {
  dnnl::convolution_forward::desc d =
      g.bias ? dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, alg, srcMd(g),
                                               anyWMd(g), biasMd(g), dstMd(g), {g.sh, g.sw},
                                               {g.dh - 1, g.dw - 1}, {g.ph, g.pw}, {g.ph, g.pw})
             : dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, alg, srcMd(g),
                                               anyWMd(g), dstMd(g), {g.sh, g.sw},
                                               {g.dh - 1, g.dw - 1}, {g.ph, g.pw}, {g.ph, g.pw});
  return dnnl::convolution_forward::primitive_desc(d, userScratchAttr(), cpuEngine());
}

/** Forward primitive descriptor (also the hint of the backward ones). */
dnnl::convolution_forward::primitive_desc fwdPd(const Geom& g) {
  dnnl::algorithm alg = algorithmFor(g, Dir::Fwd);
  if (alg == dnnl::algorithm::convolution_direct) return fwdPdWith(g, alg);
  try {
    return fwdPdWith(g, alg);
  } catch (const dnnl::error&) {
    return fwdPdWith(g, dnnl::algorithm::convolution_direct);
  }
}

/** A user-OIHW -> primitive-format weight reorder plus the buffer it fills (none if equal). */
struct WeightIn {
  memory::desc want;
  bool same = false;
  dnnl::reorder reorder;
  Scratch buf;
  void init(const Geom& g, const memory::desc& w) {
    want = w;
    same = (w == userWMd(g));
    if (!same) {
      reorder = dnnl::reorder(dnnl::reorder::primitive_desc(cpuEngine(), userWMd(g), cpuEngine(), w));
    }
  }
  /** Memory in the primitive's format holding `w` (OIHW user data). */
  memory prepare(const Geom& g, float* w) {
    memory user(userWMd(g), cpuEngine(), w);
    if (same) return user;
    memory m(want, cpuEngine(), buf.get(want.get_size()));
    reorder.execute(cpuStream(), user, m);
    return m;
  }
};

/**
 * One scratchpad for every convolution call (calls are serialized by cacheMutex). Winograd's
 * transformed tiles are ~2.25× the activations (29 MB for 32 channels at 28×28, batch 128): a
 * buffer per layer meant every call wrote and read cold memory, a shared one stays in cache.
 */
Scratch sharedPad;

struct FwdEntry {
  dnnl::convolution_forward::primitive_desc pd;
  dnnl::convolution_forward prim;
  WeightIn w;
};

struct BwdDataEntry {
  dnnl::convolution_backward_data::primitive_desc pd;
  dnnl::convolution_backward_data prim;
  WeightIn w;
};

/** dx of a backward-data call that must be added to the caller's buffer (shared, as above). */
Scratch sharedAcc;

struct BwdWeightsEntry {
  dnnl::convolution_backward_weights::primitive_desc pd;
  dnnl::convolution_backward_weights prim;
  bool same = false;                   // diff weights already in user OIHW format
  dnnl::reorder toUser, toUserAcc;     // overwrite / accumulate (sum post-op) into user OIHW
  Scratch dwBuf, dbBuf;
};

std::mutex cacheMutex;
std::map<Geom, std::unique_ptr<FwdEntry>> fwdCache;
std::map<Geom, std::unique_ptr<BwdDataEntry>> bwdDataCache;
std::map<Geom, std::unique_ptr<BwdWeightsEntry>> bwdWeightsCache;

FwdEntry& fwdEntry(const Geom& g) {
  auto it = fwdCache.find(g);
  if (it != fwdCache.end()) return *it->second;
  auto e = std::make_unique<FwdEntry>();
  e->pd = fwdPd(g);
  e->prim = dnnl::convolution_forward(e->pd);
  e->w.init(g, e->pd.weights_desc());
  FwdEntry& ref = *e;
  fwdCache.emplace(g, std::move(e));
  return ref;
}

BwdDataEntry& bwdDataEntry(const Geom& g) {
  auto it = bwdDataCache.find(g);
  if (it != bwdDataCache.end()) return *it->second;
  auto e = std::make_unique<BwdDataEntry>();
  auto make = [&](dnnl::algorithm alg) {
    dnnl::convolution_backward_data::desc d(alg, srcMd(g), anyWMd(g), dstMd(g), {g.sh, g.sw},
                                            {g.dh - 1, g.dw - 1}, {g.ph, g.pw}, {g.ph, g.pw});
    return dnnl::convolution_backward_data::primitive_desc(d, userScratchAttr(), cpuEngine(),
                                                           fwdPd(g));
  };
  try {
    e->pd = make(algorithmFor(g, Dir::BwdData));
  } catch (const dnnl::error&) {
    e->pd = make(dnnl::algorithm::convolution_direct);
  }
  e->prim = dnnl::convolution_backward_data(e->pd);
  e->w.init(g, e->pd.weights_desc());
  BwdDataEntry& ref = *e;
  bwdDataCache.emplace(g, std::move(e));
  return ref;
}

BwdWeightsEntry& bwdWeightsEntry(const Geom& g) {
  auto it = bwdWeightsCache.find(g);
  if (it != bwdWeightsCache.end()) return *it->second;
  auto e = std::make_unique<BwdWeightsEntry>();
  auto make = [&](dnnl::algorithm alg) {
    dnnl::convolution_backward_weights::desc d =
        g.bias ? dnnl::convolution_backward_weights::desc(
                     alg, srcMd(g), anyWMd(g), biasMd(g), dstMd(g), {g.sh, g.sw},
                     {g.dh - 1, g.dw - 1}, {g.ph, g.pw}, {g.ph, g.pw})
               : dnnl::convolution_backward_weights::desc(alg, srcMd(g), anyWMd(g), dstMd(g),
                                                          {g.sh, g.sw}, {g.dh - 1, g.dw - 1},
                                                          {g.ph, g.pw}, {g.ph, g.pw});
    return dnnl::convolution_backward_weights::primitive_desc(d, userScratchAttr(), cpuEngine(),
                                                              fwdPd(g));
  };
  try {
    e->pd = make(algorithmFor(g, Dir::BwdWeights));
  } catch (const dnnl::error&) {
    e->pd = make(dnnl::algorithm::convolution_direct);
  }
  e->prim = dnnl::convolution_backward_weights(e->pd);
  memory::desc dw = e->pd.diff_weights_desc();
  e->same = (dw == userWMd(g));
  e->toUser = dnnl::reorder(dnnl::reorder::primitive_desc(cpuEngine(), dw, cpuEngine(), userWMd(g)));
  dnnl::post_ops po;
  po.append_sum(1.0f);
  dnnl::primitive_attr acc;
  acc.set_post_ops(po);
  e->toUserAcc =
      dnnl::reorder(dnnl::reorder::primitive_desc(cpuEngine(), dw, cpuEngine(), userWMd(g), acc));
  BwdWeightsEntry& ref = *e;
  bwdWeightsCache.emplace(g, std::move(e));
  return ref;
}

/**
 * conv2dForward(y, x, weight, bias|null, geometry…; contract.h Conv2dForward). y: (N,OC,OH,OW)
 * overwritten; x: (N,C,H,W); orders 0 NHWC / 1 nChw16c; weight: (OC,C/groups,KH,KW); bias: (OC).
 */
Napi::Value ConvForward(const Napi::CallbackInfo& info) {
  using A = contract::Conv2dForward;
  bool hasBias = !(info[A::bias.at].IsNull() || info[A::bias.at].IsUndefined());
  Geom g = readGeom<A>(info, hasBias);
  F32 y = f32(info, A::y, g.yLen());
  F32 x = f32(info, A::x, g.xLen());
  F32 w = f32(info, A::weight, g.wLen());
  F32 b = f32Opt(info, A::bias, size_t(g.OC));
  std::lock_guard<std::mutex> lock(cacheMutex);
  if (ownWinograd(g)) {
    float* U = static_cast<float*>(ownWinogradU.get(wino43::uLen(g.C, g.OC) * sizeof(float)));
    wino43::transformWeights(w.data, g.OC, g.C, false, U);
    wino43::run(x.data, U, y.data, g.N, g.C, g.OC, g.H, g.W, false);
    return info.Env().Undefined();
  }
  FwdEntry& e = fwdEntry(g);
  dnnl::engine& eng = cpuEngine();
  memory wm = e.w.prepare(g, w.data);
  memory xm(e.pd.src_desc(), eng, x.data);
  memory ym(e.pd.dst_desc(), eng, y.data);
  memory pad(e.pd.scratchpad_desc(), eng, sharedPad.get(e.pd.scratchpad_desc().get_size()));
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, xm},
                                       {DNNL_ARG_WEIGHTS, wm},
                                       {DNNL_ARG_DST, ym},
                                       {DNNL_ARG_SCRATCHPAD, pad}};
  if (hasBias) args.emplace(DNNL_ARG_BIAS, memory(biasMd(g), eng, b.data));
  e.prim.execute(cpuStream(), args);
  cpuStream().wait();
  return info.Env().Undefined();
}

/**
 * True when every element of x[0, n) is +0 or -0. The engine hands backward kernels freshly
 * zeroed gradient buffers; then "dx += r" is "dx = r" and oneDNN can write dx directly instead of
 * a scratch buffer that is added afterwards (saves a write and a read of an activation-sized
 * buffer). A non-zero buffer is usually rejected within the first few elements.
 */
bool allZero(const float* x, size_t n) {
  size_t head = std::min<size_t>(n, 256);
  for (size_t i = 0; i < head; i++)
    if (x[i] != 0.f) return false;
  const uint32_t* u = reinterpret_cast<const uint32_t*>(x);
  uint32_t acc = 0;
#pragma omp parallel for simd reduction(| : acc) schedule(static) if (n >= (1u << 16))
  for (size_t i = head; i < n; i++) acc |= (u[i] << 1);  // drop the sign bit: -0 counts as 0
  return acc == 0;
}

/**
 * conv2dBackwardData(dx, dy, weight, overwriteDx, geometry…)
 * dx: (N,C,H,W), overwritten (overwriteDx=1) or added to; dy: (N,OC,OH,OW).
 */
Napi::Value ConvBackwardData(const Napi::CallbackInfo& info) {
  using A = contract::Conv2dBackwardData;
  Geom g = readGeom<A>(info, false);
  F32 dx = f32(info, A::dx, g.xLen());
  F32 dy = f32(info, A::dy, g.yLen());
  F32 w = f32(info, A::weight, g.wLen());
  bool accumulate = !boolArg(info, A::overwriteDx);
  std::lock_guard<std::mutex> lock(cacheMutex);
  if (ownWinograd(g)) {  // dx (+)= conv(dy, flipped transposed w); adds in its output transform
    float* U = static_cast<float*>(ownWinogradU.get(wino43::uLen(g.C, g.OC) * sizeof(float)));
    wino43::transformWeights(w.data, g.OC, g.C, true, U);
    wino43::run(dy.data, U, dx.data, g.N, g.OC, g.C, g.H, g.W, accumulate);
    return info.Env().Undefined();
  }
  BwdDataEntry& e = bwdDataEntry(g);
  dnnl::engine& eng = cpuEngine();
  memory wm = e.w.prepare(g, w.data);
  size_t n = g.xLen();
  if (accumulate && allZero(dx.data, n)) accumulate = false;
  float* out = accumulate ? static_cast<float*>(sharedAcc.get(n * sizeof(float))) : dx.data;
  memory dxm(e.pd.diff_src_desc(), eng, out);
  memory dym(e.pd.diff_dst_desc(), eng, dy.data);
  memory pad(e.pd.scratchpad_desc(), eng, sharedPad.get(e.pd.scratchpad_desc().get_size()));
  e.prim.execute(cpuStream(), {{DNNL_ARG_DIFF_SRC, dxm},
                               {DNNL_ARG_WEIGHTS, wm},
                               {DNNL_ARG_DIFF_DST, dym},
                               {DNNL_ARG_SCRATCHPAD, pad}});
  cpuStream().wait();
  if (accumulate) {
    float* d = dx.data;
#pragma omp parallel for simd schedule(static)
    for (size_t i = 0; i < n; i++) d[i] += out[i];
  }
  return info.Env().Undefined();
}

/**
 * conv2dBackwardWeights(dweight, dbias|null, x, dy, geometry…). dweight: (OC,C/groups,KH,KW)
 * OIHW; dbias: (OC); both added to.
 */
Napi::Value ConvBackwardWeights(const Napi::CallbackInfo& info) {
  using A = contract::Conv2dBackwardWeights;
  bool hasBias = !(info[A::dbias.at].IsNull() || info[A::dbias.at].IsUndefined());
  Geom g = readGeom<A>(info, hasBias);
  F32 dw = f32(info, A::dweight, g.wLen());
  F32 db = f32Opt(info, A::dbias, size_t(g.OC));
  F32 x = f32(info, A::x, g.xLen());
  F32 dy = f32(info, A::dy, g.yLen());
  const bool accumulate = true;  // the engine's weight gradients always accumulate
  std::lock_guard<std::mutex> lock(cacheMutex);
  if (ownWinogradWeights(g)) {
    wino43::weights(x.data, dy.data, dw.data, g.N, g.C, g.OC, g.H, g.W, accumulate);
    return info.Env().Undefined();
  }
  BwdWeightsEntry& e = bwdWeightsEntry(g);
  dnnl::engine& eng = cpuEngine();
  memory::desc dwd = e.pd.diff_weights_desc();
  bool direct = e.same && !accumulate;
  memory dwm(dwd, eng, direct ? dw.data : e.dwBuf.get(dwd.get_size()));
  memory xm(e.pd.src_desc(), eng, x.data);
  memory dym(e.pd.diff_dst_desc(), eng, dy.data);
  memory pad(e.pd.scratchpad_desc(), eng, sharedPad.get(e.pd.scratchpad_desc().get_size()));
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, xm},
                                       {DNNL_ARG_DIFF_WEIGHTS, dwm},
                                       {DNNL_ARG_DIFF_DST, dym},
                                       {DNNL_ARG_SCRATCHPAD, pad}};
  float* dbOut = nullptr;
  if (hasBias) {
    dbOut = accumulate ? static_cast<float*>(e.dbBuf.get(size_t(g.OC) * sizeof(float))) : db.data;
    args.emplace(DNNL_ARG_DIFF_BIAS, memory(biasMd(g), eng, dbOut));
  }
  e.prim.execute(cpuStream(), args);
  if (!direct) {
    memory user(userWMd(g), eng, dw.data);
    (accumulate ? e.toUserAcc : e.toUser).execute(cpuStream(), dwm, user);
  }
  cpuStream().wait();
  if (hasBias && accumulate) {
    for (int64_t i = 0; i < g.OC; i++) db.data[i] += dbOut[i];
  }
  return info.Env().Undefined();
}

/** convImpl(kind, geometry...) -> oneDNN implementation name (e.g. "jit:avx512_core"). */
Napi::Value ConvImpl(const Napi::CallbackInfo& info) {
  using A = contract::ConvImpl;
  std::string kind = strArg(info, A::kind);
  Geom g = readGeom<A>(info, false);
  std::lock_guard<std::mutex> lock(cacheMutex);
  if (kind == "backwardWeights" ? ownWinogradWeights(g) : ownWinograd(g))
    return Napi::String::New(info.Env(), "smd_wino_f43:avx512");
  const char* name = kind == "forward"         ? fwdEntry(g).pd.impl_info_str()
                     : kind == "backwardData" ? bwdDataEntry(g).pd.impl_info_str()
                                               : bwdWeightsEntry(g).pd.impl_info_str();
  return Napi::String::New(info.Env(), name);
}

}  // namespace

void clearConvCache() {
  std::lock_guard<std::mutex> lock(cacheMutex);
  fwdCache.clear();
  bwdDataCache.clear();
  bwdWeightsCache.clear();
}

void registerConv(Napi::Env env, Napi::Object exports) {
  define<contract::Conv2dForward, ConvForward>(env, exports);
  define<contract::Conv2dBackwardData, ConvBackwardData>(env, exports);
  define<contract::Conv2dBackwardWeights, ConvBackwardWeights>(env, exports);
  define<contract::ConvImpl, ConvImpl>(env, exports);
}

}  // namespace smd
