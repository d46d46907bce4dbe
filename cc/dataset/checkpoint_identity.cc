#include "cc/dataset/checkpoint_identity.h"

#include <cstdint>
#include <cstring>
#include <map>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "tensorflow/core/framework/tensor.h"

namespace dali_tf {

namespace {

constexpr char kFieldsKey[] = "dataset_identity_fields";
constexpr char kValuesKey[] = "dataset_identity_values";
// Longer values are kept as their size and a fingerprint: a file list can be megabytes.
constexpr size_t kMaxValueChars = 120;

// The field numbers of dali_proto (DALI's dali/pipeline/proto/dali.proto), as far as they are
// described here. The C API has no accessor for a pipeline's operators and arguments, so the
// serialized PipelineDef is read in protobuf's wire format.
namespace pipeline_def {
constexpr uint32_t kOp = 5;
constexpr uint32_t kExternalInputs = 6;  // legacy pipelines
constexpr uint32_t kPipeOutputs = 7;
}  // namespace pipeline_def
namespace op_def {
constexpr uint32_t kSchema = 1;
constexpr uint32_t kInput = 2;
constexpr uint32_t kOutput = 3;
constexpr uint32_t kArgs = 4;
constexpr uint32_t kInstanceName = 5;
}  // namespace op_def
namespace argument {
constexpr uint32_t kName = 1;
constexpr uint32_t kFloats = 3;
constexpr uint32_t kInts = 4;
constexpr uint32_t kStrings = 5;
constexpr uint32_t kBools = 6;
constexpr uint32_t kExtraArgs = 7;  // the elements of a vector argument
constexpr uint32_t kIsVector = 8;
}  // namespace argument
namespace input_output {
constexpr uint32_t kName = 1;
constexpr uint32_t kDevice = 2;
constexpr uint32_t kArgName = 4;
}  // namespace input_output

enum WireType { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

struct WireField {
  uint32_t number = 0;
  int wire_type = kVarint;
  uint64_t bits = 0;        // kVarint, kFixed64, kFixed32
  absl::string_view bytes;  // kLengthDelimited
};

bool ReadVarint(absl::string_view* in, uint64_t* value) {
  *value = 0;
  for (int shift = 0; shift < 64 && !in->empty(); shift += 7) {
    const uint8_t byte = static_cast<uint8_t>(in->front());
    in->remove_prefix(1);
    *value |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if (!(byte & 0x80)) return true;
  }
  return false;
}

bool ReadFixed(absl::string_view* in, size_t size, uint64_t* value) {
  if (in->size() < size) return false;
  *value = 0;
  for (size_t i = 0; i < size; ++i) {
    *value |= static_cast<uint64_t>(static_cast<uint8_t>((*in)[i])) << (8 * i);
  }
  in->remove_prefix(size);
  return true;
}

// The fields of one message, in order; false when `message` is not protobuf's wire format.
bool ReadFields(absl::string_view message, std::vector<WireField>* fields) {
  fields->clear();
  while (!message.empty()) {
    uint64_t key = 0;
    if (!ReadVarint(&message, &key)) return false;
    WireField field;
    field.number = static_cast<uint32_t>(key >> 3);
    field.wire_type = static_cast<int>(key & 7);
    bool ok = false;
    switch (field.wire_type) {
      case kVarint:
        ok = ReadVarint(&message, &field.bits);
        break;
      case kFixed64:
        ok = ReadFixed(&message, 8, &field.bits);
        break;
      case kFixed32:
        ok = ReadFixed(&message, 4, &field.bits);
        break;
      case kLengthDelimited: {
        uint64_t size = 0;
        ok = ReadVarint(&message, &size) && size <= message.size();
        if (ok) {
          field.bytes = message.substr(0, size);
          message.remove_prefix(size);
        }
        break;
      }
      default:
        break;
    }
    if (!ok || field.number == 0) return false;
    fields->push_back(field);
  }
  return true;
}

// The values of a repeated scalar field, packed or not.
bool ScalarValues(const WireField& field, int element_wire_type, std::vector<uint64_t>* values) {
  if (field.wire_type == element_wire_type) {
    values->push_back(field.bits);
    return true;
  }
  if (field.wire_type != kLengthDelimited) return false;
  absl::string_view packed = field.bytes;
  while (!packed.empty()) {
    uint64_t value = 0;
    bool ok =
        element_wire_type == kVarint ? ReadVarint(&packed, &value) : ReadFixed(&packed, 4, &value);
    if (!ok) return false;
    values->push_back(value);
  }
  return true;
}

uint64_t Fingerprint(absl::string_view text) {  // FNV-1a: enough to tell values apart
  uint64_t hash = 14695981039346656037ull;
  for (char c : text) {
    hash ^= static_cast<uint8_t>(c);
    hash *= 1099511628211ull;
  }
  return hash;
}

// A value short enough for messages: itself, or its size and fingerprint.
std::string Compact(const std::string& value, size_t elements) {
  if (value.size() <= kMaxValueChars) return value;
  if (elements > 1) {
    return absl::StrFormat("[%d values, fingerprint %016x]", elements, Fingerprint(value));
  }
  return absl::StrFormat("<%d characters, fingerprint %016x>", value.size(), Fingerprint(value));
}

std::string Quoted(absl::string_view text) {
  return absl::StrCat("'", absl::CHexEscape(text), "'");
}

// An Argument's value as text ("4", "'a'", "[1, 2]"), and its name.
bool RenderArgument(absl::string_view message, std::string* name, std::string* value,
                    size_t* elements) {
  std::vector<WireField> fields;
  if (!ReadFields(message, &fields)) return false;
  std::vector<std::string> parts;
  bool is_vector = false;
  for (const WireField& field : fields) {
    std::vector<uint64_t> values;
    switch (field.number) {
      case argument::kName:
        *name = std::string(field.bytes);
        break;
      case argument::kFloats:
        if (!ScalarValues(field, kFixed32, &values)) return false;
        for (uint64_t bits : values) {
          float f;
          uint32_t word = static_cast<uint32_t>(bits);
          static_assert(sizeof(f) == sizeof(word), "float is 32 bits");
          std::memcpy(&f, &word, sizeof(f));
          parts.push_back(absl::StrFormat("%.9g", f));
        }
        break;
      case argument::kInts:
        if (!ScalarValues(field, kVarint, &values)) return false;
        for (uint64_t bits : values) parts.push_back(absl::StrCat(static_cast<int64_t>(bits)));
        break;
      case argument::kStrings:
        parts.push_back(Quoted(field.bytes));
        break;
      case argument::kBools:
        if (!ScalarValues(field, kVarint, &values)) return false;
        for (uint64_t bits : values) parts.push_back(bits ? "true" : "false");
        break;
      case argument::kExtraArgs: {
        std::string unused_name, element;
        size_t unused_count = 0;
        if (!RenderArgument(field.bytes, &unused_name, &element, &unused_count)) return false;
        parts.push_back(element);
        break;
      }
      case argument::kIsVector:
        is_vector = field.bits != 0;
        break;
      default:
        break;
    }
  }
  *elements = parts.size();
  *value = absl::StrJoin(parts, ", ");
  if (is_vector) *value = absl::StrCat("[", *value, "]");
  return true;
}

// An operator's input or output, or a pipeline output: "'name' (cpu)", "arg_name='name' (cpu)".
bool RenderInputOutput(absl::string_view message, std::string* text) {
  std::vector<WireField> fields;
  if (!ReadFields(message, &fields)) return false;
  std::string name, device, arg_name;
  for (const WireField& field : fields) {
    if (field.number == input_output::kName) name = std::string(field.bytes);
    if (field.number == input_output::kDevice) device = std::string(field.bytes);
    if (field.number == input_output::kArgName) arg_name = std::string(field.bytes);
  }
  *text = absl::StrCat(arg_name.empty() ? "" : absl::StrCat(arg_name, "="), Quoted(name), " (",
                       device, ")");
  return true;
}

std::string OperatorField(absl::string_view instance) {
  return absl::StrCat("operator ", Quoted(instance));
}
constexpr char kArgumentInfix[] = " argument ";

// Arguments that differ between two definitions of the same pipeline, or that the checkpoint
// overrides: see the header.
bool Described(absl::string_view argument_name) {
  return !argument_name.empty() && argument_name[0] != '_' && argument_name != "seed";
}

bool DescribeOperator(absl::string_view message, DatasetIdentity* identity) {
  std::vector<WireField> fields;
  if (!ReadFields(message, &fields)) return false;
  std::string schema, instance;
  std::vector<std::string> inputs, outputs;
  std::vector<std::pair<std::string, std::string>> arguments;
  for (const WireField& field : fields) {
    std::string text;
    switch (field.number) {
      case op_def::kSchema:
        schema = std::string(field.bytes);
        break;
      case op_def::kInstanceName:
        instance = std::string(field.bytes);
        break;
      case op_def::kInput:
      case op_def::kOutput:
        if (!RenderInputOutput(field.bytes, &text)) return false;
        (field.number == op_def::kInput ? inputs : outputs).push_back(text);
        break;
      case op_def::kArgs: {
        std::string name;
        size_t elements = 0;
        if (!RenderArgument(field.bytes, &name, &text, &elements)) return false;
        if (Described(name)) arguments.emplace_back(name, Compact(text, elements));
        break;
      }
      default:
        break;
    }
  }
  const std::string op = OperatorField(instance);
  identity->emplace_back(
      op, Compact(absl::StrCat(schema, ", inputs (", absl::StrJoin(inputs, ", "), "), outputs (",
                               absl::StrJoin(outputs, ", "), ")"),
                  inputs.size() + outputs.size()));
  for (const auto& [name, value] : arguments) {
    identity->emplace_back(absl::StrCat(op, kArgumentInfix, Quoted(name)), value);
  }
  return true;
}

std::string OrNone(const std::string& value) { return value.empty() ? "none" : value; }

}  // namespace

absl::Status DescribeSerializedPipeline(const std::string& serialized, DatasetIdentity* identity) {
  auto unreadable = [] {
    return absl::InvalidArgumentError(
        "The DALI dataset's serialized pipeline is not a DALI PipelineDef: cannot describe it for "
        "a checkpoint");
  };
  std::vector<WireField> fields;
  if (!ReadFields(serialized, &fields)) return unreadable();
  std::vector<std::string> outputs, external_inputs;
  for (const WireField& field : fields) {
    if (field.wire_type != kLengthDelimited) continue;  // the options: see the header
    std::string text;
    switch (field.number) {
      case pipeline_def::kOp:
        if (!DescribeOperator(field.bytes, identity)) return unreadable();
        break;
      case pipeline_def::kPipeOutputs:
        if (!RenderInputOutput(field.bytes, &text)) return unreadable();
        outputs.push_back(text);
        break;
      case pipeline_def::kExternalInputs:
        external_inputs.push_back(Quoted(field.bytes));
        break;
      default:
        break;
    }
  }
  identity->emplace_back("pipeline outputs", Compact(absl::StrJoin(outputs, ", "), outputs.size()));
  if (!external_inputs.empty()) {
    identity->emplace_back("pipeline external inputs",
                           Compact(absl::StrJoin(external_inputs, ", "), external_inputs.size()));
  }
  return absl::OkStatus();
}

absl::Status DescribeDataset(const DaliDatasetAttrs& attrs,
                             const std::vector<const tensorflow::data::DatasetBase*>& inputs,
                             DatasetIdentity* identity) {
  identity->clear();
  identity->emplace_back(PipelineOptions::kBatchSize, absl::StrCat(attrs.pipeline.batch_size));
  const EpochOptions& epochs = attrs.epochs;
  identity->emplace_back(EpochOptions::kReaderName,
                         epochs.has_epochs() ? Quoted(epochs.reader_name) : "none");
  identity->emplace_back(EpochOptions::kLastBatchPolicy,
                         OrNone(LastBatchPolicyName(epochs.last_batch_policy)));
  if (epochs.has_epochs()) {
    identity->emplace_back(EpochOptions::kEpochSize, absl::StrCat(epochs.epoch_size));
    identity->emplace_back(EpochOptions::kEpochSizePadded, absl::StrCat(epochs.epoch_size_padded));
    identity->emplace_back(EpochOptions::kNumShards, absl::StrCat(epochs.num_shards));
    identity->emplace_back(EpochOptions::kShardId, absl::StrCat(epochs.shard_id));
    identity->emplace_back(EpochOptions::kPadLastBatch, epochs.pad_last_batch ? "true" : "false");
    identity->emplace_back(EpochOptions::kStickToShard, epochs.stick_to_shard ? "true" : "false");
  }
  for (size_t i = 0; i < attrs.inputs.size(); ++i) {
    const InputSpec& input = attrs.inputs[i];
    std::string elements;
    if (i < inputs.size()) {
      std::vector<std::string> specs;
      for (size_t c = 0; c < inputs[i]->output_dtypes().size(); ++c) {
        specs.push_back(absl::StrCat(tensorflow::DataTypeString(inputs[i]->output_dtypes()[c]), " ",
                                     inputs[i]->output_shapes()[c].DebugString()));
      }
      elements = absl::StrCat(", elements ", absl::StrJoin(specs, ", "));
    }
    identity->emplace_back(
        absl::StrCat("input ", i),
        absl::StrCat(Quoted(input.name), input.batched ? ", batch" : ", per-sample", ", layout ",
                     input.layout.empty() ? "as in the pipeline" : Quoted(input.layout), elements));
  }
  return DescribeSerializedPipeline(attrs.pipeline.serialized_pipeline, identity);
}

std::vector<std::string> IdentityDifferences(const DatasetIdentity& saved,
                                             const DatasetIdentity& current, size_t limit) {
  const std::map<std::string, std::string> saved_map(saved.begin(), saved.end());
  const std::map<std::string, std::string> current_map(current.begin(), current.end());
  // An argument of an operator the other side lacks as a whole says nothing more.
  auto owner_missing = [](const std::string& field, const std::map<std::string, std::string>& in) {
    size_t infix = field.rfind(kArgumentInfix);
    return infix != std::string::npos && in.count(field.substr(0, infix)) == 0;
  };
  std::vector<std::string> lines;
  auto add = [&](const std::string& field, const std::string& was, const std::string& is) {
    lines.push_back(absl::StrCat(field, ": ", was, " in the checkpoint, ", is, " in this dataset"));
  };
  for (const auto& [field, value] : saved) {
    auto it = current_map.find(field);
    if (it == current_map.end()) {
      if (!owner_missing(field, current_map)) add(field, value, "none");
    } else if (it->second != value) {
      add(field, value, it->second);
    }
  }
  for (const auto& [field, value] : current) {
    if (saved_map.count(field) == 0 && !owner_missing(field, saved_map)) add(field, "none", value);
  }
  if (lines.size() > limit) {
    const size_t more = lines.size() - limit;
    lines.resize(limit);
    lines.push_back(absl::StrCat("... and ", more, " more"));
  }
  return lines;
}

absl::Status SaveDatasetIdentity(const DaliDatasetAttrs& attrs,
                                 const std::vector<const tensorflow::data::DatasetBase*>& inputs,
                                 tensorflow::data::IteratorStateWriter* writer,
                                 const std::string& prefix) {
  DatasetIdentity identity;
  TF_RETURN_IF_ERROR(DescribeDataset(attrs, inputs, &identity));
  const int64_t n = static_cast<int64_t>(identity.size());
  tensorflow::Tensor fields(tensorflow::DT_STRING, tensorflow::TensorShape({n}));
  tensorflow::Tensor values(tensorflow::DT_STRING, tensorflow::TensorShape({n}));
  for (int64_t i = 0; i < n; ++i) {
    fields.vec<tensorflow::tstring>()(i) = identity[i].first;
    values.vec<tensorflow::tstring>()(i) = identity[i].second;
  }
  TF_RETURN_IF_ERROR(writer->WriteTensor(prefix, kFieldsKey, fields));
  return writer->WriteTensor(prefix, kValuesKey, values);
}

absl::Status CheckDatasetIdentity(const DaliDatasetAttrs& attrs,
                                  const std::vector<const tensorflow::data::DatasetBase*>& inputs,
                                  tensorflow::data::IteratorStateReader* reader,
                                  const std::string& prefix) {
  if (!reader->Contains(prefix, kFieldsKey) || !reader->Contains(prefix, kValuesKey)) {
    return absl::InvalidArgumentError(
        "Cannot restore the DALIDataset iterator: the checkpoint does not say which DALI dataset "
        "it was saved from (it was saved by an older dali_tf, or by another dataset). Save it "
        "again with this version");
  }
  tensorflow::Tensor fields, values;
  TF_RETURN_IF_ERROR(reader->ReadTensor(prefix, kFieldsKey, &fields));
  TF_RETURN_IF_ERROR(reader->ReadTensor(prefix, kValuesKey, &values));
  if (fields.dtype() != tensorflow::DT_STRING || values.dtype() != tensorflow::DT_STRING ||
      fields.dims() != 1 || values.shape() != fields.shape()) {
    return absl::InvalidArgumentError(
        "Cannot restore the DALIDataset iterator: the checkpoint's description of its dataset is "
        "corrupt");
  }
  DatasetIdentity saved;
  for (int64_t i = 0; i < fields.dim_size(0); ++i) {
    saved.emplace_back(fields.vec<tensorflow::tstring>()(i), values.vec<tensorflow::tstring>()(i));
  }
  DatasetIdentity current;
  TF_RETURN_IF_ERROR(DescribeDataset(attrs, inputs, &current));
  std::vector<std::string> differences = IdentityDifferences(saved, current);
  if (differences.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "Cannot restore the DALIDataset iterator: the checkpoint was saved from a different DALI "
      "dataset, and its state would give wrong batches in this one. Restore it into a dataset "
      "made the same way (the same pipeline and arguments, batch size, reader_name and "
      "last_batch_policy, shard, inputs and their elements). What differs:\n  ",
      absl::StrJoin(differences, "\n  ")));
}

}  // namespace dali_tf
