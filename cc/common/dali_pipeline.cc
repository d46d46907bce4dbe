#include "cc/common/dali_pipeline.h"

#include "absl/strings/str_cat.h"
#include "cc/common/dali_status.h"
#include "cc/common/signal_mask.h"
#include "tensorflow/core/platform/errors.h"

namespace dali_tf {

absl::Status DaliPipeline::Create(const PipelineOptions& options,
                                  std::unique_ptr<DaliPipeline>* out) {
  TF_RETURN_IF_ERROR(ValidatePipelineOptions(options));
  std::unique_ptr<DaliPipeline> pipe(new DaliPipeline());
  pipe->options_ = options;
  ScopedAsyncSignalsBlocked no_signals_in_dali_threads;  // DALI starts its threads here
  daliPipelineParams_t overrides = PipelineParams(options);
  DALI_TF_RETURN_IF_ERROR(
      daliPipelineDeserialize(pipe->pipeline_.out(), options.serialized_pipeline.data(),
                              options.serialized_pipeline.size(), &overrides),
      "Could not deserialize the DALI pipeline (serialized_pipeline)");
  DALI_TF_RETURN_IF_ERROR(daliPipelineBuild(pipe->pipeline_.get()),
                          "Could not build the DALI pipeline");

  int num_outputs = 0;
  DALI_TF_RETURN_IF_ERROR(daliPipelineGetOutputCount(pipe->handle(), &num_outputs),
                          "Could not get the number of pipeline outputs");
  for (int i = 0; i < num_outputs; ++i) {
    daliPipelineIODesc_t desc{};
    DALI_TF_RETURN_IF_ERROR(daliPipelineGetOutputDesc(pipe->handle(), &desc, i),
                            "Could not describe pipeline output " + std::to_string(i));
    pipe->outputs_.push_back({desc.name ? desc.name : "", desc.device});
    if (options.device_id == kCpuOnlyDeviceId && desc.device == DALI_STORAGE_GPU) {
      return absl::InvalidArgumentError(absl::StrCat(
          "device_id is CPU only, but output ", i,
          " of the DALI pipeline is a GPU batch: DALI "
          "cannot take the GPU away from a pipeline that uses one. Define the pipeline without GPU "
          "operators (and without device_id) for CPU-only processing"));
    }
  }
  int num_inputs = 0;
  DALI_TF_RETURN_IF_ERROR(daliPipelineGetInputCount(pipe->handle(), &num_inputs),
                          "Could not get the number of pipeline inputs");
  for (int i = 0; i < num_inputs; ++i) {
    daliPipelineIODesc_t desc{};
    DALI_TF_RETURN_IF_ERROR(daliPipelineGetInputDescByIdx(pipe->handle(), &desc, i),
                            "Could not describe pipeline input " + std::to_string(i));
    pipe->inputs_.push_back(
        {desc.name ? desc.name : "", desc.device, desc.layout ? desc.layout : ""});
  }
  *out = std::move(pipe);
  return absl::OkStatus();
}

absl::Status DaliPipeline::FeedCount(const std::string& input_name, int* count) const {
  DALI_TF_RETURN_IF_ERROR(daliPipelineGetFeedCount(handle(), count, input_name.c_str()),
                          "Could not get the feed count of input '" + input_name + "'");
  return absl::OkStatus();
}

absl::Status DaliPipeline::Prefetch() {
  ScopedAsyncSignalsBlocked no_signals_in_dali_threads;  // in case an operator starts threads late
  DALI_TF_RETURN_IF_ERROR(daliPipelinePrefetch(handle()), "DALI pipeline prefetch failed");
  return absl::OkStatus();
}

absl::Status DaliPipeline::Run() {
  ScopedAsyncSignalsBlocked no_signals_in_dali_threads;  // in case an operator starts threads late
  DALI_TF_RETURN_IF_ERROR(daliPipelineRun(handle()), "DALI pipeline run failed");
  return absl::OkStatus();
}

absl::Status DaliPipeline::PopOutputs(OutputsHandle* outputs) {
  DALI_TF_RETURN_IF_ERROR(daliPipelinePopOutputs(handle(), outputs->out()), "DALI pipeline failed");
  return absl::OkStatus();
}

absl::Status DaliPipeline::PopOutputsOn(cudaStream_t stream, OutputsHandle* outputs) {
  DALI_TF_RETURN_IF_ERROR(daliPipelinePopOutputsAsync(handle(), outputs->out(), stream),
                          "DALI pipeline failed");
  return absl::OkStatus();
}

absl::Status DaliPipeline::GetOutput(daliPipelineOutputs_h outputs, int index,
                                     TensorListHandle* out) const {
  DALI_TF_RETURN_IF_ERROR(daliPipelineOutputsGet(outputs, out->out(), index),
                          "Could not get pipeline output " + std::to_string(index));
  return absl::OkStatus();
}

}  // namespace dali_tf
