// The legacy Dali op (TF1 sessions): a stateful op without inputs that runs a serialized DALI
// pipeline and yields one batch of every pipeline output per call, dense or sparse.
// The layout of its `data` output list is described in op_config.h.
#include <algorithm>
#include <memory>
#include <optional>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "cc/common/dali_handles.h"
#include "cc/common/dali_pipeline.h"
#include "cc/common/output_batch.h"
#include "cc/common/tensor_placement.h"
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

// Writes `values` into the int64 tensor `out`: directly on the host, or (GPU) through `copies`.
absl::Status FillInt64(std::vector<int64_t> values, GpuCopies* copies, Tensor* out) {
  if (copies != nullptr) return copies->CopyHost(std::move(values), out->data());
  std::copy(values.begin(), values.end(), out->flat<int64_t>().data());
  return absl::OkStatus();
}

}  // namespace

// Registered by hand rather than with REGISTER_OP, so that the pipeline options' attributes come
// from their one list (AddPipelineOptionAttrs).
const tensorflow::InitOnStartupMarker kDaliOpRegistered = [] {
  tensorflow::register_op::OpDefBuilderWrapper op("Dali");
  AddPipelineOptionAttrs(op);
  op.Attr(absl::StrCat(LegacyOpConfig::kShapes, ": list(shape) >= 1"))
      .Attr(absl::StrCat(LegacyOpConfig::kSparse, ": list(bool) = []"))
      .Output(absl::StrCat("data: ", LegacyOpConfig::kDtypes))
      .Attr(absl::StrCat(LegacyOpConfig::kDtypes,
                         ": list({half, float, uint8, int16, int32, int64}) >= 1"))
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
num_threads, device_id, batch_size, seed and the queue depths: -1 keeps the serialized value,
except batch_size, which is then inferred from the first dimension declared for a dense output.
device_id -2: the op's GPU (a pipeline that left its device unset); -99999: CPU only.
)doc");
  return op();
}();

class DaliOp : public tensorflow::OpKernel {
 public:
  explicit DaliOp(tensorflow::OpKernelConstruction* context)
      : OpKernel(context), placement_(KernelPlacement(*context)) {
    OP_REQUIRES_OK(context, ReadLegacyOpConfig(context, &config_));
    // A pipeline without a device runs on the op's GPU; one on another GPU is refused (the op
    // has no fail_on_device_mismatch to ask for copies between GPUs).
    const PipelineOptions options = OnDevice(config_.pipeline, placement_.gpu_id);
    OP_REQUIRES(
        context,
        !placement_.on_gpu || options.device_id < 0 || options.device_id == placement_.gpu_id,
        absl::InvalidArgumentError(absl::StrCat(
            "The Dali op is placed on ", placement_.Describe(),
            " but its DALI pipeline runs on GPU ", options.device_id,
            " (device_id=", options.device_id, "): pass device_id=", placement_.gpu_id,
            " (or leave the pipeline's device_id unset), or place the op on that GPU")));
    OP_REQUIRES_OK(context, DaliPipeline::Create(options, &pipeline_));
    const size_t num_outputs = pipeline_->outputs().size();
    OP_REQUIRES(context, num_outputs == config_.plan.size(),
                absl::InvalidArgumentError(absl::StrCat(
                    "The DALI pipeline has ", num_outputs, " outputs but ", config_.plan.size(),
                    " were declared (one entry of dtypes/shapes per output, three for a sparse "
                    "output)")));
    pop_on_stream_ =
        placement_.on_gpu && options.exec_dynamic && options.device_id == placement_.gpu_id;
    OP_REQUIRES_OK(context, pipeline_->Prefetch());
  }

  void Compute(OpKernelContext* context) override {
    absl::MutexLock lock(&mu_);
    OP_REQUIRES_OK(context, NextBatch(context, WithStream(placement_, context)));
  }

 private:
  // Pops a batch, fills the op's outputs and schedules the run that replaces it in the queue.
  absl::Status NextBatch(OpKernelContext* context, const TensorPlacement& placement)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    // Once a run could not be scheduled the queue is short of an iteration: popping again
    // could wait for one that never comes.
    TF_RETURN_IF_ERROR(run_error_);
    OutputsHandle outputs;
    // A failed iteration (e.g. a corrupt file) is consumed too; whether the next one can
    // succeed is up to DALI's executor (the dynamic one carries on, the others fail again).
    absl::Status result = pop_on_stream_ ? pipeline_->PopOutputsOn(placement.stream, &outputs)
                                         : pipeline_->PopOutputs(&outputs);
    if (result.ok()) result = FillOutputs(context, placement, outputs.get());
    // Released before Run: without the dynamic executor only prefetch-depth sets may be live.
    outputs.reset();
    run_error_ = pipeline_->Run();
    return result.ok() ? run_error_ : result;
  }

  absl::Status FillOutputs(OpKernelContext* context, const TensorPlacement& placement,
                           daliPipelineOutputs_h outputs) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    // On a GPU every output is copied into TensorFlow's memory on its stream (see GpuCopies).
    std::optional<GpuCopies> gpu_copies;
    if (placement.on_gpu) gpu_copies.emplace(placement, pipeline_->outputs_outlive_pop());
    GpuCopies* copies = gpu_copies ? &*gpu_copies : nullptr;
    for (int index = 0; index < static_cast<int>(config_.plan.size()); ++index) {
      const PlannedOutput& planned = config_.plan[index];
      TensorListHandle list;
      TF_RETURN_IF_ERROR(pipeline_->GetOutput(outputs, index, &list));
      OutputBatch batch;
      TF_RETURN_IF_ERROR(DescribeOutput(list.get(), &batch));
      TF_RETURN_IF_ERROR(CheckOutputDtype(batch, index, config_.dtypes[planned.values_slot()]));
      TF_RETURN_IF_ERROR(planned.sparse ? FillSparse(context, index, planned, batch, list, copies)
                                        : FillDense(context, index, planned, batch, list, copies));
    }
    return copies != nullptr ? copies->Finish() : absl::OkStatus();
  }

  absl::Status FillDense(OpKernelContext* context, int index, const PlannedOutput& planned,
                         const OutputBatch& batch, const TensorListHandle& list, GpuCopies* copies)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    const int slot = planned.first_slot;
    Tensor out;
    TF_RETURN_IF_ERROR(DenseOutputTensor(
        batch, list, index, config_.dtypes[slot], config_.shapes[slot],
        "declare a sparse output (sparse=[...])", pipeline_->outputs_outlive_pop(),
        context->get_allocator(tensorflow::AllocatorAttributes()), copies, &out));
    context->set_output(slot, out);
    return absl::OkStatus();
  }

  absl::Status FillSparse(OpKernelContext* context, int index, const PlannedOutput& planned,
                          const OutputBatch& batch, const TensorListHandle& list, GpuCopies* copies)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
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
    TF_RETURN_IF_ERROR(CopyInto(batch, list, copies, values));
    std::vector<int64_t> index_values(indices->NumElements());
    WriteSparseIndices(batch, index_values.data());
    TF_RETURN_IF_ERROR(FillInt64(std::move(index_values), copies, indices));
    std::vector<int64_t> shape_values(size.rank);
    WriteDenseShape(batch, shape_values.data());
    return FillInt64(std::move(shape_values), copies, dense_shape);
  }

  // Copies the batch (samples concatenated) into `out`: on the host, complete on return (without
  // the dynamic executor the DALI buffer is reused once the outputs are released); on a GPU,
  // through `copies`.
  static absl::Status CopyInto(const OutputBatch& batch, const TensorListHandle& list,
                               GpuCopies* copies, Tensor* out) {
    if (out->NumElements() == 0) return absl::OkStatus();
    if (copies != nullptr) return copies->CopyBatch(batch, list, out->data());
    return CopyBatch(batch, out->data(), HostPlacement(), nullptr, /*synchronous=*/true);
  }

  const TensorPlacement placement_;
  LegacyOpConfig config_;
  absl::Mutex mu_;
  // Destroyed with the kernel; no output set is held between calls, so nothing outlives it
  // except zero-copy tensors, which keep their own references on DALI's buffers.
  std::unique_ptr<DaliPipeline> pipeline_ ABSL_GUARDED_BY(mu_);
  // Outputs are popped ready on TensorFlow's stream: the dynamic executor on the op's GPU.
  bool pop_on_stream_ = false;
  absl::Status run_error_ ABSL_GUARDED_BY(mu_);
};

REGISTER_KERNEL_BUILDER(Name("Dali").Device(tensorflow::DEVICE_CPU), DaliOp);
#if GOOGLE_CUDA
REGISTER_KERNEL_BUILDER(Name("Dali").Device(tensorflow::DEVICE_GPU), DaliOp);
#endif

}  // namespace dali_tf
