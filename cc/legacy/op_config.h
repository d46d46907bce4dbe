// The attributes of the legacy Dali op, and how its `data` output list maps onto the pipeline's
// outputs.
//
// The op's outputs are `data: dtypes`, one dtype (and one entry of `shapes`) per *produced*
// tensor. A dense pipeline output produces one tensor; a sparse one produces three in place:
// indices (int64, [N, ndim]), values (the output's type, [N]) and dense_shape (int64, [ndim]).
// `sparse` has one entry per *pipeline* output (or is empty: all dense). So with sparse=[F, T]
// the op has 4 outputs: dtypes=[T0, int64, T1, int64]. The Python wrapper expands this for users.
#ifndef DALI_TF_CC_LEGACY_OP_CONFIG_H_
#define DALI_TF_CC_LEGACY_OP_CONFIG_H_

#include <vector>

#include "absl/status/status.h"
#include "cc/common/dali_pipeline.h"
#include "tensorflow/core/framework/tensor_shape.h"
#include "tensorflow/core/framework/types.h"

namespace tensorflow {
class OpKernelConstruction;
}  // namespace tensorflow

namespace dali_tf {

// Where one pipeline output goes in the op's `data` list.
struct PlannedOutput {
  int first_slot = 0;  // its tensor, or its indices tensor when sparse
  bool sparse = false;
  int values_slot() const { return sparse ? first_slot + 1 : first_slot; }
  int dense_shape_slot() const { return first_slot + 2; }
};

// Maps pipeline outputs onto the `data` list. As in NVIDIA's plugin, `sparse` may be shorter than
// the outputs (the others are dense) and `shapes` shorter than `dtypes` (the others are unknown).
// Errors if they cannot describe `dtypes` (more shapes than tensors, sparse outputs that need more
// slots than there are, a sparse output whose indices/dense_shape slots are not int64). Used by
// both the shape function and the kernel.
absl::Status PlanOutputs(const tensorflow::DataTypeVector& dtypes, size_t num_shapes,
                         const std::vector<bool>& sparse, std::vector<PlannedOutput>* plan);

// The declared shape of each of the `num_tensors` produced tensors. An entry of rank 0 declares
// nothing: NVIDIA's plugin reads `()` (what its users write for labels) as "unknown", and no
// tensor the op produces is a scalar (each has a batch or an element dimension). Entries missing
// from `shapes` are unknown too.
std::vector<tensorflow::PartialTensorShape> DeclaredShapes(
    const std::vector<tensorflow::PartialTensorShape>& shapes, size_t num_tensors);

// batch_size=-1 (kKeepSerialized) is inferred from the leading dimension declared for a dense
// output, the first one that has it; an error when none does. Checked by the shape function too,
// so that the error comes when the op is created.
absl::Status InferBatchSize(const std::vector<PlannedOutput>& plan,
                            const std::vector<tensorflow::PartialTensorShape>& declared,
                            int* batch_size);

struct LegacyOpConfig {
  // The op's own attributes; the pipeline options' are PipelineOptions'.
  static constexpr char kShapes[] = "shapes";
  static constexpr char kDtypes[] = "dtypes";
  static constexpr char kSparse[] = "sparse";

  PipelineOptions pipeline;  // batch_size already inferred when the attr was -1
  // One per produced tensor, as DeclaredShapes reads the `shapes` attr.
  std::vector<tensorflow::PartialTensorShape> shapes;
  tensorflow::DataTypeVector dtypes;
  std::vector<PlannedOutput> plan;
};

// Reads and checks every attribute of the op.
absl::Status ReadLegacyOpConfig(tensorflow::OpKernelConstruction* context, LegacyOpConfig* config);

}  // namespace dali_tf

#endif  // DALI_TF_CC_LEGACY_OP_CONFIG_H_
