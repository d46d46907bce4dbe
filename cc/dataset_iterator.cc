#include "cc/dataset_iterator.h"

#include <string>

#include "cc/checkpoint_state.h"
#include "cc/output_tensors.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace dali_tf {

namespace {

using tensorflow::data::IteratorContext;

constexpr char kPipelineStateKey[] = "dali_pipeline_state";

}  // namespace

DaliDatasetIterator::DaliDatasetIterator(const Params& params)
    : tensorflow::data::DatasetIterator<DaliDataset>(params) {}

absl::Status DaliDatasetIterator::Initialize(IteratorContext* ctx) {
  // GPU tensors can only be handed to an iterator on the same GPU: a dataset applied after a
  // GPU-placed DALIDataset runs on the CPU and would get device memory it cannot read.
  if (dataset()->placement().on_gpu && ctx->accelerator_device_info() == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        "A DALIDataset placed on ", dataset()->placement().device_name,
        " must be the last dataset of the input pipeline (its iterator must run on that GPU). "
        "Apply other transformations to its inputs, or place it on the CPU."));
  }
  absl::MutexLock lock(&mu_);
  return BuildPipelineLocked();
}

absl::Status DaliDatasetIterator::BuildPipelineLocked() {
  started_ = false;
  failure_ = absl::OkStatus();
  pipeline_.reset();
  TF_RETURN_IF_ERROR(DaliPipeline::Create(dataset()->attrs().pipeline, &pipeline_));
  size_t declared = dataset()->output_dtypes().size();
  if (pipeline_->outputs().size() != declared) {
    return absl::InvalidArgumentError(absl::StrCat(
        "The DALI pipeline has ", pipeline_->outputs().size(), " outputs but ", declared,
        " output_dtypes were given: declare one dtype (and shape) per pipeline output"));
  }
  if (!pipeline_->inputs().empty()) {
    std::vector<std::string> names;
    for (const IODesc& input : pipeline_->inputs()) names.push_back(input.name);
    return absl::InvalidArgumentError(absl::StrCat(
        "The DALI pipeline has external inputs (", absl::StrJoin(names, ", "),
        ") that DALIDataset cannot feed: use dali_tf.experimental.DALIDatasetWithInputs"));
  }
  return absl::OkStatus();
}

absl::Status DaliDatasetIterator::StartPipelineLocked(IteratorContext*) {
  TF_RETURN_IF_ERROR(pipeline_->Prefetch());
  started_ = true;
  return absl::OkStatus();
}

absl::Status DaliDatasetIterator::PopElementLocked(IteratorContext* ctx,
                                                   std::vector<tensorflow::Tensor>* element) {
  OutputsHandle outputs;
  TF_RETURN_IF_ERROR(pipeline_->PopOutputs(&outputs));
  // Converted before `outputs` is released: other executors than the dynamic one reuse the
  // buffers from then on. Zero-copy tensors keep their own references.
  return OutputsToTensors(*pipeline_, outputs.get(), dataset()->output_dtypes(),
                          dataset()->output_shapes(), dataset()->placement(),
                          ctx->allocator(tensorflow::AllocatorAttributes()), element);
}

absl::Status DaliDatasetIterator::ScheduleNextIterationLocked(IteratorContext*) {
  return pipeline_->Run();
}

absl::Status DaliDatasetIterator::NextElementLocked(IteratorContext* ctx,
                                                    std::vector<tensorflow::Tensor>* element) {
  if (!started_) TF_RETURN_IF_ERROR(StartPipelineLocked(ctx));
  TF_RETURN_IF_ERROR(PopElementLocked(ctx, element));
  return ScheduleNextIterationLocked(ctx);
}

absl::Status DaliDatasetIterator::GetNextInternal(IteratorContext* ctx,
                                                  std::vector<tensorflow::Tensor>* out_tensors,
                                                  bool* end_of_sequence) {
  absl::MutexLock lock(&mu_);
  TF_RETURN_IF_ERROR(failure_);
  absl::Status status = NextElementLocked(ctx, out_tensors);
  if (!status.ok()) {
    failure_ = status;
    out_tensors->clear();
    return status;
  }
  *end_of_sequence = false;
  return absl::OkStatus();
}

absl::Status DaliDatasetIterator::SaveInternal(tensorflow::data::SerializationContext*,
                                               tensorflow::data::IteratorStateWriter* writer) {
  absl::MutexLock lock(&mu_);
  TF_RETURN_IF_ERROR(failure_);
  std::string state;
  TF_RETURN_IF_ERROR(SerializePipelineState(pipeline_->handle(), &state));
  return writer->WriteScalar(prefix(), kPipelineStateKey, tensorflow::tstring(state));
}

absl::Status DaliDatasetIterator::RestoreInternal(IteratorContext*,
                                                  tensorflow::data::IteratorStateReader* reader) {
  absl::MutexLock lock(&mu_);
  tensorflow::tstring state;
  TF_RETURN_IF_ERROR(reader->ReadScalar(prefix(), kPipelineStateKey, &state));
  // DALI restores a checkpoint only before the pipeline's first Prefetch.
  if (started_ || !failure_.ok()) TF_RETURN_IF_ERROR(BuildPipelineLocked());
  return RestorePipelineState(pipeline_->handle(), std::string(state));
}

std::shared_ptr<tensorflow::data::model::Node> DaliDatasetIterator::CreateNode(
    IteratorContext*, tensorflow::data::model::Node::Args args) const {
  return tensorflow::data::model::MakeSourceNode(std::move(args));
}

}  // namespace dali_tf
