#include "cc/common/pipeline_options.h"

#include <variant>

#include "absl/strings/str_cat.h"
#include "tensorflow/core/framework/attr_value_util.h"
#include "tensorflow/core/framework/op.h"
#include "tensorflow/core/framework/op_kernel.h"

namespace dali_tf {

namespace {

using P = PipelineOptions;

// Where an option lives in PipelineOptions.
using Field = std::variant<std::string P::*, int P::*, int64_t P::*, bool P::*>;

// The one list of the options' attributes: name, "type = default" (REGISTER_OP's syntax), field.
struct OptionAttr {
  const char* name;
  const char* type_and_default;
  Field field;
};

const std::vector<OptionAttr>& OptionAttrs() {
  static const auto* const attrs = new std::vector<OptionAttr>{
      {P::kSerializedPipeline, "string", &P::serialized_pipeline},
      {P::kBatchSize, "int = -1", &P::batch_size},
      {P::kNumThreads, "int = -1", &P::num_threads},
      {P::kDeviceId, "int = -1", &P::device_id},
      {P::kExecSeparated, "bool = false", &P::exec_separated},
      {P::kExecDynamic, "bool = false", &P::exec_dynamic},
      {P::kCpuPrefetchQueueDepth, "int = 2", &P::cpu_prefetch_queue_depth},
      {P::kGpuPrefetchQueueDepth, "int = 2", &P::gpu_prefetch_queue_depth},
      {P::kEnableMemoryStats, "bool = false", &P::enable_memory_stats},
      {P::kSeed, "int = -1", &P::seed},
  };
  return *attrs;
}

absl::Status CheckPositive(const char* name, int value) {
  if (value == kKeepSerialized || value > 0) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(name, " must be positive (or -1: as serialized), got ", value));
}

}  // namespace

void AddPipelineOptionAttrs(tensorflow::register_op::OpDefBuilderWrapper& op) {
  for (const OptionAttr& attr : OptionAttrs()) {
    op.Attr(absl::StrCat(attr.name, ": ", attr.type_and_default));
  }
}

absl::Status ReadPipelineOptions(const tensorflow::OpKernelConstruction& ctx, PipelineOptions* o) {
  for (const OptionAttr& attr : OptionAttrs()) {
    TF_RETURN_IF_ERROR(
        std::visit([&](auto field) { return ctx.GetAttr(attr.name, &(o->*field)); }, attr.field));
  }
  return absl::OkStatus();
}

absl::Status ValidatePipelineOptions(const PipelineOptions& o) {
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
  std::vector<std::pair<absl::string_view, tensorflow::AttrValue>> values;
  for (const OptionAttr& attr : OptionAttrs()) {
    values.emplace_back(attr.name,
                        std::visit([&](auto field) { return ToAttrValue(o.*field); }, attr.field));
  }
  return values;
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
  if (o.seed != kKeepSerialized) DALI_SET_PARAM(params, seed, o.seed);
  return params;
}

}  // namespace dali_tf
