// Entry point of the smd native addon: argument helpers, engine singletons, status and
// registration of every kernel group.
#include <omp.h>

#include <cstdlib>
#include <string>

#include "common.h"

namespace smd {

static Napi::TypeError argError(Napi::Env env, const char* name, const std::string& what) {
  return Napi::TypeError::New(env, std::string("smd-native: argument '") + name + "' " + what);
}

/** The argument's value, or a TypeError naming it when absent. */
static Napi::Value argAt(const Napi::CallbackInfo& info, Arg a) {
  if (a.at >= info.Length()) throw argError(info.Env(), a.name, "is missing");
  return info[a.at];
}

static bool isTyped(const Napi::Value& v, napi_typedarray_type t) {
  return v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == t;
}

F32 f32(const Napi::CallbackInfo& info, Arg a, size_t minLen) {
  Napi::Value v = argAt(info, a);
  if (!isTyped(v, napi_float32_array)) throw argError(info.Env(), a.name, "must be a Float32Array");
  Napi::Float32Array fa = v.As<Napi::Float32Array>();
  if (fa.ElementLength() < minLen) {
    throw argError(info.Env(), a.name,
                   "has " + std::to_string(fa.ElementLength()) + " elements, expected at least " +
                       std::to_string(minLen));
  }
  return F32{fa.Data(), fa.ElementLength()};
}

F32 f32Opt(const Napi::CallbackInfo& info, Arg a, size_t minLen) {
  Napi::Value v = argAt(info, a);
  if (v.IsNull() || v.IsUndefined()) return F32{};
  return f32(info, a, minLen);
}

double* f64(const Napi::CallbackInfo& info, Arg a, size_t minLen) {
  Napi::Value v = argAt(info, a);
  if (!isTyped(v, napi_float64_array)) throw argError(info.Env(), a.name, "must be a Float64Array");
  Napi::Float64Array da = v.As<Napi::Float64Array>();
  if (da.ElementLength() < minLen) throw argError(info.Env(), a.name, "is too short");
  return da.Data();
}

I32 i32Array(const Napi::CallbackInfo& info, Arg a, size_t minLen) {
  Napi::Value v = argAt(info, a);
  if (!isTyped(v, napi_int32_array)) throw argError(info.Env(), a.name, "must be an Int32Array");
  Napi::Int32Array ia = v.As<Napi::Int32Array>();
  if (ia.ElementLength() < minLen) throw argError(info.Env(), a.name, "is too short");
  return I32{ia.Data(), ia.ElementLength()};
}

uint32_t* u32Opt(const Napi::CallbackInfo& info, Arg a, size_t minLen) {
  Napi::Value v = argAt(info, a);
  if (v.IsNull() || v.IsUndefined()) return nullptr;
  if (!isTyped(v, napi_uint32_array)) throw argError(info.Env(), a.name, "must be a Uint32Array");
  Napi::Uint32Array ua = v.As<Napi::Uint32Array>();
  if (ua.ElementLength() < minLen) throw argError(info.Env(), a.name, "is too short");
  return ua.Data();
}

int64_t intArg(const Napi::CallbackInfo& info, Arg a) {
  Napi::Value v = argAt(info, a);
  if (!v.IsNumber()) throw argError(info.Env(), a.name, "must be a number");
  return v.As<Napi::Number>().Int64Value();
}

double numArg(const Napi::CallbackInfo& info, Arg a) {
  Napi::Value v = argAt(info, a);
  if (!v.IsNumber()) throw argError(info.Env(), a.name, "must be a number");
  return v.As<Napi::Number>().DoubleValue();
}

std::vector<int64_t> intList(const Napi::CallbackInfo& info, Arg a) {
  Napi::Value v = argAt(info, a);
  if (!v.IsArray()) throw argError(info.Env(), a.name, "must be an array of integers");
  Napi::Array arr = v.As<Napi::Array>();
  std::vector<int64_t> out(arr.Length());
  for (uint32_t i = 0; i < arr.Length(); i++) {
    Napi::Value e = arr.Get(i);
    if (!e.IsNumber()) throw argError(info.Env(), a.name, "must be an array of integers");
    out[i] = e.As<Napi::Number>().Int64Value();
  }
  return out;
}

std::string strArg(const Napi::CallbackInfo& info, Arg a) {
  Napi::Value v = argAt(info, a);
  if (!v.IsString()) throw argError(info.Env(), a.name, "must be a string");
  return v.As<Napi::String>().Utf8Value();
}

dnnl::engine& cpuEngine() {
  static dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  return eng;
}

dnnl::stream& cpuStream() {
  static dnnl::stream s(cpuEngine());
  return s;
}

Scratch::~Scratch() { std::free(ptr_); }

void* Scratch::get(size_t bytes) {
  if (bytes <= size_) return ptr_;
  std::free(ptr_);
  size_t rounded = (bytes + 63) / 64 * 64;
  ptr_ = std::aligned_alloc(64, rounded);
  if (!ptr_) throw std::bad_alloc();
  size_ = rounded;
  return ptr_;
}

static const char* isaName(dnnl::cpu_isa isa) {
  switch (isa) {
    case dnnl::cpu_isa::sse41: return "sse41";
    case dnnl::cpu_isa::avx: return "avx";
    case dnnl::cpu_isa::avx2: return "avx2";
    case dnnl::cpu_isa::avx512_mic: return "avx512_mic";
    case dnnl::cpu_isa::avx512_mic_4ops: return "avx512_mic_4ops";
    case dnnl::cpu_isa::avx512_core: return "avx512_core";
    case dnnl::cpu_isa::avx512_core_vnni: return "avx512_core_vnni";
    case dnnl::cpu_isa::avx512_core_bf16: return "avx512_core_bf16";
    case dnnl::cpu_isa::avx512_core_amx: return "avx512_core_amx";
    case dnnl::cpu_isa::avx2_vnni: return "avx2_vnni";
    default: return "unknown";
  }
}

/** status() -> {threads, isa, onednn}: what the loaded addon will use. */
static Napi::Value Status(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("threads", omp_get_max_threads());
  o.Set("isa", isaName(dnnl::get_effective_cpu_isa()));
  const dnnl_version_t* v = dnnl_version();
  o.Set("onednn", std::to_string(v->major) + "." + std::to_string(v->minor) + "." +
                      std::to_string(v->patch));
  return o;
}

/** setThreads(n): OpenMP threads for every later kernel (n >= 1). */
static Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsNumber()) throw argError(info.Env(), "threads", "must be a number");
  int64_t n = info[0].As<Napi::Number>().Int64Value();
  if (n < 1 || n > 1024) {
    throw Napi::RangeError::New(info.Env(), "smd-native: threads must be in [1, 1024]");
  }
  omp_set_num_threads(static_cast<int>(n));
  return info.Env().Undefined();
}

static Napi::Value ClearCache(const Napi::CallbackInfo& info) {
  clearConvCache();
  return info.Env().Undefined();
}

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // SMD_NATIVE_THREADS overrides OpenMP's default (all cores) without touching OMP_NUM_THREADS.
  if (const char* t = std::getenv("SMD_NATIVE_THREADS")) {
    int n = std::atoi(t);
    if (n >= 1) omp_set_num_threads(n);
  }
  exports.Set("status", Napi::Function::New(env, Status));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads));
  exports.Set("clearCache", Napi::Function::New(env, ClearCache));
  // the spec this addon was built from: the loader refuses an addon built from another one
  exports.Set("contractHash", Napi::String::New(env, contract::kHash));
  registerConv(env, exports);
  registerBatchNorm(env, exports);
  registerGroupNorm(env, exports);
  registerElementwise(env, exports);
  registerLinear(env, exports);
  registerPool(env, exports);
  registerLossOptim(env, exports);
  registerOptimExt(env, exports);
  registerFileRead(env, exports);
  return exports;
}

}  // namespace smd

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  return smd::Init(env, exports);
}

NODE_API_MODULE(smd_native, InitModule)
