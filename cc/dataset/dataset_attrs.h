// The attributes of the DALIDataset op: parsed once per kernel, kept by every dataset it makes,
// and written back as node attributes when TensorFlow serializes the dataset graph.
#ifndef DALI_TF_CC_DATASET_DATASET_ATTRS_H_
#define DALI_TF_CC_DATASET_DATASET_ATTRS_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "cc/common/dali_pipeline.h"
#include "cc/dataset/epoch_counter.h"
#include "cc/dataset/input_spec.h"
#include "tensorflow/core/framework/attr_value.pb.h"
#include "tensorflow/core/framework/op_kernel.h"
#include "tensorflow/core/framework/tensor_shape.h"
#include "tensorflow/core/framework/types.h"

namespace dali_tf {

struct DaliDatasetAttrs {
  // The op's own attributes and input list (the pipeline options' are PipelineOptions', the
  // epochs' EpochOptions').
  static constexpr char kInputDatasets[] = "input_datasets";
  static constexpr char kNumInputs[] = "N";
  static constexpr char kOutputDtypes[] = "output_dtypes";
  static constexpr char kOutputShapes[] = "output_shapes";
  static constexpr char kFailOnDeviceMismatch[] = "fail_on_device_mismatch";
  static constexpr char kInputSpecs[] = "input_specs";
  static constexpr char kOutputRagged[] = "output_ragged";
  static constexpr char kRaggedShapes[] = "ragged_shapes";

  PipelineOptions pipeline;
  tensorflow::DataTypeVector output_dtypes;
  // Batch dimension first, as declared by the user (possibly unknown); for a ragged output, the
  // declared shape with None in its ragged dimensions.
  std::vector<tensorflow::PartialTensorShape> output_shapes;
  bool fail_on_device_mismatch = true;
  // One per input dataset, in order: the external_source it feeds and how.
  std::vector<InputSpec> inputs;
  // The reader whose epochs end the data, and the last batch policy (see epoch_counter.h).
  EpochOptions epochs;
  // Per output: a tf.RaggedTensor (samples keep their shapes) instead of a dense batch; empty
  // when no output is ragged.
  std::vector<bool> output_ragged;
  // What the dataset yields per output: the declared dtype and shape, or, for a ragged output,
  // a scalar DT_VARIANT (an encoded RaggedTensor).
  tensorflow::DataTypeVector element_dtypes;
  std::vector<tensorflow::PartialTensorShape> element_shapes;
};

// Reads and validates the attributes: matching counts, dtypes DALI can produce, ragged outputs
// declared with the dimensions they are ragged in.
absl::Status ParseDatasetAttrs(tensorflow::OpKernelConstruction* ctx, DaliDatasetAttrs* out);

// The attributes as (name, value) pairs for DatasetGraphDefBuilder::AddDataset.
std::vector<std::pair<absl::string_view, tensorflow::AttrValue>> DatasetAttrValues(
    const DaliDatasetAttrs& attrs);

}  // namespace dali_tf

#endif  // DALI_TF_CC_DATASET_DATASET_ATTRS_H_
