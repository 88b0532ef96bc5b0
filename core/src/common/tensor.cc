#include "plexus/tensor.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>
#include <new>
#include <utility>

namespace plexus {

Tensor::Tensor(void* data, DType dtype, std::span<const std::int64_t> shape, Device device)
    : data_(data), dtype_(dtype), device_(device), ndim_(int(shape.size())) {
  if (shape.size() > std::size_t(kMaxDims)) {
    std::fprintf(stderr, "plexus: Tensor with %zu dims (max %d)\n", shape.size(), kMaxDims);
    std::abort();
  }
  std::int64_t stride = 1;
  for (int i = ndim_ - 1; i >= 0; --i) {
    shape_[i] = shape[i];
    strides_[i] = stride;
    stride *= shape[i];
  }
}

std::int64_t Tensor::numel() const {
  std::int64_t n = 1;
  for (int i = 0; i < ndim_; ++i) n *= shape_[i];
  return n;
}

std::size_t Tensor::nbytes() const { return std::size_t(numel()) * dtype_size(dtype_); }

bool Tensor::is_contiguous() const {
  std::int64_t expected = 1;
  for (int i = ndim_ - 1; i >= 0; --i) {
    if (shape_[i] != 1 && strides_[i] != expected) return false;
    expected *= shape_[i];
  }
  return true;
}

Tensor Tensor::slice(int d, std::int64_t begin, std::int64_t end) const {
  if (d < 0 || d >= ndim_ || begin < 0 || begin > end || end > shape_[d]) {
    std::fprintf(stderr, "plexus: bad Tensor::slice(%d, %lld, %lld) of %s\n", d,
                 static_cast<long long>(begin), static_cast<long long>(end), describe().c_str());
    std::abort();
  }
  Tensor t = *this;
  t.data_ = static_cast<char*>(data_) + begin * strides_[d] * std::int64_t(dtype_size(dtype_));
  t.shape_[d] = end - begin;
  return t;
}

std::string Tensor::describe() const {
  std::string s(dtype_name(dtype_));
  s += "[";
  for (int i = 0; i < ndim_; ++i) {
    if (i) s += ", ";
    s += std::to_string(shape_[i]);
  }
  s += "] on " + device_.to_string();
  return s;
}

namespace {
constexpr std::size_t kHugePage = std::size_t(2) << 20;

class CpuAllocator final : public Allocator {
 public:
  Device device() const override { return Device::cpu(); }
  Result<void*> allocate(std::size_t bytes, std::size_t alignment) override {
    if (alignment < alignof(std::max_align_t)) alignment = alignof(std::max_align_t);
    // Large buffers (weights, the KV cache) are read end to end every step: on 2 MiB pages the
    // TLB covers them, which is worth several percent of decode speed where transparent huge
    // pages are opt-in (madvise).
    const bool huge = bytes >= kHugePage;
    if (huge) alignment = std::max(alignment, kHugePage);
    const std::size_t rounded = (bytes + alignment - 1) / alignment * alignment;
    if (rounded < bytes) return Status::resource_exhausted("allocation size overflows");
    void* p = std::aligned_alloc(alignment, rounded == 0 ? alignment : rounded);
    if (!p) {
      return Status::resource_exhausted("out of host memory allocating " + std::to_string(bytes) +
                                        " bytes");
    }
    if (huge) madvise(p, rounded, MADV_HUGEPAGE);  // a hint; failure changes nothing
    return p;
  }
  void deallocate(void* p, std::size_t) override { std::free(p); }
};
}  // namespace

Allocator& cpu_allocator() {
  static CpuAllocator allocator;
  return allocator;
}

Result<Buffer> Buffer::allocate(Allocator& allocator, std::size_t bytes, std::size_t alignment) {
  PLEXUS_ASSIGN_OR_RETURN(void* p, allocator.allocate(bytes, alignment));
  Buffer b;
  b.allocator_ = &allocator;
  b.data_ = p;
  b.size_ = bytes;
  return b;
}

Buffer::Buffer(Buffer&& other) noexcept
    : allocator_(std::exchange(other.allocator_, nullptr)),
      data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)) {}

Buffer& Buffer::operator=(Buffer&& other) noexcept {
  if (this != &other) {
    reset();
    allocator_ = std::exchange(other.allocator_, nullptr);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

Buffer::~Buffer() { reset(); }

void Buffer::reset() {
  if (allocator_ && data_) allocator_->deallocate(data_, size_);
  allocator_ = nullptr;
  data_ = nullptr;
  size_ = 0;
}

Tensor Buffer::view(DType dtype, std::span<const std::int64_t> shape) const {
  Tensor t(data_, dtype, shape, device());
  if (t.nbytes() > size_) {
    std::fprintf(stderr, "plexus: Buffer::view %s exceeds the buffer's %zu bytes\n",
                 t.describe().c_str(), size_);
    std::abort();
  }
  return t;
}

}  // namespace plexus
