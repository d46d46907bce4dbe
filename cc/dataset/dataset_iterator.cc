#include "cc/dataset/dataset_iterator.h"

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cc/common/gpu_device.h"
#include "cc/dataset/checkpoint_identity.h"
#include "cc/dataset/checkpoint_state.h"
#include "cc/dataset/output_placement.h"
#include "cc/dataset/output_tensors.h"

namespace dali_tf {

namespace {

using tensorflow::data::IteratorContext;

constexpr char kPipelineStateKey[] = "dali_pipeline_state";
constexpr char kEpochEndedKey[] = "epoch_ended";

// PARTIAL: the last batch of an epoch keeps its first `samples` samples (a view, no copy).
absl::Status CutBatch(int64_t samples, std::vector<tensorflow::Tensor>* element) {
  for (size_t i = 0; i < element->size(); ++i) {
    tensorflow::Tensor& output = (*element)[i];
    if (output.dims() < 1 || output.dtype() == tensorflow::DT_VARIANT) {
      return absl::UnimplementedError(absl::StrCat(
          "last_batch_policy=partial cannot shorten output ", i, " (",
          tensorflow::DataTypeString(output.dtype()), " ", output.shape().DebugString(),
          "): it needs a batch dimension, and ragged outputs cannot be shortened"));
    }
    output = output.Slice(0, std::min(samples, output.dim_size(0)));
  }
  return absl::OkStatus();
}

}  // namespace

DaliDatasetIterator::DaliDatasetIterator(const Params& params)
    : tensorflow::data::DatasetIterator<DaliDataset>(params) {}

absl::Status DaliDatasetIterator::Initialize(IteratorContext* ctx) {
  // GPU tensors can only be handed to an iterator on the same GPU: a dataset applied after a
  // GPU-placed DALIDataset runs on the CPU and would get device memory it cannot read.
  if (dataset()->placement().on_gpu && IteratorCudaOrdinal(ctx) < 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "A DALIDataset placed on ", dataset()->placement().device_name,
        " must be the last dataset of the input pipeline (its iterator must run on that GPU). "
        "Apply other transformations to its inputs, or place it on the CPU."));
  }
  absl::MutexLock lock(&mu_);
  const DaliDatasetAttrs& attrs = dataset()->attrs();
  const TensorPlacement& placement = dataset()->placement();
  // Outputs popped for TensorFlow's stream are ready on it without a host wait: the dynamic
  // executor of a pipeline on the dataset's own GPU.
  pop_on_stream_ = placement.on_gpu && attrs.pipeline.exec_dynamic &&
                   OnDevice(attrs.pipeline, placement.gpu_id).device_id == placement.gpu_id;
  if (!dataset()->inputs().empty()) {
    std::vector<InputSpec> specs = attrs.inputs;
    feeder_ = std::make_unique<InputFeeder>(std::move(specs), attrs.pipeline.batch_size,
                                            dataset()->placement());
    feeder_->set_partial_last_batch(attrs.epochs.last_batch_policy == LastBatchPolicy::kPartial);
    TF_RETURN_IF_ERROR(feeder_->MakeIterators(ctx, dataset()->inputs(), this, prefix()));
  }
  if (attrs.epochs.has_epochs()) {
    // The next epoch of a pipeline another iterator left: taken when this one is first used.
    take_pending_ = !feeder_ && dataset()->handover().HasParked();
    if (take_pending_) return absl::OkStatus();
    epochs_.emplace(attrs.epochs, attrs.pipeline.batch_size);
  }
  return BuildPipelineLocked();
}

absl::Status DaliDatasetIterator::TakeOrBuildPipelineLocked() {
  if (!take_pending_) return absl::OkStatus();
  take_pending_ = false;
  ParkedPipeline parked;
  if (dataset()->handover().Take(&parked)) {
    pipeline_ = std::move(parked.pipeline);
    epochs_ = std::move(parked.epochs);
    started_ = true;  // parked pipelines are prefetched
    return absl::OkStatus();
  }
  epochs_.emplace(dataset()->attrs().epochs, dataset()->attrs().pipeline.batch_size);
  return BuildPipelineLocked();
}

absl::Status DaliDatasetIterator::BuildPipelineLocked() {
  started_ = false;
  in_flight_ = 0;
  inputs_ended_ = false;
  failure_ = absl::OkStatus();
  pipeline_.reset();
  const DaliDatasetAttrs& attrs = dataset()->attrs();
  const TensorPlacement& placement = dataset()->placement();
  const PipelineOptions options = OnDevice(attrs.pipeline, placement.gpu_id);
  TF_RETURN_IF_ERROR(DaliPipeline::Create(options, &pipeline_));
  size_t declared = dataset()->output_dtypes().size();
  if (pipeline_->outputs().size() != declared) {
    return absl::InvalidArgumentError(absl::StrCat(
        "The DALI pipeline has ", pipeline_->outputs().size(), " outputs but ", declared,
        " output_dtypes were given: declare one dtype (and shape) per pipeline output"));
  }
  TF_RETURN_IF_ERROR(
      CheckOutputDevices(placement, pipeline_->outputs(), attrs.fail_on_device_mismatch));

  if (feeder_) return feeder_->CheckAgainst(*pipeline_);
  if (!pipeline_->inputs().empty()) {
    std::vector<std::string> names;
    for (const IODesc& input : pipeline_->inputs()) names.push_back(input.name);
    return absl::InvalidArgumentError(absl::StrCat(
        "The DALI pipeline has external inputs (", absl::StrJoin(names, ", "),
        ") that DALIDataset cannot feed: use dali_tf.experimental.DALIDatasetWithInputs"));
  }
  return absl::OkStatus();
}

absl::Status DaliDatasetIterator::StartPipelineLocked(IteratorContext* ctx) {
  started_ = true;
  if (!feeder_) return pipeline_->Prefetch();
  // Fed and run one batch at a time (rather than Prefetch after feeding the whole depth), so an
  // input shorter than the prefetch depth still yields its batches.
  int depth = 0;
  TF_RETURN_IF_ERROR(pipeline_->FeedCount(feeder_->specs().front().name, &depth));
  for (int i = 0; i < depth && !inputs_ended_; ++i) {
    bool fed = false;
    TF_RETURN_IF_ERROR(FeedAndRunLocked(ctx, &fed));
  }
  return absl::OkStatus();
}

absl::Status DaliDatasetIterator::FeedAndRunLocked(IteratorContext* ctx, bool* fed) {
  *fed = false;
  if (inputs_ended_) return absl::OkStatus();
  bool end_of_data = false;
  TF_RETURN_IF_ERROR(feeder_->FeedBatch(ctx, pipeline_.get(), &end_of_data));
  if (end_of_data) {
    inputs_ended_ = true;
    return absl::OkStatus();
  }
  TF_RETURN_IF_ERROR(pipeline_->Run());
  ++in_flight_;
  *fed = true;
  return absl::OkStatus();
}

absl::Status DaliDatasetIterator::PopElementLocked(IteratorContext* ctx,
                                                   std::vector<tensorflow::Tensor>* element) {
  OutputsHandle outputs;
  TF_RETURN_IF_ERROR(pop_on_stream_
                         ? pipeline_->PopOutputsOn(dataset()->placement().stream, &outputs)
                         : pipeline_->PopOutputs(&outputs));
  // Converted before `outputs` is released: other executors than the dynamic one reuse the
  // buffers from then on. Zero-copy tensors keep their own references.
  return OutputsToTensors(*pipeline_, outputs.get(), dataset()->attrs().output_dtypes,
                          dataset()->attrs().output_shapes, dataset()->attrs().output_ragged,
                          dataset()->placement(), ctx->allocator(tensorflow::AllocatorAttributes()),
                          element);
}

absl::Status DaliDatasetIterator::ScheduleNextIterationLocked(IteratorContext* ctx) {
  if (!feeder_) return pipeline_->Run();
  bool fed = false;
  return FeedAndRunLocked(ctx, &fed);
}

absl::Status DaliDatasetIterator::NextElementLocked(IteratorContext* ctx,
                                                    std::vector<tensorflow::Tensor>* element,
                                                    bool* end_of_sequence) {
  if (epoch_ended_) {
    *end_of_sequence = true;
    return absl::OkStatus();
  }
  TF_RETURN_IF_ERROR(TakeOrBuildPipelineLocked());
  if (!started_) TF_RETURN_IF_ERROR(StartPipelineLocked(ctx));
  if (epochs_ && epochs_->EpochComplete()) {  // an epoch of no batch (DROP)
    *end_of_sequence = true;
    return FinishEpochLocked();
  }
  if (feeder_ && in_flight_ == 0) {  // the inputs ended and every batch fed came out
    *end_of_sequence = true;
    return absl::OkStatus();
  }
  TF_RETURN_IF_ERROR(PopElementLocked(ctx, element));
  if (feeder_) {
    --in_flight_;
    feeder_->BatchConsumed();
  }
  *end_of_sequence = false;
  TF_RETURN_IF_ERROR(ScheduleNextIterationLocked(ctx));
  if (!epochs_) return absl::OkStatus();
  const int64_t keep = epochs_->CountBatch();
  if (keep < 0) {  // DROP: the incomplete last batch
    element->clear();
    *end_of_sequence = true;
    return FinishEpochLocked();
  }
  if (keep < dataset()->attrs().pipeline.batch_size) TF_RETURN_IF_ERROR(CutBatch(keep, element));
  // The epoch's last batch: the next iterator may come before this one is asked for the end.
  if (epochs_->EpochComplete()) return FinishEpochLocked();
  return absl::OkStatus();
}

absl::Status DaliDatasetIterator::FinishEpochLocked() {
  epoch_ended_ = true;
  // With input datasets the next iterator starts over, inputs and pipeline alike.
  if (feeder_ || !pipeline_) return absl::OkStatus();
  if (!started_) TF_RETURN_IF_ERROR(pipeline_->Prefetch());  // restored, not run yet
  started_ = true;
  if (epochs_->DropPending()) {  // the batch DROP drops is the next one
    OutputsHandle dropped;
    TF_RETURN_IF_ERROR(pipeline_->PopOutputs(&dropped));
    TF_RETURN_IF_ERROR(pipeline_->Run());
    epochs_->CountBatch();
  }
  epochs_->StartNextEpoch();
  // For a checkpoint of this iterator from now on; none without enable_checkpointing.
  if (!SerializePipelineState(pipeline_->handle(), &next_epoch_state_).ok()) {
    next_epoch_state_.clear();
  }
  return HandOverLocked();
}

absl::Status DaliDatasetIterator::HandOverLocked() {
  if (!started_) TF_RETURN_IF_ERROR(pipeline_->Prefetch());
  dataset()->handover().Park(ParkedPipeline{std::move(pipeline_), *epochs_});
  started_ = false;
  return absl::OkStatus();
}

absl::Status DaliDatasetIterator::GetNextInternal(IteratorContext* ctx,
                                                  std::vector<tensorflow::Tensor>* out_tensors,
                                                  bool* end_of_sequence) {
  absl::MutexLock lock(&mu_);
  TF_RETURN_IF_ERROR(failure_);
  absl::Status status = NextElementLocked(ctx, out_tensors, end_of_sequence);
  if (!status.ok()) {
    failure_ = status;
    out_tensors->clear();
    return status;
  }
  return absl::OkStatus();
}

absl::Status DaliDatasetIterator::SaveInternal(tensorflow::data::SerializationContext* ctx,
                                               tensorflow::data::IteratorStateWriter* writer) {
  absl::MutexLock lock(&mu_);
  TF_RETURN_IF_ERROR(failure_);
  TF_RETURN_IF_ERROR(
      SaveDatasetIdentity(dataset()->attrs(), dataset()->inputs(), writer, prefix()));
  TF_RETURN_IF_ERROR(TakeOrBuildPipelineLocked());
  if (epochs_) {
    TF_RETURN_IF_ERROR(writer->WriteScalar(prefix(), kEpochEndedKey, epoch_ended_ ? 1 : 0));
    TF_RETURN_IF_ERROR(epochs_->Save(writer, prefix()));
    if (epoch_ended_ && !feeder_) {  // where the next iterator starts
      if (next_epoch_state_.empty()) {
        return absl::FailedPreconditionError(
            "Cannot save the state of a DALIDataset iterator: its DALI pipeline must be created "
            "with enable_checkpointing=True (e.g. @pipeline_def(enable_checkpointing=True)) to be "
            "checkpointed");
      }
      return writer->WriteScalar(prefix(), kPipelineStateKey,
                                 tensorflow::tstring(next_epoch_state_));
    }
    if (epoch_ended_) return absl::OkStatus();  // with inputs, the next iterator starts over
  }
  std::string state;
  TF_RETURN_IF_ERROR(SerializePipelineState(pipeline_->handle(), &state));
  if (feeder_) TF_RETURN_IF_ERROR(feeder_->Save(ctx, writer, prefix()));
  return writer->WriteScalar(prefix(), kPipelineStateKey, tensorflow::tstring(state));
}

absl::Status DaliDatasetIterator::RestoreInternal(IteratorContext* ctx,
                                                  tensorflow::data::IteratorStateReader* reader) {
  absl::MutexLock lock(&mu_);
  // Before anything changes: a checkpoint of another dataset leaves this iterator as it was.
  TF_RETURN_IF_ERROR(
      CheckDatasetIdentity(dataset()->attrs(), dataset()->inputs(), reader, prefix()));
  if (take_pending_) {  // the restored state replaces whatever another iterator left
    take_pending_ = false;
    epochs_.emplace(dataset()->attrs().epochs, dataset()->attrs().pipeline.batch_size);
  }
  int64_t ended = 0;
  if (epochs_) TF_RETURN_IF_ERROR(reader->ReadScalar(prefix(), kEpochEndedKey, &ended));
  if (ended && feeder_) {  // with inputs, the next iterator starts over
    epoch_ended_ = true;
    return absl::OkStatus();
  }
  tensorflow::tstring state;
  TF_RETURN_IF_ERROR(reader->ReadScalar(prefix(), kPipelineStateKey, &state));
  // DALI restores a checkpoint only before the pipeline's first Prefetch.
  if (started_ || !failure_.ok() || !pipeline_) TF_RETURN_IF_ERROR(BuildPipelineLocked());
  // The batches that were in flight are fed again first, then the restored inputs go on.
  if (feeder_) TF_RETURN_IF_ERROR(feeder_->Restore(ctx, reader, prefix()));
  if (epochs_) TF_RETURN_IF_ERROR(epochs_->Restore(reader, prefix()));
  TF_RETURN_IF_ERROR(RestorePipelineState(pipeline_->handle(), std::string(state)));
  epoch_ended_ = ended != 0;
  if (!epoch_ended_) return absl::OkStatus();
  // Ended: the restored pipeline is at the start of the next epoch, for the next iterator.
  next_epoch_state_ = std::string(state);
  return HandOverLocked();
}

std::shared_ptr<tensorflow::data::model::Node> DaliDatasetIterator::CreateNode(
    IteratorContext*, tensorflow::data::model::Node::Args args) const {
  return tensorflow::data::model::MakeSourceNode(std::move(args));
}

}  // namespace dali_tf
