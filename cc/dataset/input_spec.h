// One input of a DALIDataset: which external source a dataset feeds, and how. Python sends one
// record per input (a serialized tensorflow.NameAttrList in the `input_specs` attr), parsed here
// once per kernel and written back the same way into serialized graphs.
#ifndef DALI_TF_CC_DATASET_INPUT_SPEC_H_
#define DALI_TF_CC_DATASET_INPUT_SPEC_H_

#include <string>

#include "absl/status/status.h"

namespace dali_tf {

struct InputSpec {
  // The keys of the record's attributes (its name is the external source's).
  static constexpr char kLayout[] = "layout";
  static constexpr char kBatched[] = "batched";
  static constexpr char kPythonSource[] = "python_source";

  std::string name;           // the fn.external_source node it feeds
  bool batched = false;       // one element is a whole batch (outermost dimension = samples)
  std::string layout;         // empty: keep the layout the pipeline gives the node
  std::string python_source;  // non-empty: translated from fn.external_source(source=...)
};

// `serialized` is a tensorflow.NameAttrList; errors say which entry of input_specs is bad.
absl::Status ParseInputSpec(const std::string& serialized, int index, InputSpec* spec);
std::string SerializeInputSpec(const InputSpec& spec);

// `pulled`, the status of a pull from the input `spec`, explained where it is the Python source's
// callback missing from this process: the dataset was rebuilt from its graph in another process
// (a tf.data service worker), which has no callbacks of the process that made it.
absl::Status ExplainPullError(const InputSpec& spec, const absl::Status& pulled);

}  // namespace dali_tf

#endif  // DALI_TF_CC_DATASET_INPUT_SPEC_H_
