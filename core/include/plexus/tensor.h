// plexus/tensor.h — a non-owning view of n-dimensional data, and the buffers that own memory.
//
// Contract:
// - `Tensor` never owns its memory: whoever made the view (a Buffer, a memory-mapped weight
//   file) must outlive it. Copying a Tensor copies the view, not the data.
// - Shapes and strides are in elements, outermost dimension first (row-major: the last
//   dimension is contiguous when strides are the default). At most kMaxDims dimensions.
// - `Buffer` owns device memory obtained from an `Allocator`; it is move-only and frees on
//   destruction. The CPU allocator aligns to 64 bytes.
// Thread safety: a Tensor is a value; concurrent reads of the data are the caller's business.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>

#include "plexus/device.h"
#include "plexus/dtype.h"
#include "plexus/status.h"

namespace plexus {

class Tensor {
 public:
  static constexpr int kMaxDims = 6;

  Tensor() = default;
  // A contiguous row-major view. REQUIRES: shape.size() <= kMaxDims, every dim >= 0.
  Tensor(void* data, DType dtype, std::span<const std::int64_t> shape,
         Device device = Device::cpu());
  Tensor(void* data, DType dtype, std::initializer_list<std::int64_t> shape,
         Device device = Device::cpu())
      : Tensor(data, dtype, std::span<const std::int64_t>(shape.begin(), shape.size()), device) {}

  void* data() const { return data_; }
  template <typename T>
  T* data_as() const {
    return static_cast<T*>(data_);
  }
  DType dtype() const { return dtype_; }
  Device device() const { return device_; }
  int ndim() const { return ndim_; }
  std::int64_t dim(int i) const { return shape_[i]; }
  std::int64_t stride(int i) const { return strides_[i]; }
  std::span<const std::int64_t> shape() const { return {shape_.data(), std::size_t(ndim_)}; }
  std::span<const std::int64_t> strides() const { return {strides_.data(), std::size_t(ndim_)}; }
  std::int64_t numel() const;
  // Bytes spanned by a contiguous view: numel() * dtype_size(dtype()).
  std::size_t nbytes() const;
  bool is_contiguous() const;

  // Rows [begin, end) of dimension `d` (a view; no copy). REQUIRES: 0 <= begin <= end <= dim(d).
  Tensor slice(int d, std::int64_t begin, std::int64_t end) const;
  // "BF16[2048, 576] on cpu".
  std::string describe() const;

 private:
  void* data_ = nullptr;
  DType dtype_ = DType::kF32;
  Device device_{};
  int ndim_ = 0;
  std::array<std::int64_t, kMaxDims> shape_{};
  std::array<std::int64_t, kMaxDims> strides_{};
};

class Allocator {
 public:
  virtual ~Allocator() = default;
  virtual Device device() const = 0;
  // Returns memory of at least `bytes` aligned to `alignment`, or ResourceExhausted.
  virtual Result<void*> allocate(std::size_t bytes, std::size_t alignment) = 0;
  virtual void deallocate(void* p, std::size_t bytes) = 0;
};

// The process-wide CPU allocator (thread-safe).
Allocator& cpu_allocator();

class Buffer {
 public:
  Buffer() = default;
  static Result<Buffer> allocate(Allocator& allocator, std::size_t bytes,
                                 std::size_t alignment = 64);
  Buffer(Buffer&& other) noexcept;
  Buffer& operator=(Buffer&& other) noexcept;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  ~Buffer();

  void* data() const { return data_; }
  std::size_t size() const { return size_; }
  Device device() const { return allocator_ ? allocator_->device() : Device::cpu(); }
  // A contiguous view of this buffer's first bytes. REQUIRES: the shape fits in size().
  Tensor view(DType dtype, std::span<const std::int64_t> shape) const;

 private:
  void reset();
  Allocator* allocator_ = nullptr;
  void* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace plexus
