// readFileHuge(path) -> ArrayBuffer: a whole file read into memory backed by transparent huge
// pages. Why: on the VMs we run on, first-touch page faults of fresh 4 KiB pages cost ~13 µs
// each, so fs.readFileSync of a 205 MB checkpoint took ~700 ms (0.3 GB/s) while the page cache
// delivers 3–4 GB/s. madvise(MADV_HUGEPAGE) on a 2 MiB-aligned anonymous mapping cuts the faults
// 512-fold (bench/analyze-checkpoint). Unlike mmap of the file itself, a checkpoint rewritten
// while we read it cannot SIGBUS us: the bytes are ours once read.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <thread>

#include "common.h"

namespace smd {

namespace {

constexpr size_t kHuge = size_t{2} << 20;

struct Mapping {
  void* base;
  size_t length;
};

[[noreturn]] void fail(Napi::Env env, const std::string& path, const char* what, int err) {
  throw Napi::Error::New(env, path + ": " + what + " (" + std::strerror(err) + ")");
}

}  // namespace

static Napi::Value ReadFileHuge(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string path = strArg(info, contract::ReadFileHuge::path);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(env, path, "cannot open", errno);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    const int e = errno;
    ::close(fd);
    fail(env, path, "cannot stat", e);
  }
  const size_t size = static_cast<size_t>(st.st_size);
  if (size == 0) {
    ::close(fd);
    return Napi::ArrayBuffer::New(env, 0);
  }
  // Over-allocate one huge page so the data can start on a 2 MiB boundary.
  const size_t length = (size + kHuge - 1) / kHuge * kHuge + kHuge;
  void* base = ::mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (base == MAP_FAILED) {
    const int e = errno;
    ::close(fd);
    fail(env, path, "cannot allocate memory for it", e);
  }
  auto* data = reinterpret_cast<uint8_t*>(
      (reinterpret_cast<uintptr_t>(base) + kHuge - 1) & ~(uintptr_t{kHuge} - 1));
  ::madvise(data, length - kHuge, MADV_HUGEPAGE);  // advice only: failure just means 4 KiB pages
  // Two threads fill the two halves: backing fresh memory (the kernel zeroing huge pages, the
  // hypervisor mapping them) is per-CPU work, and it is what bounds this read, not the copy.
  struct Part {
    size_t from, to;
    int err = 0;
    bool shrank = false;
  };
  auto fill = [fd, data](Part* part) {
    size_t at = part->from;
    while (at < part->to) {
      const ssize_t n = ::pread(fd, data + at, part->to - at, static_cast<off_t>(at));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        part->err = errno;
        return;
      }
      if (n == 0) {
        part->shrank = true;
        return;
      }
      at += static_cast<size_t>(n);
    }
  };
  const size_t half = size >= (size_t{64} << 20) ? (size / 2) & ~(kHuge - 1) : size;
  Part a{0, half}, b{half, size};
  if (half < size) {
    std::thread other(fill, &b);
    fill(&a);
    other.join();
  } else {
    fill(&a);
  }
  if (a.err || b.err || a.shrank || b.shrank) {
    const int e = a.err ? a.err : b.err ? b.err : EIO;
    ::munmap(base, length);
    ::close(fd);
    fail(env, path, a.err || b.err ? "read failed" : "file shrank while being read", e);
  }
  ::close(fd);
  auto* m = new Mapping{base, length};
  // Tell V8 what it holds, so garbage collection frees old buffers before new ones pile up.
  Napi::MemoryManagement::AdjustExternalMemory(env, static_cast<int64_t>(length));
  return Napi::ArrayBuffer::New(
      env, data, size,
      [](Napi::Env e, void*, Mapping* hint) {
        Napi::MemoryManagement::AdjustExternalMemory(e, -static_cast<int64_t>(hint->length));
        ::munmap(hint->base, hint->length);
        delete hint;
      },
      m);
}

void registerFileRead(Napi::Env env, Napi::Object exports) {
  define<contract::ReadFileHuge, ReadFileHuge>(env, exports);
}

}  // namespace smd
