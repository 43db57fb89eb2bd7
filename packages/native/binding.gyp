# Node-API addon: the engine's Kernels in C++ with oneDNN (Debian libdnnl-dev) and OpenMP.
# -march=x86-64-v3 (AVX2+FMA) keeps the binary portable across x86-64 machines of this class;
# the convolutions run in oneDNN, which JIT-compiles AVX-512 code at run time when the CPU has it.
{
  "targets": [
    {
      "target_name": "smd_native",
      "sources": [
        "src/cc/addon.cc",
        "src/cc/conv.cc",
        "src/cc/winograd43.cc",
        "src/cc/batchnorm.cc",
        "src/cc/groupnorm.cc",
        "src/cc/elementwise.cc",
        "src/cc/linear.cc",
        "src/cc/pool.cc",
        "src/cc/loss-optim.cc",
        "src/cc/optim-ext.cc",
        "src/cc/file-read.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "/usr/include/oneapi/dnnl"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=c++17", "-O3", "-march=x86-64-v3", "-fopenmp", "-fexceptions", "-frtti", "-Wall", "-Wno-unused-parameter"],
      "ldflags": ["-fopenmp"],
      "libraries": ["-ldnnl", "-fopenmp"]
    }
  ]
}
