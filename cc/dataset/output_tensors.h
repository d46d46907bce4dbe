// One popped set of DALI pipeline outputs -> the dataset's element: one TensorFlow tensor (dense,
// or an encoded RaggedTensor for a ragged output)
// per output, checked against the declared dtypes and shapes, placed as the kernel is.
#ifndef DALI_TF_CC_DATASET_OUTPUT_TENSORS_H_
#define DALI_TF_CC_DATASET_OUTPUT_TENSORS_H_

#include <vector>

#include "absl/status/status.h"
#include "cc/common/dali_pipeline.h"
#include "cc/common/tensor_placement.h"
#include "tensorflow/core/framework/allocator.h"
#include "tensorflow/core/framework/tensor.h"
#include "tensorflow/core/framework/tensor_shape.h"
#include "tensorflow/core/framework/types.h"

namespace dali_tf {

// Host placement hands TensorFlow the DALI buffers themselves when the pipeline's outputs outlive
// the pop (dynamic executor) and the batch is contiguous and aligned; otherwise the batch is copied
// into memory from `allocator` (the iterator's device allocator). GPU placement copies every
// output into TensorFlow's GPU memory on TensorFlow's stream (GpuCopies: no host wait with the
// dynamic executor and outputs on the dataset's GPU, at most one per batch otherwise).
absl::Status OutputsToTensors(const DaliPipeline& pipeline, daliPipelineOutputs_h outputs,
                              const tensorflow::DataTypeVector& dtypes,
                              const std::vector<tensorflow::PartialTensorShape>& shapes,
                              const std::vector<bool>& ragged, const TensorPlacement& placement,
                              tensorflow::Allocator* allocator,
                              std::vector<tensorflow::Tensor>* out);

}  // namespace dali_tf

#endif  // DALI_TF_CC_DATASET_OUTPUT_TENSORS_H_
