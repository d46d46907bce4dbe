#include "cc/common/pipeline_options.h"

#include "absl/strings/str_cat.h"
#include "tensorflow/core/framework/attr_value_util.h"
#include "tensorflow/core/framework/op_kernel.h"

namespace dali_tf {

namespace {

absl::Status CheckPositive(const char* name, int value) {
  if (value == kKeepSerialized || value > 0) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(name, " must be positive (or -1: as serialized), got ", value));
}

}  // namespace

absl::Status ReadPipelineOptions(const tensorflow::OpKernelConstruction& ctx, PipelineOptions* o) {
  using P = PipelineOptions;
  TF_RETURN_IF_ERROR(ctx.GetAttr(P::kSerializedPipeline, &o->serialized_pipeline));
  TF_RETURN_IF_ERROR(ctx.GetAttr(P::kBatchSize, &o->batch_size));
  TF_RETURN_IF_ERROR(ctx.GetAttr(P::kNumThreads, &o->num_threads));
  TF_RETURN_IF_ERROR(ctx.GetAttr(P::kDeviceId, &o->device_id));
  TF_RETURN_IF_ERROR(ctx.GetAttr(P::kExecSeparated, &o->exec_separated));
  TF_RETURN_IF_ERROR(ctx.GetAttr(P::kExecDynamic, &o->exec_dynamic));
  TF_RETURN_IF_ERROR(ctx.GetAttr(P::kCpuPrefetchQueueDepth, &o->cpu_prefetch_queue_depth));
  TF_RETURN_IF_ERROR(ctx.GetAttr(P::kGpuPrefetchQueueDepth, &o->gpu_prefetch_queue_depth));
  TF_RETURN_IF_ERROR(ctx.GetAttr(P::kEnableMemoryStats, &o->enable_memory_stats));
  return absl::OkStatus();
}

absl::Status ValidatePipelineOptions(const PipelineOptions& o) {
  using P = PipelineOptions;
  if (o.serialized_pipeline.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(P::kSerializedPipeline, " is empty"));
  }
  TF_RETURN_IF_ERROR(CheckPositive(P::kBatchSize, o.batch_size));
  TF_RETURN_IF_ERROR(CheckPositive(P::kNumThreads, o.num_threads));
  if (o.device_id < 0 && o.device_id != kKeepSerialized && o.device_id != kDeviceOfPlacement &&
      o.device_id != kCpuOnlyDeviceId) {
    return absl::InvalidArgumentError(
        absl::StrCat(P::kDeviceId, " must be a CUDA ordinal (>= 0), ", kKeepSerialized,
                     " (as serialized), ", kDeviceOfPlacement, " (the op's GPU) or ",
                     kCpuOnlyDeviceId, " (CPU only), got ", o.device_id));
  }
  TF_RETURN_IF_ERROR(CheckPositive(P::kCpuPrefetchQueueDepth, o.cpu_prefetch_queue_depth));
  TF_RETURN_IF_ERROR(CheckPositive(P::kGpuPrefetchQueueDepth, o.gpu_prefetch_queue_depth));
  return absl::OkStatus();
}

std::vector<std::pair<absl::string_view, tensorflow::AttrValue>> PipelineOptionAttrs(
    const PipelineOptions& o) {
  using P = PipelineOptions;
  return {
      {P::kSerializedPipeline, ToAttrValue(o.serialized_pipeline)},
      {P::kBatchSize, ToAttrValue(o.batch_size)},
      {P::kNumThreads, ToAttrValue(o.num_threads)},
      {P::kDeviceId, ToAttrValue(o.device_id)},
      {P::kExecSeparated, ToAttrValue(o.exec_separated)},
      {P::kExecDynamic, ToAttrValue(o.exec_dynamic)},
      {P::kCpuPrefetchQueueDepth, ToAttrValue(o.cpu_prefetch_queue_depth)},
      {P::kGpuPrefetchQueueDepth, ToAttrValue(o.gpu_prefetch_queue_depth)},
      {P::kEnableMemoryStats, ToAttrValue(o.enable_memory_stats)},
  };
}

PipelineOptions OnDevice(PipelineOptions options, int cuda_ordinal) {
  if (options.device_id == kDeviceOfPlacement) {
    options.device_id = cuda_ordinal >= 0 ? cuda_ordinal : kKeepSerialized;
  }
  return options;
}

daliPipelineParams_t PipelineParams(const PipelineOptions& o) {
  daliPipelineParams_t params{};
  if (o.batch_size != kKeepSerialized) DALI_SET_PARAM(params, max_batch_size, o.batch_size);
  if (o.num_threads != kKeepSerialized) DALI_SET_PARAM(params, num_threads, o.num_threads);
  // DALI takes any device_id it is given, kCpuOnlyDeviceId included, as a GPU pipeline's: a
  // CPU-only pipeline is one serialized without a device (DaliPipeline::Create checks it has no
  // GPU output), so only CUDA ordinals are set.
  if (o.device_id >= 0) DALI_SET_PARAM(params, device_id, o.device_id);
  daliExecType_t exec = DALI_EXEC_ASYNC_PIPELINED;
  if (o.exec_dynamic) exec = DALI_EXEC_DYNAMIC;
  if (o.exec_separated) exec = exec | DALI_EXEC_IS_SEPARATED;
  DALI_SET_PARAM(params, exec_type, exec);
  if (o.cpu_prefetch_queue_depth != kKeepSerialized ||
      o.gpu_prefetch_queue_depth != kKeepSerialized) {
    // Only one of them given: DALI uses a single depth unless the executor is separated.
    int cpu = o.cpu_prefetch_queue_depth != kKeepSerialized ? o.cpu_prefetch_queue_depth
                                                            : o.gpu_prefetch_queue_depth;
    int gpu = o.gpu_prefetch_queue_depth != kKeepSerialized ? o.gpu_prefetch_queue_depth : cpu;
    DALI_SET_PARAM(params, prefetch_queue_depths, daliPrefetchQueueSizes_t{cpu, gpu});
  }
  if (o.enable_memory_stats) DALI_SET_PARAM(params, enable_memory_stats, true);
  return params;
}

}  // namespace dali_tf
