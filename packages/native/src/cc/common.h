// Shared helpers for the smd native addon: argument access (zero-copy Float32Array views) and
// the oneDNN engine/stream singletons. Memory belongs to JavaScript: kernels only fill the typed
// arrays they are handed; the only native allocations are per-shape scratch buffers.
#pragma once
#include <napi.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "contract.h"
#include "dnnl.hpp"

namespace smd {

using contract::Arg;

/** A Float32Array argument viewed in place (no copy). `data` is null for an optional absent arg. */
struct F32 {
  float* data = nullptr;
  size_t length = 0;
};

/** A Int32Array argument viewed in place. */
struct I32 {
  int32_t* data = nullptr;
  size_t length = 0;
};

/**
 * Argument readers: each takes the argument's entry of contract.h (`A::name`: position and
 * name), so no kernel reads a position by number.
 */
/** Float32Array argument; throws a TypeError naming it when it is not one or too short. */
F32 f32(const Napi::CallbackInfo& info, Arg a, size_t minLen);
/** Like f32 but null/undefined gives an empty view. */
F32 f32Opt(const Napi::CallbackInfo& info, Arg a, size_t minLen);
/** Float64Array argument of at least `minLen` elements (optimizer state kept in float64). */
double* f64(const Napi::CallbackInfo& info, Arg a, size_t minLen);
/** Int32Array argument of at least `minLen` elements. */
I32 i32Array(const Napi::CallbackInfo& info, Arg a, size_t minLen);
/** Uint32Array argument of at least `minLen` elements, or null when absent/null/undefined. */
uint32_t* u32Opt(const Napi::CallbackInfo& info, Arg a, size_t minLen);
/** Integer number argument. */
int64_t intArg(const Napi::CallbackInfo& info, Arg a);
/** Number argument. */
double numArg(const Napi::CallbackInfo& info, Arg a);
/** 0/1 flag argument. */
inline bool boolArg(const Napi::CallbackInfo& info, Arg a) { return intArg(info, a) != 0; }
/** Array of integers argument (shapes, strides). */
std::vector<int64_t> intList(const Napi::CallbackInfo& info, Arg a);
/** String argument. */
std::string strArg(const Napi::CallbackInfo& info, Arg a);

/** Calls F after checking the argument count against the contract of function A. */
template <class A, Napi::Value (*F)(const Napi::CallbackInfo&)>
Napi::Value checkedCall(const Napi::CallbackInfo& info) {
  if (info.Length() != A::kCount) {
    throw Napi::TypeError::New(info.Env(), std::string("smd-native: ") + A::kName + " takes " +
                                               std::to_string(A::kCount) + " arguments, got " +
                                               std::to_string(info.Length()));
  }
  return F(info);
}

/** Exports F under the contract's name of function A. */
template <class A, Napi::Value (*F)(const Napi::CallbackInfo&)>
void define(Napi::Env env, Napi::Object exports) {
  exports.Set(A::kName, Napi::Function::New(env, checkedCall<A, F>));
}

/** The process-wide CPU engine and its in-order stream. */
dnnl::engine& cpuEngine();
dnnl::stream& cpuStream();

/** A 64-byte aligned, grow-only scratch buffer (cached per primitive shape, never per call). */
class Scratch {
 public:
  Scratch() = default;
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  ~Scratch();
  /** Pointer to at least `bytes` bytes (reallocates only when growing). */
  void* get(size_t bytes);

 private:
  void* ptr_ = nullptr;
  size_t size_ = 0;
};

/** Registration hooks of the kernel groups (each adds its functions to `exports`). */
void registerConv(Napi::Env env, Napi::Object exports);
void registerBatchNorm(Napi::Env env, Napi::Object exports);
void registerGroupNorm(Napi::Env env, Napi::Object exports);
void registerElementwise(Napi::Env env, Napi::Object exports);
void registerLinear(Napi::Env env, Napi::Object exports);
void registerPool(Napi::Env env, Napi::Object exports);
void registerLossOptim(Napi::Env env, Napi::Object exports);
void registerOptimExt(Napi::Env env, Napi::Object exports);
void registerFileRead(Napi::Env env, Napi::Object exports);
/** Drops cached oneDNN primitives and scratch (tests use it to check a cold path). */
void clearConvCache();

}  // namespace smd
