// A deserialized, built DALI pipeline and the options that override its serialized parameters.
#ifndef DALI_TF_CC_COMMON_DALI_PIPELINE_H_
#define DALI_TF_CC_COMMON_DALI_PIPELINE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "cc/common/dali_handles.h"
#include "cc/common/pipeline_options.h"

namespace dali_tf {

// Describes one pipeline output or input.
struct IODesc {
  std::string name;
  daliStorageDevice_t device;
  std::string layout;  // inputs only: the layout the pipeline declares ("" when none)
};

class DaliPipeline {
 public:
  // Deserializes and builds. Errors name the option or DALI's reason.
  static absl::Status Create(const PipelineOptions& options, std::unique_ptr<DaliPipeline>* out);

  daliPipeline_h handle() const { return pipeline_.get(); }
  const std::vector<IODesc>& outputs() const { return outputs_; }
  const std::vector<IODesc>& inputs() const { return inputs_; }
  // With the dynamic executor popped outputs stay valid until their handles are released
  // (zero-copy hand-off is possible); otherwise they must be copied before the next pop.
  bool outputs_outlive_pop() const { return options_.exec_dynamic; }

  // How many batches each external input needs before Prefetch (the prefetch depth).
  absl::Status FeedCount(const std::string& input_name, int* count) const;
  absl::Status Prefetch();
  absl::Status Run();
  absl::Status PopOutputs(OutputsHandle* outputs);
  // Pops outputs that are ready on `stream` (no host wait): the dynamic executor only.
  absl::Status PopOutputsOn(cudaStream_t stream, OutputsHandle* outputs);
  // A new reference to output `index` of a popped output set.
  absl::Status GetOutput(daliPipelineOutputs_h outputs, int index, TensorListHandle* out) const;

 private:
  DaliPipeline() = default;
  PipelineOptions options_;
  PipelineHandle pipeline_;
  std::vector<IODesc> outputs_;
  std::vector<IODesc> inputs_;
};

}  // namespace dali_tf

#endif  // DALI_TF_CC_COMMON_DALI_PIPELINE_H_
