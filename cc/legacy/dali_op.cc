// The legacy Dali op (TF1 sessions): a stateful op without inputs that runs a serialized DALI
// pipeline and yields one batch of every pipeline output per call, dense or sparse.
// The layout of its `data` output list is described in op_config.h.
#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "cc/common/dali_handles.h"
#include "cc/common/dali_pipeline.h"
#include "cc/common/gpu_device.h"
#include "cc/common/output_batch.h"
#include "cc/legacy/host_output_copy.h"
#include "cc/legacy/op_config.h"
#include "cc/legacy/sparse_output.h"
#include "tensorflow/core/framework/op.h"
#include "tensorflow/core/framework/op_kernel.h"
#include "tensorflow/core/framework/shape_inference.h"

namespace dali_tf {
namespace {

using tensorflow::OpKernelContext;
using tensorflow::Tensor;
using tensorflow::TensorShape;
using tensorflow::shape_inference::InferenceContext;
using tensorflow::shape_inference::ShapeHandle;

// Dense outputs have their declared shapes (DeclaredShapes: rank 0 or missing is unknown); a
// sparse output's three tensors have the rank its declared shape gives, or an unknown one. The
// attributes are checked here too, so that a bad combination fails when the op is created.
absl::Status DaliShapeFn(InferenceContext* c) {
  std::vector<tensorflow::PartialTensorShape> shapes;
  tensorflow::DataTypeVector dtypes;
  std::vector<bool> sparse;
  int batch_size = kKeepSerialized;
  TF_RETURN_IF_ERROR(c->GetAttr(LegacyOpConfig::kShapes, &shapes));
  TF_RETURN_IF_ERROR(c->GetAttr(LegacyOpConfig::kDtypes, &dtypes));
  TF_RETURN_IF_ERROR(c->GetAttr(LegacyOpConfig::kSparse, &sparse));
  TF_RETURN_IF_ERROR(c->GetAttr(PipelineOptions::kBatchSize, &batch_size));
  std::vector<PlannedOutput> plan;
  TF_RETURN_IF_ERROR(PlanOutputs(dtypes, shapes.size(), sparse, &plan));
  const std::vector<tensorflow::PartialTensorShape> declared =
      DeclaredShapes(shapes, dtypes.size());
  if (batch_size == kKeepSerialized)
    TF_RETURN_IF_ERROR(InferBatchSize(plan, declared, &batch_size));

  std::vector<ShapeHandle> outputs(declared.size());
  for (size_t slot = 0; slot < declared.size(); ++slot) {
    TF_RETURN_IF_ERROR(c->MakeShapeFromPartialTensorShape(declared[slot], &outputs[slot]));
  }
  for (const PlannedOutput& output : plan) {
    if (!output.sparse) continue;
    // A sparse output's declared shapes are hints (NVIDIA's plugin passes (B, 1), (B,) and ()
    // there): only the rank its dense_shape declares counts. Indices are [N, rank], values [N].
    ShapeHandle& dense_shape = outputs[output.dense_shape_slot()];
    if (declared[output.dense_shape_slot()].dims() != 1) dense_shape = c->Vector(c->UnknownDim());
    outputs[output.first_slot] = c->Matrix(c->UnknownDim(), c->Dim(dense_shape, 0));
    outputs[output.values_slot()] = c->Vector(c->UnknownDim());
  }
  for (size_t slot = 0; slot < outputs.size(); ++slot) c->set_output(slot, outputs[slot]);
  return absl::OkStatus();
}

// Where a produced tensor lives and how copies into it are ordered.
struct OutputTarget {
  daliBufferPlacement_t placement;
  const cudaStream_t* stream;  // TF's compute stream for device memory; null for host memory
  bool on_host() const { return placement.device_type == DALI_STORAGE_CPU; }
};

// Copies the batch (samples concatenated) into `out`, complete on return: without the dynamic
// executor the DALI buffer is reused as soon as the outputs are released.
absl::Status CopyBatchInto(const OutputBatch& batch, const OutputTarget& target, Tensor* out) {
  if (out->NumElements() == 0) return absl::OkStatus();
  return CopyBatch(batch, out->data(), target.placement, target.stream, /*synchronous=*/true);
}

// Fills an int64 tensor with `write`, directly on the host or through a host buffer.
template <typename Write>
absl::Status FillInt64(const OutputTarget& target, Tensor* out, Write write) {
  if (target.on_host()) {
    write(out->flat<int64_t>().data());
    return absl::OkStatus();
  }
  std::vector<int64_t> host(out->NumElements());
  write(host.data());
  return CopyHostBuffer(host.data(), host.size() * sizeof(int64_t), out->data(), target.placement,
                        target.stream);
}

}  // namespace

REGISTER_OP("Dali")
    .Attr("serialized_pipeline: string")
    .Attr("shapes: list(shape) >= 1")
    .Attr("num_threads: int = -1")
    .Attr("device_id: int = -1")
    .Attr("exec_separated: bool = false")
    .Attr("exec_dynamic: bool = false")
    .Attr("gpu_prefetch_queue_depth: int = 2")
    .Attr("cpu_prefetch_queue_depth: int = 2")
    .Attr("sparse: list(bool) = []")
    .Attr("batch_size: int = -1")
    .Attr("enable_memory_stats: bool = false")
    .Output("data: dtypes")
    .Attr("dtypes: list({half, float, uint8, int16, int32, int64}) >= 1")
    // Each call yields the next batch: it must never be constant-folded or deduplicated.
    .SetIsStateful()
    .SetShapeFn(DaliShapeFn)
    .Doc(R"doc(
Runs a serialized DALI pipeline; each call yields the next batch of every pipeline output.
A dense output produces one tensor; a sparse output (sparse[i] true) produces three in place:
indices (int64 [N, ndim], sample index first), values ([N]) and dense_shape (int64 [ndim]).
dtypes and shapes have one entry per produced tensor, sparse one per pipeline output. As in
NVIDIA's plugin, sparse may be shorter (the other outputs are dense), shapes may be shorter (the
other tensors have unknown shapes), and a shape of rank 0, `()`, is unknown.
num_threads, device_id, batch_size and the queue depths: -1 keeps the serialized value, except
batch_size, which is then inferred from the first dimension declared for a dense output.
)doc");

class DaliOp : public tensorflow::OpKernel {
 public:
  explicit DaliOp(tensorflow::OpKernelConstruction* context) : OpKernel(context) {
    OP_REQUIRES_OK(context, ReadLegacyOpConfig(context, &config_));
    OP_REQUIRES_OK(context, DaliPipeline::Create(config_.pipeline, &pipeline_));
    const size_t num_outputs = pipeline_->outputs().size();
    OP_REQUIRES(context, num_outputs == config_.plan.size(),
                absl::InvalidArgumentError(absl::StrCat(
                    "The DALI pipeline has ", num_outputs, " outputs but ", config_.plan.size(),
                    " were declared (one entry of dtypes/shapes per output, three for a sparse "
                    "output)")));
    OP_REQUIRES_OK(context, pipeline_->Prefetch());
  }

  void Compute(OpKernelContext* context) override {
    absl::MutexLock lock(&mu_);
    OP_REQUIRES_OK(context, NextBatch(context));
  }

 private:
  // Pops a batch, fills the op's outputs and schedules the run that replaces it in the queue.
  absl::Status NextBatch(OpKernelContext* context) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    // Once a run could not be scheduled the queue is short of an iteration: popping again
    // could wait for one that never comes.
    TF_RETURN_IF_ERROR(run_error_);
    OutputsHandle outputs;
    // A failed iteration (e.g. a corrupt file) is consumed too; whether the next one can
    // succeed is up to DALI's executor (the dynamic one carries on, the others fail again).
    absl::Status result = pipeline_->PopOutputs(&outputs);
    if (result.ok()) result = FillOutputs(context, outputs.get());
    // Released before Run: without the dynamic executor only prefetch-depth sets may be live.
    outputs.reset();
    run_error_ = pipeline_->Run();
    return result.ok() ? run_error_ : result;
  }

  absl::Status FillOutputs(OpKernelContext* context, daliPipelineOutputs_h outputs)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    for (int index = 0; index < static_cast<int>(config_.plan.size()); ++index) {
      const PlannedOutput& planned = config_.plan[index];
      TensorListHandle list;
      TF_RETURN_IF_ERROR(pipeline_->GetOutput(outputs, index, &list));
      OutputBatch batch;
      TF_RETURN_IF_ERROR(DescribeOutput(list.get(), &batch));
      TF_RETURN_IF_ERROR(CheckOutputDtype(batch, index, config_.dtypes[planned.values_slot()]));
      TF_RETURN_IF_ERROR(planned.sparse ? FillSparse(context, index, planned, batch)
                                        : FillDense(context, index, planned, batch));
    }
    return absl::OkStatus();
  }

  absl::Status FillDense(OpKernelContext* context, int index, const PlannedOutput& planned,
                         const OutputBatch& batch) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    const int slot = planned.first_slot;
    TensorShape batch_shape, shape;
    TF_RETURN_IF_ERROR(
        DenseBatchShape(batch, index, &batch_shape, "declare a sparse output (sparse=[...])"));
    TF_RETURN_IF_ERROR(ResolveDeclaredShape(batch_shape, config_.shapes[slot],
                                            absl::StrCat("Output ", index, " of the DALI pipeline"),
                                            &shape));
    const OutputTarget target = TargetOf(context, slot);
    // Zero-copy: only the dynamic executor lets outputs outlive their release.
    if (target.on_host() && pipeline_->outputs_outlive_pop()) {
      Tensor aliased;
      if (WrapHostBatch(batch, config_.dtypes[slot], shape, &aliased)) {
        context->set_output(slot, aliased);
        return absl::OkStatus();
      }
    }
    Tensor* out = nullptr;
    TF_RETURN_IF_ERROR(context->allocate_output(slot, shape, &out));
    return CopyBatchInto(batch, target, out);
  }

  absl::Status FillSparse(OpKernelContext* context, int index, const PlannedOutput& planned,
                          const OutputBatch& batch) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    const SparseSize size = SparseSizeOf(batch);
    // Only the rank is declared for a sparse output (see DaliShapeFn).
    const tensorflow::PartialTensorShape& declared = config_.shapes[planned.dense_shape_slot()];
    if (declared.dims() == 1 && declared.dim_size(0) >= 0 && declared.dim_size(0) != size.rank) {
      return absl::InvalidArgumentError(absl::StrCat("Sparse output ", index,
                                                     " of the DALI pipeline has rank ", size.rank,
                                                     " (the batch dimension and ", size.rank - 1,
                                                     " sample dimensions) but its declared "
                                                     "shape has rank ",
                                                     declared.dim_size(0)));
    }
    Tensor* indices = nullptr;
    Tensor* values = nullptr;
    Tensor* dense_shape = nullptr;
    TF_RETURN_IF_ERROR(context->allocate_output(
        planned.first_slot, TensorShape({size.num_values, size.rank}), &indices));
    TF_RETURN_IF_ERROR(
        context->allocate_output(planned.values_slot(), TensorShape({size.num_values}), &values));
    TF_RETURN_IF_ERROR(context->allocate_output(planned.dense_shape_slot(),
                                                TensorShape({size.rank}), &dense_shape));
    TF_RETURN_IF_ERROR(CopyBatchInto(batch, TargetOf(context, planned.values_slot()), values));
    TF_RETURN_IF_ERROR(FillInt64(TargetOf(context, planned.first_slot), indices,
                                 [&batch](int64_t* data) { WriteSparseIndices(batch, data); }));
    return FillInt64(TargetOf(context, planned.dense_shape_slot()), dense_shape,
                     [&batch](int64_t* data) { WriteDenseShape(batch, data); });
  }

  OutputTarget TargetOf(OpKernelContext* context, int slot) const {
#if GOOGLE_CUDA
    if (context->device()->device_type() == tensorflow::DEVICE_GPU &&
        context->output_memory_type(slot) == tensorflow::DEVICE_MEMORY) {
      return {DevicePlacement(CudaOrdinal(*context->device())),
              &context->eigen_gpu_device().stream()};
    }
#endif
    return {HostPlacement(), nullptr};
  }

  LegacyOpConfig config_;
  absl::Mutex mu_;
  // Destroyed with the kernel; no output set is held between calls, so nothing outlives it
  // except zero-copy tensors, which keep their own references on DALI's buffers.
  std::unique_ptr<DaliPipeline> pipeline_ ABSL_GUARDED_BY(mu_);
  absl::Status run_error_ ABSL_GUARDED_BY(mu_);
};

REGISTER_KERNEL_BUILDER(Name("Dali").Device(tensorflow::DEVICE_CPU), DaliOp);
#if GOOGLE_CUDA
REGISTER_KERNEL_BUILDER(Name("Dali").Device(tensorflow::DEVICE_GPU), DaliOp);
#endif

}  // namespace dali_tf
