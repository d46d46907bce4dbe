#include "cc/common/output_batch.h"

#include <cstring>
#include <vector>

#include "cc/common/dali_status.h"
#include "cc/common/dtype_mapping.h"
#include "tensorflow/core/framework/allocation_description.pb.h"
#include "tensorflow/core/framework/types.h"

namespace dali_tf {
namespace {

// Keeps a DALI tensor (a contiguous view of a batch) or tensor list alive for as long as TF uses
// its memory.
template <typename Handle>
class DaliTensorBuffer : public tensorflow::TensorBuffer {
 public:
  DaliTensorBuffer(Handle tensor, void* data, size_t size)
      : TensorBuffer(data), tensor_(std::move(tensor)), size_(size) {}

  size_t size() const override { return size_; }
  TensorBuffer* root_buffer() override { return this; }
  void FillAllocationDescription(tensorflow::AllocationDescription* proto) const override {
    proto->set_requested_bytes(size_);
    proto->set_allocator_name("DALI");
  }
  bool OwnsMemory() const override { return false; }

 private:
  Handle tensor_;  // dropping the last reference returns the buffer to DALI
  size_t size_;
};

std::string ShapeString(const int64_t* shape, int ndim) {
  std::string s = "[";
  for (int d = 0; d < ndim; ++d) s += (d ? ", " : "") + std::to_string(shape[d]);
  return s + "]";
}

// Matches declared[i:] against actual[j:], where a dimension of size 1 on either side may be left
// out, and appends the declared dimensions (unknown ones taken from `actual`) to `dims`. Ranks
// are small, so trying the alternatives in turn is cheap.
bool MatchIgnoringOnes(const tensorflow::PartialTensorShape& declared, int i,
                       const tensorflow::TensorShape& actual, int j, std::vector<int64_t>* dims) {
  const int declared_rank = declared.dims(), actual_rank = actual.dims();
  if (i == declared_rank && j == actual_rank) return true;
  if (i < declared_rank && j < actual_rank &&
      (declared.dim_size(i) < 0 || declared.dim_size(i) == actual.dim_size(j))) {
    dims->push_back(actual.dim_size(j));
    if (MatchIgnoringOnes(declared, i + 1, actual, j + 1, dims)) return true;
    dims->pop_back();
  }
  if (j < actual_rank && actual.dim_size(j) == 1 &&
      MatchIgnoringOnes(declared, i, actual, j + 1, dims)) {
    return true;
  }
  if (i < declared_rank && declared.dim_size(i) == 1) {
    dims->push_back(1);
    if (MatchIgnoringOnes(declared, i + 1, actual, j, dims)) return true;
    dims->pop_back();
  }
  return false;
}

}  // namespace

bool OutputBatch::uniform() const {
  for (int i = 1; i < num_samples; ++i) {
    if (!std::equal(sample_shape(i), sample_shape(i) + sample_ndim, sample_shape(0))) return false;
  }
  return true;
}

absl::Status DescribeOutput(daliTensorList_h list, OutputBatch* out) {
  out->list = list;
  DALI_TF_RETURN_IF_ERROR(
      daliTensorListGetShape(list, &out->num_samples, &out->sample_ndim, &out->sample_shapes),
      "Could not read the shape of a pipeline output");
  DALI_TF_RETURN_IF_ERROR(daliTensorListGetDType(list, &out->dtype),
                          "Could not read the type of a pipeline output");
  DALI_TF_RETURN_IF_ERROR(daliTensorListGetBufferPlacement(list, &out->placement),
                          "Could not read the placement of a pipeline output");
  return absl::OkStatus();
}

absl::Status CheckOutputDtype(const OutputBatch& batch, int output_index,
                              tensorflow::DataType expected) {
  tensorflow::DataType actual;
  if (!DaliToTfType(batch.dtype, &actual)) {
    return absl::InvalidArgumentError(
        absl::StrCat("Output ", output_index, " of the DALI pipeline has type ",
                     DaliTypeName(batch.dtype), ", which TensorFlow cannot represent"));
  }
  if (actual != expected) {
    // NVIDIA's plugin reinterprets the bytes here (a float 1.0 declared int32 arrives as
    // 1065353216): silent wrong data, so this stays an error that says how to get either type.
    const std::string got = TfTypeName(actual);
    const std::string want = TfTypeName(expected);
    return absl::InvalidArgumentError(
        absl::StrCat("Output ", output_index, " of the DALI pipeline has type ", got, " but ", want,
                     " was declared for it in dtypes/output_dtypes. Declare tf.", got,
                     " for it, or convert it in the pipeline: fn.cast(output, dtype=",
                     DaliPythonTypeName(expected), ")"));
  }
  return absl::OkStatus();
}

absl::Status DenseBatchShape(const OutputBatch& batch, int output_index,
                             tensorflow::TensorShape* shape, absl::string_view alternative) {
  if (!batch.uniform()) {
    int odd = 1;
    while (odd < batch.num_samples &&
           std::equal(batch.sample_shape(odd), batch.sample_shape(odd) + batch.sample_ndim,
                      batch.sample_shape(0))) {
      ++odd;
    }
    return absl::InvalidArgumentError(
        absl::StrCat("Output ", output_index,
                     " of the DALI pipeline is not a uniform batch: sample 0 has "
                     "shape ",
                     ShapeString(batch.sample_shape(0), batch.sample_ndim), " but sample ", odd,
                     " has shape ", ShapeString(batch.sample_shape(odd), batch.sample_ndim),
                     ". TensorFlow needs dense batches: resize/pad in the pipeline",
                     alternative.empty() ? "" : ", or ", alternative));
  }
  shape->Clear();
  shape->AddDim(batch.num_samples);
  for (int d = 0; d < batch.sample_ndim; ++d) {
    shape->AddDim(batch.num_samples ? batch.sample_shape(0)[d] : 0);
  }
  return absl::OkStatus();
}

absl::Status ResolveDeclaredShape(const tensorflow::TensorShape& actual,
                                  const tensorflow::PartialTensorShape& declared,
                                  const std::string& what, tensorflow::TensorShape* resolved) {
  if (declared.IsCompatibleWith(actual)) {
    *resolved = actual;
    return absl::OkStatus();
  }
  std::vector<int64_t> dims;
  if (declared.dims() >= 0 && MatchIgnoringOnes(declared, 0, actual, 0, &dims)) {
    return tensorflow::TensorShape::BuildTensorShape(dims, resolved);
  }
  return absl::InvalidArgumentError(absl::StrCat(what, " has shape ", actual.DebugString(),
                                                 " but the declared shape is ",
                                                 declared.DebugString()));
}

bool WrapHostBatch(const OutputBatch& batch, tensorflow::DataType dtype,
                   const tensorflow::TensorShape& shape, tensorflow::Tensor* out) {
  if (batch.placement.device_type != DALI_STORAGE_CPU || batch.num_samples == 0) return false;
  TensorHandle view;
  if (daliTensorListViewAsTensor(batch.list, view.out()) != DALI_SUCCESS) {
    daliClearLastError();  // not contiguous: the caller copies
    return false;
  }
  daliTensorDesc_t desc{};
  if (daliTensorGetDesc(view.get(), &desc) != DALI_SUCCESS) {
    daliClearLastError();
    return false;
  }
  size_t bytes = shape.num_elements() * tensorflow::DataTypeSize(dtype);
  if (bytes == 0 || desc.data == nullptr ||
      reinterpret_cast<uintptr_t>(desc.data) % EIGEN_MAX_ALIGN_BYTES != 0) {
    return false;
  }
  auto* buffer = new DaliTensorBuffer<TensorHandle>(std::move(view), desc.data, bytes);
  *out = tensorflow::Tensor(dtype, shape, buffer);
  buffer->Unref();  // the tensor holds its own reference
  return true;
}

bool WrapHostSamples(const OutputBatch& batch, const TensorListHandle& list,
                     tensorflow::DataType dtype, const tensorflow::TensorShape& shape,
                     tensorflow::Tensor* out) {
  if (batch.placement.device_type != DALI_STORAGE_CPU || batch.num_samples == 0) return false;
  const size_t element_size = tensorflow::DataTypeSize(dtype);
  const char* base = nullptr;
  const char* next = nullptr;  // where the following sample must start to be contiguous
  for (int i = 0; i < batch.num_samples; ++i) {
    daliTensorDesc_t desc{};
    if (daliTensorListGetTensorDesc(list.get(), &desc, i) != DALI_SUCCESS) {
      daliClearLastError();
      return false;
    }
    const char* data = static_cast<const char*>(desc.data);
    if (i == 0) base = next = data;
    if (data != next) return false;
    int64_t elements = 1;
    for (int d = 0; d < batch.sample_ndim; ++d) elements *= batch.sample_shape(i)[d];
    next = data + elements * element_size;
  }
  const size_t bytes = shape.num_elements() * element_size;
  if (bytes == 0 || base == nullptr || static_cast<size_t>(next - base) != bytes ||
      reinterpret_cast<uintptr_t>(base) % EIGEN_MAX_ALIGN_BYTES != 0) {
    return false;
  }
  auto* buffer = new DaliTensorBuffer<TensorListHandle>(list, const_cast<char*>(base), bytes);
  *out = tensorflow::Tensor(dtype, shape, buffer);
  buffer->Unref();  // the tensor holds its own reference
  return true;
}

absl::Status NewTensor(tensorflow::Allocator* allocator, tensorflow::DataType dtype,
                       const tensorflow::TensorShape& shape, tensorflow::Tensor* out) {
  tensorflow::Tensor tensor(allocator, dtype, shape);
  if (shape.num_elements() > 0 && !tensor.IsInitialized()) {
    return absl::ResourceExhaustedError(absl::StrCat("Could not allocate ", shape.DebugString(),
                                                     " ", TfTypeName(dtype),
                                                     " for a DALI output on ", allocator->Name()));
  }
  *out = std::move(tensor);
  return absl::OkStatus();
}

absl::Status CopyToHostTensor(const OutputBatch& batch, tensorflow::DataType dtype,
                              const tensorflow::TensorShape& shape,
                              tensorflow::Allocator* allocator, tensorflow::Tensor* out) {
  TF_RETURN_IF_ERROR(NewTensor(allocator, dtype, shape, out));
  if (shape.num_elements() == 0) return absl::OkStatus();
  return CopyBatch(batch, out->data(), HostPlacement(), nullptr, /*synchronous=*/true);
}

absl::Status DenseOutputTensor(const OutputBatch& batch, const TensorListHandle& list, int index,
                               tensorflow::DataType dtype,
                               const tensorflow::PartialTensorShape& declared,
                               absl::string_view non_uniform_advice, bool may_alias,
                               tensorflow::Allocator* allocator, GpuCopies* gpu_copies,
                               tensorflow::Tensor* out) {
  TF_RETURN_IF_ERROR(CheckOutputDtype(batch, index, dtype));
  tensorflow::TensorShape batch_shape, shape;
  TF_RETURN_IF_ERROR(DenseBatchShape(batch, index, &batch_shape, non_uniform_advice));
  TF_RETURN_IF_ERROR(ResolveDeclaredShape(
      batch_shape, declared, absl::StrCat("Output ", index, " of the DALI pipeline"), &shape));
  if (gpu_copies == nullptr) {
    if (may_alias && WrapHostBatch(batch, dtype, shape, out)) return absl::OkStatus();
    return CopyToHostTensor(batch, dtype, shape, allocator, out);
  }
  TF_RETURN_IF_ERROR(NewTensor(allocator, dtype, shape, out));
  return gpu_copies->CopyBatch(batch, list, out->data());
}

absl::Status CopyBatch(const OutputBatch& batch, void* dst, daliBufferPlacement_t dst_placement,
                       const cudaStream_t* stream, bool synchronous) {
  if (batch.num_samples == 0) return absl::OkStatus();
  DALI_TF_RETURN_IF_ERROR(daliTensorListCopyOut(batch.list, dst, dst_placement, stream,
                                                synchronous ? DALI_COPY_SYNC : DALI_COPY_DEFAULT),
                          "Could not copy a DALI output to TensorFlow");
  return absl::OkStatus();
}

GpuCopies::GpuCopies(const TensorPlacement& placement, bool sources_outlive_pop)
    : placement_(placement),
      sources_outlive_pop_(sources_outlive_pop),
      host_wait_(!sources_outlive_pop) {}

GpuCopies::~GpuCopies() {
  if (!host_wait_) return;
  for (TensorListHandle& source : sources_) source.release();
  if (!host_values_.empty() && !sources_.empty()) {
    new std::deque<std::vector<int64_t>>(std::move(host_values_));  // see the header
  }
}

absl::Status GpuCopies::CopyBatch(const OutputBatch& batch, const TensorListHandle& list,
                                  void* dst) {
  const bool on_this_gpu = batch.placement.device_type == DALI_STORAGE_GPU &&
                           batch.placement.device_id == placement_.gpu_id;
  if (!on_this_gpu) host_wait_ = true;
  if (on_this_gpu && sources_outlive_pop_) {
    // DALI releases the buffer in this stream's order: after the copy below. The outputs are
    // ready on it already (popped for it, or for any stream), so nothing to wait for here.
    DALI_TF_RETURN_IF_ERROR(daliTensorListSetStream(list.get(), &placement_.stream, false),
                            "Could not order a DALI output on TensorFlow's GPU stream");
  }
  if (batch.num_samples == 0) return absl::OkStatus();
  Pending copy{list, dst};
  if (held_) TF_RETURN_IF_ERROR(Issue(std::move(*held_), /*synchronous=*/false));
  held_ = std::move(copy);
  return absl::OkStatus();
}

absl::Status GpuCopies::CopyHost(std::vector<int64_t> values, void* dst) {
  if (values.empty()) return absl::OkStatus();
  host_wait_ = true;
  host_values_.push_back(std::move(values));
  const std::vector<int64_t>& kept = host_values_.back();
  // A one-sample byte list borrowing the values (no deleter: they live until Finish).
  Pending copy;
  copy.dst = dst;
  DALI_TF_RETURN_IF_ERROR(daliTensorListCreate(copy.source.out(), HostPlacement()),
                          "Could not create a DALI tensor list for a host-to-device copy");
  const int64_t bytes = static_cast<int64_t>(kept.size() * sizeof(int64_t));
  DALI_TF_RETURN_IF_ERROR(
      daliTensorListAttachBuffer(copy.source.get(), 1, 1, &bytes, DALI_UINT8, "",
                                 const_cast<int64_t*>(kept.data()), nullptr, daliDeleter_t{}),
      "Could not wrap a host buffer for a host-to-device copy");
  if (held_) TF_RETURN_IF_ERROR(Issue(std::move(*held_), /*synchronous=*/false));
  held_ = std::move(copy);
  return absl::OkStatus();
}

absl::Status GpuCopies::Issue(Pending copy, bool synchronous) {
  DALI_TF_RETURN_IF_ERROR(
      daliTensorListCopyOut(copy.source.get(), copy.dst, placement_.buffer(), &placement_.stream,
                            synchronous ? DALI_COPY_SYNC : DALI_COPY_DEFAULT),
      "Could not copy a DALI output to TensorFlow's GPU memory");
  sources_.push_back(std::move(copy.source));
  return absl::OkStatus();
}

absl::Status GpuCopies::Finish() {
  if (!held_) return absl::OkStatus();
  Pending last = std::move(*held_);
  held_.reset();
  waited_ = host_wait_;
  TF_RETURN_IF_ERROR(Issue(std::move(last), /*synchronous=*/host_wait_));
  sources_.clear();
  host_values_.clear();
  return absl::OkStatus();
}

daliBufferPlacement_t HostPlacement() {
  daliBufferPlacement_t placement{};
  placement.device_type = DALI_STORAGE_CPU;
  placement.device_id = 0;
  placement.pinned = false;
  return placement;
}

daliBufferPlacement_t DevicePlacement(int device_id) {
  daliBufferPlacement_t placement{};
  placement.device_type = DALI_STORAGE_GPU;
  placement.device_id = device_id;
  return placement;
}

}  // namespace dali_tf
