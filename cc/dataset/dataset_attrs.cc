#include "cc/dataset/dataset_attrs.h"

#include "absl/strings/str_cat.h"
#include "cc/common/dtype_mapping.h"
#include "cc/dataset/ragged_output.h"
#include "tensorflow/core/framework/attr_value_util.h"

namespace dali_tf {

namespace {

absl::Status CheckOutputs(const DaliDatasetAttrs& attrs) {
  if (attrs.output_dtypes.size() != attrs.output_shapes.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "output_shapes has ", attrs.output_shapes.size(), " entries but output_dtypes has ",
        attrs.output_dtypes.size(), ": give one shape per output"));
  }
  for (size_t i = 0; i < attrs.output_dtypes.size(); ++i) {
    daliDataType_t unused;
    if (!TfToDaliType(attrs.output_dtypes[i], &unused)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "output_dtypes[", i, "] is ", tensorflow::DataTypeString(attrs.output_dtypes[i]),
          ", which a DALI pipeline cannot produce (supported: ", SupportedTfTypeNames(), ")"));
    }
  }
  return absl::OkStatus();
}

// The element specs, and the declared shapes of ragged outputs. The op's output_shapes attr is
// what the dataset yields (TensorFlow writes it back from the dataset's output_shapes()): a
// scalar for a ragged output, whose declared shape comes in ragged_shapes instead.
absl::Status ElementSpecs(const std::vector<tensorflow::PartialTensorShape>& ragged_shapes,
                          DaliDatasetAttrs* attrs) {
  const size_t n = attrs->output_dtypes.size();
  attrs->element_dtypes = attrs->output_dtypes;
  attrs->element_shapes = attrs->output_shapes;
  if (attrs->output_ragged.empty()) return absl::OkStatus();
  if (attrs->output_ragged.size() != n || ragged_shapes.size() != n) {
    return absl::InvalidArgumentError(
        absl::StrCat("output_ragged has ", attrs->output_ragged.size(), " and ragged_shapes ",
                     ragged_shapes.size(), " entries, but output_dtypes has ", n));
  }
  for (size_t i = 0; i < n; ++i) {
    if (!attrs->output_ragged[i]) continue;
    int unused;
    TF_RETURN_IF_ERROR(RaggedRankOf(ragged_shapes[i], i, &unused));
    attrs->output_shapes[i] = ragged_shapes[i];
    attrs->element_dtypes[i] = tensorflow::DT_VARIANT;
    attrs->element_shapes[i] = tensorflow::PartialTensorShape({});
  }
  return absl::OkStatus();
}

// The ragged_shapes attr: the declared shapes of ragged outputs (unknown for the others).
std::vector<tensorflow::PartialTensorShape> RaggedShapes(const DaliDatasetAttrs& attrs) {
  std::vector<tensorflow::PartialTensorShape> shapes;
  for (size_t i = 0; i < attrs.output_ragged.size(); ++i) {
    shapes.push_back(attrs.output_ragged[i] ? attrs.output_shapes[i]
                                            : tensorflow::PartialTensorShape());
  }
  return shapes;
}

// The reader epochs and the last batch policy (attribute names in EpochOptions).
absl::Status ReadEpochOptions(tensorflow::OpKernelConstruction* ctx, EpochOptions* out) {
  std::string policy;
  TF_RETURN_IF_ERROR(ctx->GetAttr(EpochOptions::kReaderName, &out->reader_name));
  TF_RETURN_IF_ERROR(ctx->GetAttr(EpochOptions::kLastBatchPolicy, &policy));
  TF_RETURN_IF_ERROR(ParseLastBatchPolicy(policy, &out->last_batch_policy));
  TF_RETURN_IF_ERROR(ctx->GetAttr(EpochOptions::kEpochSize, &out->epoch_size));
  TF_RETURN_IF_ERROR(ctx->GetAttr(EpochOptions::kEpochSizePadded, &out->epoch_size_padded));
  TF_RETURN_IF_ERROR(ctx->GetAttr(EpochOptions::kNumShards, &out->num_shards));
  TF_RETURN_IF_ERROR(ctx->GetAttr(EpochOptions::kShardId, &out->shard_id));
  TF_RETURN_IF_ERROR(ctx->GetAttr(EpochOptions::kPadLastBatch, &out->pad_last_batch));
  TF_RETURN_IF_ERROR(ctx->GetAttr(EpochOptions::kStickToShard, &out->stick_to_shard));
  TF_RETURN_IF_ERROR(ctx->GetAttr(EpochOptions::kKey, &out->key));
  return absl::OkStatus();
}

// PARTIAL yields a short last batch: a declared batch dimension cannot hold it.
absl::Status CheckEpochs(const DaliDatasetAttrs& attrs) {
  TF_RETURN_IF_ERROR(ValidateEpochOptions(attrs.epochs, attrs.pipeline.batch_size));
  if (attrs.epochs.last_batch_policy != LastBatchPolicy::kPartial) return absl::OkStatus();
  for (size_t i = 0; i < attrs.output_shapes.size(); ++i) {
    const tensorflow::PartialTensorShape& shape = attrs.output_shapes[i];
    if (shape.dims() > 0 && shape.dim_size(0) >= 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "output_shapes[", i, "] is ", shape.DebugString(), ", but last_batch_policy=partial ",
          "yields a shorter last batch: declare its batch dimension as None"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ParseDatasetAttrs(tensorflow::OpKernelConstruction* ctx, DaliDatasetAttrs* out) {
  TF_RETURN_IF_ERROR(ReadPipelineOptions(*ctx, &out->pipeline));
  TF_RETURN_IF_ERROR(ctx->GetAttr(DaliDatasetAttrs::kOutputDtypes, &out->output_dtypes));
  TF_RETURN_IF_ERROR(ctx->GetAttr(DaliDatasetAttrs::kOutputShapes, &out->output_shapes));
  TF_RETURN_IF_ERROR(
      ctx->GetAttr(DaliDatasetAttrs::kFailOnDeviceMismatch, &out->fail_on_device_mismatch));
  std::vector<std::string> specs;
  TF_RETURN_IF_ERROR(ctx->GetAttr(DaliDatasetAttrs::kInputSpecs, &specs));
  int num_inputs = 0;
  TF_RETURN_IF_ERROR(ctx->GetAttr(DaliDatasetAttrs::kNumInputs, &num_inputs));
  if (specs.size() != static_cast<size_t>(num_inputs)) {
    return absl::InvalidArgumentError(absl::StrCat("input_specs has ", specs.size(),
                                                   " entries but there are ", num_inputs,
                                                   " input datasets"));
  }
  out->inputs.resize(specs.size());
  for (size_t i = 0; i < specs.size(); ++i) {
    TF_RETURN_IF_ERROR(ParseInputSpec(specs[i], i, &out->inputs[i]));
  }
  TF_RETURN_IF_ERROR(CheckOutputs(*out));
  TF_RETURN_IF_ERROR(ReadEpochOptions(ctx, &out->epochs));
  TF_RETURN_IF_ERROR(CheckEpochs(*out));
  TF_RETURN_IF_ERROR(ctx->GetAttr(DaliDatasetAttrs::kOutputRagged, &out->output_ragged));
  std::vector<tensorflow::PartialTensorShape> ragged_shapes;
  TF_RETURN_IF_ERROR(ctx->GetAttr(DaliDatasetAttrs::kRaggedShapes, &ragged_shapes));
  return ElementSpecs(ragged_shapes, out);
}

std::vector<std::pair<absl::string_view, tensorflow::AttrValue>> DatasetAttrValues(
    const DaliDatasetAttrs& attrs) {
  std::vector<std::pair<absl::string_view, tensorflow::AttrValue>> values =
      PipelineOptionAttrs(attrs.pipeline);
  std::vector<std::string> specs;
  for (const InputSpec& spec : attrs.inputs) specs.push_back(SerializeInputSpec(spec));
  std::vector<std::pair<absl::string_view, tensorflow::AttrValue>> own = {
      {DaliDatasetAttrs::kOutputDtypes, ToAttrValue(attrs.output_dtypes)},
      {DaliDatasetAttrs::kOutputShapes, ToAttrValue(attrs.element_shapes)},
      {DaliDatasetAttrs::kFailOnDeviceMismatch, ToAttrValue(attrs.fail_on_device_mismatch)},
      {DaliDatasetAttrs::kInputSpecs, ToAttrValue(specs)},
      {EpochOptions::kReaderName, ToAttrValue(attrs.epochs.reader_name)},
      {EpochOptions::kLastBatchPolicy,
       ToAttrValue(std::string(LastBatchPolicyName(attrs.epochs.last_batch_policy)))},
      {EpochOptions::kEpochSize, ToAttrValue(attrs.epochs.epoch_size)},
      {EpochOptions::kEpochSizePadded, ToAttrValue(attrs.epochs.epoch_size_padded)},
      {EpochOptions::kNumShards, ToAttrValue(attrs.epochs.num_shards)},
      {EpochOptions::kShardId, ToAttrValue(attrs.epochs.shard_id)},
      {EpochOptions::kPadLastBatch, ToAttrValue(attrs.epochs.pad_last_batch)},
      {EpochOptions::kStickToShard, ToAttrValue(attrs.epochs.stick_to_shard)},
      {EpochOptions::kKey, ToAttrValue(attrs.epochs.key)},
      {DaliDatasetAttrs::kOutputRagged, ToAttrValue(attrs.output_ragged)},
      {DaliDatasetAttrs::kRaggedShapes, ToAttrValue(RaggedShapes(attrs))},
  };
  values.insert(values.end(), own.begin(), own.end());
  return values;
}

}  // namespace dali_tf
