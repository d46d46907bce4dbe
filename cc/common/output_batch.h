// Turning one DALI pipeline output (a batch) into a dense TensorFlow tensor: checks against what
// the user declared, zero-copy hand-off of CPU buffers, and copies (host or device) otherwise.
#ifndef DALI_TF_CC_COMMON_OUTPUT_BATCH_H_
#define DALI_TF_CC_COMMON_OUTPUT_BATCH_H_

#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "cc/common/dali_handles.h"
#include "cc/common/tensor_placement.h"
#include "tensorflow/core/framework/allocator.h"
#include "tensorflow/core/framework/tensor.h"
#include "tensorflow/core/framework/tensor_shape.h"

namespace dali_tf {

// What a DALI output batch looks like; pointers stay valid while the tensor list lives.
struct OutputBatch {
  daliTensorList_h list = nullptr;
  int num_samples = 0;
  int sample_ndim = 0;
  const int64_t* sample_shapes = nullptr;  // num_samples * sample_ndim extents
  daliDataType_t dtype = DALI_NO_TYPE;
  daliBufferPlacement_t placement{};

  const int64_t* sample_shape(int i) const { return sample_shapes + i * sample_ndim; }
  bool uniform() const;  // all samples have the same shape
};

absl::Status DescribeOutput(daliTensorList_h list, OutputBatch* out);

// Errors name the output by `output_index` and say what was expected and what DALI produced.
absl::Status CheckOutputDtype(const OutputBatch& batch, int output_index,
                              tensorflow::DataType expected);
// The dense shape [num_samples, sample dims...]; an error if samples differ in shape, which ends
// with `alternative` (what else the caller's API offers, e.g. ragged or sparse outputs).
absl::Status DenseBatchShape(const OutputBatch& batch, int output_index,
                             tensorflow::TensorShape* shape, absl::string_view alternative = "");
// The shape a batch of shape `actual` is handed to TensorFlow with. `actual` itself when it is
// compatible with `declared`. Otherwise, when the two differ only by dimensions of size 1 (users
// declare [B, 1] labels as (B,), [B, 1, 28, 28] images as (B, 28, 28)), `declared` with its
// unknown dimensions filled in: the same elements in the same order, so a view of the same
// buffer. Any other difference is an error naming `what`, with both shapes.
absl::Status ResolveDeclaredShape(const tensorflow::TensorShape& actual,
                                  const tensorflow::PartialTensorShape& declared,
                                  const std::string& what, tensorflow::TensorShape* resolved);

// A TF tensor that aliases the DALI buffer of a CPU batch and holds a reference on it, released
// when TF drops the tensor. Returns false (and leaves `out` alone) when the batch cannot be
// aliased: not on the host, not contiguous, or not aligned as TF kernels require.
bool WrapHostBatch(const OutputBatch& batch, tensorflow::DataType dtype,
                   const tensorflow::TensorShape& shape, tensorflow::Tensor* out);

// The same for a CPU batch whose samples, of any shapes, lie back to back in one buffer: a TF
// tensor of `shape` (as many elements as the samples together) aliasing it, holding a reference
// on `list`, the batch's tensor list.
bool WrapHostSamples(const OutputBatch& batch, const TensorListHandle& list,
                     tensorflow::DataType dtype, const tensorflow::TensorShape& shape,
                     tensorflow::Tensor* out);

// Copies the whole batch (samples concatenated) into `dst` (host or device memory, as given by
// `dst_placement`). For device copies `stream` orders the copy; it is synchronous otherwise.
absl::Status CopyBatch(const OutputBatch& batch, void* dst, daliBufferPlacement_t dst_placement,
                       const cudaStream_t* stream, bool synchronous);

// The copies of one batch's outputs into TensorFlow's memory on a GPU (`placement.on_gpu`), each
// issued on TensorFlow's compute stream without waiting: TensorFlow's allocator reuses memory in
// that stream's order, so the kernels that read the outputs come after the copies. The host
// waits at most once per batch, on the last copy, and only when some source must not be released
// before the copies end:
//   - a host buffer (a DMA from pinned memory runs after the copy call returns);
//   - a buffer of another GPU (its release cannot be ordered on this GPU's stream);
//   - any output of an executor other than the dynamic one (DALI reuses those buffers at its
//     next iteration, whatever stream they are read on).
// Otherwise (the dynamic executor, outputs on this GPU) each source is associated with the
// stream, so DALI's release of it waits for the copy, and the host does not wait at all.
class GpuCopies {
 public:
  GpuCopies(const TensorPlacement& placement, bool sources_outlive_pop);
  // Without Finish (an error in the middle of a batch), copies may still be running from sources
  // that need a host wait: their references are then dropped without being released, so DALI
  // never reuses that memory under a running copy (at most one batch, on an error path).
  ~GpuCopies();
  GpuCopies(const GpuCopies&) = delete;
  GpuCopies& operator=(const GpuCopies&) = delete;

  // Copies `batch` (of `list`, referenced until Finish) to `dst` on the placement's GPU.
  absl::Status CopyBatch(const OutputBatch& batch, const TensorListHandle& list, void* dst);
  // Copies `values` (kept until Finish) to `dst`.
  absl::Status CopyHost(std::vector<int64_t> values, void* dst);
  // Issues the last copy, waiting for it (and all before it, on the same stream) if needed.
  absl::Status Finish();
  // Whether Finish waited on the host (for tests and benchmarks).
  bool waited() const { return waited_; }

 private:
  struct Pending {
    TensorListHandle source;
    void* dst = nullptr;
  };
  absl::Status Issue(Pending copy, bool synchronous);

  const TensorPlacement placement_;
  const bool sources_outlive_pop_;
  bool host_wait_ = false;
  bool waited_ = false;
  std::optional<Pending> held_;            // the latest copy, issued by the next one or by Finish
  std::vector<TensorListHandle> sources_;  // referenced until the copies end
  std::deque<std::vector<int64_t>> host_values_;
};

// A tensor of `shape` from `allocator`; ResourceExhausted naming it when it cannot allocate.
absl::Status NewTensor(tensorflow::Allocator* allocator, tensorflow::DataType dtype,
                       const tensorflow::TensorShape& shape, tensorflow::Tensor* out);

// A host tensor from `allocator` holding a copy of `batch` (on the host or a GPU), complete on
// return.
absl::Status CopyToHostTensor(const OutputBatch& batch, tensorflow::DataType dtype,
                              const tensorflow::TensorShape& shape,
                              tensorflow::Allocator* allocator, tensorflow::Tensor* out);

// Output `index` (`batch`, of `list`) as one dense tensor, for both ops: its dtype checked, its
// samples of one shape (else an error ending with `non_uniform_advice`), its shape resolved
// against `declared`. On the host (no `gpu_copies`): DALI's buffer itself where `may_alias` (the
// dynamic executor) and WrapHostBatch allow, else a copy into memory from `allocator`. On a GPU:
// a tensor from `allocator` (TensorFlow's GPU allocator) that `gpu_copies` fills on TensorFlow's
// stream; GPU outputs are copied device to device, as TensorFlow's allocator must own the memory
// its stream-ordered kernels reuse.
absl::Status DenseOutputTensor(const OutputBatch& batch, const TensorListHandle& list, int index,
                               tensorflow::DataType dtype,
                               const tensorflow::PartialTensorShape& declared,
                               absl::string_view non_uniform_advice, bool may_alias,
                               tensorflow::Allocator* allocator, GpuCopies* gpu_copies,
                               tensorflow::Tensor* out);

// Placements of plain host memory and of device memory on `device_id`.
daliBufferPlacement_t HostPlacement();
daliBufferPlacement_t DevicePlacement(int device_id);

}  // namespace dali_tf

#endif  // DALI_TF_CC_COMMON_OUTPUT_BATCH_H_
