// The options of a DALI pipeline that both ops take as attributes (batch size, threads, device,
// executor, queue depths, memory stats, seed): the one struct, and the one list of their
// attributes (name, type, default, field), from which both ops' registrations, the parser and the
// graph write-back are derived; and the one mapping onto DALI's pipeline parameters.
// Adding an option: a field and a name here, a row in the list (pipeline_options.cc), its
// parameter in PipelineParams; Python's PipelineSettings gets a field of the same name.
#ifndef DALI_TF_CC_COMMON_PIPELINE_OPTIONS_H_
#define DALI_TF_CC_COMMON_PIPELINE_OPTIONS_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "dali/dali.h"
#include "tensorflow/core/framework/attr_value.pb.h"
#include "tensorflow/core/framework/attr_value_util.h"

namespace tensorflow {
class OpKernelConstruction;
namespace register_op {
class OpDefBuilderWrapper;
}  // namespace register_op
}  // namespace tensorflow

namespace dali_tf {

// DALI's device id for pipelines that use no GPU (nvidia.dali.types.CPU_ONLY_DEVICE_ID).
constexpr int kCpuOnlyDeviceId = -99999;
// Marks an integer option as "as serialized in the pipeline".
constexpr int kKeepSerialized = -1;
// device_id of a pipeline that left its device unset (DALI 2.4's default, which means "the
// current CUDA device, if the pipeline needs one"): an op placed on a GPU runs it on that GPU's
// CUDA ordinal; an op on the CPU leaves it to DALI's rule. See OnDevice.
constexpr int kDeviceOfPlacement = -2;

struct PipelineOptions {
  // The names of the attributes the options are read from, as both ops register them.
  static constexpr char kSerializedPipeline[] = "serialized_pipeline";
  static constexpr char kBatchSize[] = "batch_size";
  static constexpr char kNumThreads[] = "num_threads";
  static constexpr char kDeviceId[] = "device_id";
  static constexpr char kExecSeparated[] = "exec_separated";
  static constexpr char kExecDynamic[] = "exec_dynamic";
  static constexpr char kCpuPrefetchQueueDepth[] = "cpu_prefetch_queue_depth";
  static constexpr char kGpuPrefetchQueueDepth[] = "gpu_prefetch_queue_depth";
  static constexpr char kEnableMemoryStats[] = "enable_memory_stats";
  static constexpr char kSeed[] = "seed";

  std::string serialized_pipeline;
  int batch_size = kKeepSerialized;
  int num_threads = kKeepSerialized;
  // Or a CUDA ordinal, kCpuOnlyDeviceId (which only a pipeline serialized CPU-only can run), or
  // kDeviceOfPlacement.
  int device_id = kKeepSerialized;
  bool exec_separated = false;
  bool exec_dynamic = true;
  int cpu_prefetch_queue_depth = kKeepSerialized;
  int gpu_prefetch_queue_depth = kKeepSerialized;
  bool enable_memory_stats = false;
  int64_t seed = kKeepSerialized;  // of the pipeline's random generators
};

// `value` as a node attribute, for writing a graph back.
template <typename T>
tensorflow::AttrValue ToAttrValue(const T& value) {
  tensorflow::AttrValue attr;
  tensorflow::SetAttrValue(value, &attr);
  return attr;
}

// Adds every option's attribute to an op being registered (as REGISTER_OP(...).Attr would), with
// the defaults of the legacy Dali op's contract (-1 "as serialized", queue depths 2, executor flags
// false); the dataset op's callers give each one.
void AddPipelineOptionAttrs(tensorflow::register_op::OpDefBuilderWrapper& op);

// Reads every option attribute of an op's kernel.
absl::Status ReadPipelineOptions(const tensorflow::OpKernelConstruction& ctx,
                                 PipelineOptions* options);

// Positive sizes and depths (or kKeepSerialized), a pipeline to deserialize; errors name the
// attribute.
absl::Status ValidatePipelineOptions(const PipelineOptions& options);

// The option attributes as (name, value) pairs, for writing a dataset graph back.
std::vector<std::pair<absl::string_view, tensorflow::AttrValue>> PipelineOptionAttrs(
    const PipelineOptions& options);

// `options` for an op placed on the GPU of CUDA ordinal `cuda_ordinal` (-1: on the CPU), with
// kDeviceOfPlacement resolved: that ordinal on a GPU, the serialized (unset) device on the CPU.
// The attributes keep kDeviceOfPlacement, so a graph written back runs wherever it is placed.
PipelineOptions OnDevice(PipelineOptions options, int cuda_ordinal);

// The options as DALI's parameter overrides for daliPipelineDeserialize: an option left at
// kKeepSerialized (and a kCpuOnlyDeviceId device) is not set, so the serialized value stays.
daliPipelineParams_t PipelineParams(const PipelineOptions& options);

}  // namespace dali_tf

#endif  // DALI_TF_CC_COMMON_PIPELINE_OPTIONS_H_
