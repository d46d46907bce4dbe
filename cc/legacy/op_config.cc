#include "cc/legacy/op_config.h"

#include "absl/strings/str_cat.h"
#include "tensorflow/core/framework/op_kernel.h"

namespace dali_tf {
namespace {

using tensorflow::DataTypeString;
using tensorflow::DT_INT64;

absl::Status CheckInt64Slot(const tensorflow::DataTypeVector& dtypes, int slot, int output,
                            const char* role) {
  if (dtypes[slot] == DT_INT64) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("dtypes[", slot, "] must be int64: it is the ",
                                                 role, " of sparse output ", output, ", got ",
                                                 DataTypeString(dtypes[slot])));
}

}  // namespace

absl::Status PlanOutputs(const tensorflow::DataTypeVector& dtypes, size_t num_shapes,
                         const std::vector<bool>& sparse, std::vector<PlannedOutput>* plan) {
  const int num_tensors = static_cast<int>(dtypes.size());
  if (num_shapes > dtypes.size()) {
    return absl::InvalidArgumentError(absl::StrCat("shapes has ", num_shapes,
                                                   " entries but dtypes has ", num_tensors,
                                                   ": give at most one shape per dtype"));
  }
  plan->clear();
  int slot = 0;
  for (bool is_sparse : sparse) {
    plan->push_back({slot, is_sparse});
    slot += is_sparse ? 3 : 1;
  }
  if (slot > num_tensors) {
    return absl::InvalidArgumentError(absl::StrCat(
        "sparse describes ", sparse.size(), " outputs that produce ", slot,
        " tensors (3 per sparse output: indices, values, dense_shape), but dtypes has ",
        num_tensors, " entries"));
  }
  // The outputs `sparse` does not cover are dense.
  for (; slot < num_tensors; ++slot) plan->push_back({slot, false});
  for (int output = 0; output < static_cast<int>(plan->size()); ++output) {
    const PlannedOutput& planned = (*plan)[output];
    if (!planned.sparse) continue;
    TF_RETURN_IF_ERROR(CheckInt64Slot(dtypes, planned.first_slot, output, "indices"));
    TF_RETURN_IF_ERROR(CheckInt64Slot(dtypes, planned.dense_shape_slot(), output, "dense_shape"));
  }
  return absl::OkStatus();
}

std::vector<tensorflow::PartialTensorShape> DeclaredShapes(
    const std::vector<tensorflow::PartialTensorShape>& shapes, size_t num_tensors) {
  std::vector<tensorflow::PartialTensorShape> declared(num_tensors);
  for (size_t slot = 0; slot < num_tensors && slot < shapes.size(); ++slot) {
    if (shapes[slot].dims() != 0) declared[slot] = shapes[slot];
  }
  return declared;
}

absl::Status InferBatchSize(const std::vector<PlannedOutput>& plan,
                            const std::vector<tensorflow::PartialTensorShape>& declared,
                            int* batch_size) {
  for (const PlannedOutput& output : plan) {
    if (output.sparse) continue;
    const tensorflow::PartialTensorShape& shape = declared[output.first_slot];
    if (shape.dims() > 0 && shape.dim_size(0) > 0) {
      *batch_size = static_cast<int>(shape.dim_size(0));
      return absl::OkStatus();
    }
  }
  return absl::InvalidArgumentError(
      "batch_size is -1 (infer) but no dense output declares its batch (first) dimension in "
      "shapes: pass batch_size or declare the first dimension of a dense output's shape");
}

absl::Status ReadLegacyOpConfig(tensorflow::OpKernelConstruction* context, LegacyOpConfig* config) {
  using C = LegacyOpConfig;
  PipelineOptions& options = config->pipeline;
  std::vector<bool> sparse;
  TF_RETURN_IF_ERROR(ReadPipelineOptions(*context, &options));
  TF_RETURN_IF_ERROR(context->GetAttr(C::kShapes, &config->shapes));
  TF_RETURN_IF_ERROR(context->GetAttr(C::kDtypes, &config->dtypes));
  TF_RETURN_IF_ERROR(context->GetAttr(C::kSparse, &sparse));
  TF_RETURN_IF_ERROR(PlanOutputs(config->dtypes, config->shapes.size(), sparse, &config->plan));
  config->shapes = DeclaredShapes(config->shapes, config->dtypes.size());
  if (options.batch_size == kKeepSerialized) {
    TF_RETURN_IF_ERROR(InferBatchSize(config->plan, config->shapes, &options.batch_size));
  }
  return absl::OkStatus();
}

}  // namespace dali_tf
