// What a checkpoint says it belongs to: the description of a dataset (its serialized pipeline
// read in protobuf's wire format, written here by hand as DALI writes it), the differences a
// restore reports, and the save/check round trip. End to end, with DALI's own serialized pipelines:
// tests/dataset/checkpoint_test.py and tests/inputs/checkpoint_test.py.
#include "cc/dataset/checkpoint_identity.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/cc/iterator_state.h"
#include "tests/cc/status_matchers.h"

namespace dali_tf {
namespace {

// A protobuf message in wire format.
class Message {
 public:
  Message& Varint(uint32_t field, uint64_t value) {
    Key(field, 0);
    PutVarint(value);
    return *this;
  }
  Message& Fixed32(uint32_t field, uint32_t value) {
    Key(field, 5);
    for (int i = 0; i < 4; ++i) bytes_.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
    return *this;
  }
  Message& Bytes(uint32_t field, const std::string& value) {
    Key(field, 2);
    PutVarint(value.size());
    bytes_ += value;
    return *this;
  }
  Message& Sub(uint32_t field, const Message& message) { return Bytes(field, message.str()); }
  const std::string& str() const { return bytes_; }

 private:
  void Key(uint32_t field, int wire_type) { PutVarint((field << 3) | wire_type); }
  void PutVarint(uint64_t value) {
    do {
      uint8_t byte = value & 0x7f;
      value >>= 7;
      bytes_.push_back(static_cast<char>(byte | (value ? 0x80 : 0)));
    } while (value);
  }
  std::string bytes_;
};

// dali_proto.Argument: a scalar (ints, strings, floats) or a vector (is_vector, extra_args).
Message IntArg(const std::string& name, int64_t value) {
  return Message().Bytes(1, name).Bytes(2, "int64").Varint(4, value).Varint(8, 0);
}
Message StringArg(const std::string& name, const std::string& value) {
  return Message().Bytes(1, name).Bytes(2, "string").Bytes(5, value).Varint(8, 0);
}
Message FloatArg(const std::string& name, float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  return Message().Bytes(1, name).Bytes(2, "float").Fixed32(3, bits).Varint(8, 0);
}
Message StringsArg(const std::string& name, const std::vector<std::string>& values) {
  Message arg;
  arg.Bytes(1, name).Bytes(2, "string");
  for (size_t i = 0; i < values.size(); ++i) {
    arg.Sub(7, StringArg("element " + std::to_string(i), values[i]));
  }
  return arg.Varint(8, 1);
}
Message Io(const std::string& name, const std::string& device) {
  return Message().Bytes(1, name).Bytes(2, device).Varint(3, 0);
}

struct PipelineVariant {
  std::vector<std::string> files = {"/data/a.jpg", "/data/b.jpg"};
  int64_t num_threads = 4;
  int64_t seed = 1234;
  int64_t device_id = 0;
  int64_t origin_line = 10;
  int64_t reader_shard = 0;
  int64_t executor_flags = 4;
};

// A reader and a random operator, as DALI serializes `@pipeline_def` pipelines.
std::string SerializedPipeline(const PipelineVariant& v = PipelineVariant()) {
  Message reader;
  reader.Bytes(1, "readers__File")
      .Sub(3, Io("Reader[0]", "cpu"))
      .Sub(3, Io("Reader[1]", "cpu"))
      .Sub(4, StringArg("device", "cpu"))
      .Sub(4, StringArg("_display_name", "file"))
      .Sub(4, StringsArg("files", v.files))
      .Sub(4, IntArg("shard_id", v.reader_shard))
      .Sub(4, IntArg("seed", v.seed))
      .Sub(4, IntArg("_origin_stack_lineno", v.origin_line))
      .Bytes(5, "Reader")
      .Varint(6, 0);
  Message uniform;
  uniform.Bytes(1, "random__Uniform")
      .Sub(3, Io("__Uniform_0", "cpu"))
      .Sub(4, StringArg("device", "cpu"))
      .Sub(4, FloatArg("range", 0.5f))
      .Bytes(5, "__Uniform_0")
      .Varint(6, 1);
  return Message()
      .Varint(1, v.num_threads)
      .Varint(2, 4)
      .Sub(5, reader)
      .Sub(5, uniform)
      .Sub(7, Io("Reader[1]", "cpu"))
      .Sub(7, Io("__Uniform_0", "cpu"))
      .Varint(8, v.device_id)
      .Varint(9, v.seed)
      .Varint(10, 1)
      .Varint(12, v.executor_flags)
      .str();
}

DatasetIdentity Describe(const std::string& serialized) {
  DatasetIdentity identity;
  absl::Status status = DescribeSerializedPipeline(serialized, &identity);
  EXPECT_TRUE(status.ok()) << status;
  return identity;
}

std::string ValueOf(const DatasetIdentity& identity, const std::string& field) {
  for (const auto& [name, value] : identity) {
    if (name == field) return value;
  }
  return "(absent)";
}

TEST(CheckpointIdentityTest, DescribesOperatorsArgumentsAndOutputs) {
  DatasetIdentity identity = Describe(SerializedPipeline());
  EXPECT_EQ(ValueOf(identity, "operator 'Reader'"),
            "readers__File, inputs (), outputs ('Reader[0]' (cpu), 'Reader[1]' (cpu))");
  EXPECT_EQ(ValueOf(identity, "operator 'Reader' argument 'files'"),
            "['/data/a.jpg', '/data/b.jpg']");
  EXPECT_EQ(ValueOf(identity, "operator 'Reader' argument 'shard_id'"), "0");
  EXPECT_EQ(ValueOf(identity, "operator 'Reader' argument 'device'"), "'cpu'");
  EXPECT_EQ(ValueOf(identity, "operator '__Uniform_0' argument 'range'"), "0.5");
  EXPECT_EQ(ValueOf(identity, "pipeline outputs"), "'Reader[1]' (cpu), '__Uniform_0' (cpu)");
  // Left out: seeds, DALI's diagnostic arguments, the pipeline's options.
  for (const auto& [field, value] : identity) {
    EXPECT_EQ(field.find("seed"), std::string::npos) << field;
    EXPECT_EQ(field.find("argument '_"), std::string::npos) << field;
  }
  EXPECT_EQ(identity.size(), 8u);
}

TEST(CheckpointIdentityTest, WhatARestoreIsRightAcrossDoesNotChangeTheDescription) {
  PipelineVariant other;
  other.num_threads = 1;
  other.seed = 99;
  other.device_id = 1;
  other.origin_line = 77;
  other.executor_flags = 0;
  EXPECT_EQ(Describe(SerializedPipeline(other)), Describe(SerializedPipeline()));
}

TEST(CheckpointIdentityTest, LongValuesAreKeptAsTheirSizeAndFingerprint) {
  PipelineVariant many, one_more;
  for (int i = 0; i < 200; ++i) many.files.push_back("/data/file_" + std::to_string(i));
  one_more.files = many.files;
  one_more.files.push_back("/data/extra");
  const std::string field = "operator 'Reader' argument 'files'";
  const std::string value = ValueOf(Describe(SerializedPipeline(many)), field);
  EXPECT_EQ(value.rfind("[202 values, fingerprint ", 0), 0u) << value;
  EXPECT_NE(ValueOf(Describe(SerializedPipeline(one_more)), field), value);
}

TEST(CheckpointIdentityTest, NotAPipelineIsAnError) {
  DatasetIdentity identity;
  EXPECT_TRUE(IsInvalidArgument(DescribeSerializedPipeline("\xff\xff\xff", &identity),
                                {"not a DALI PipelineDef"}));
}

TEST(CheckpointIdentityTest, DifferencesNameEachFieldOnce) {
  const DatasetIdentity saved = {{"batch_size", "4"},
                                 {"operator 'Reader'", "readers__File"},
                                 {"operator 'Reader' argument 'files'", "['a']"},
                                 {"operator 'Same'", "x"}};
  const DatasetIdentity current = {{"batch_size", "8"},
                                   {"operator 'Other'", "readers__File"},
                                   {"operator 'Other' argument 'files'", "['a']"},
                                   {"operator 'Same'", "x"}};
  EXPECT_EQ(IdentityDifferences(saved, current),
            (std::vector<std::string>{
                "batch_size: 4 in the checkpoint, 8 in this dataset",
                "operator 'Reader': readers__File in the checkpoint, none in this dataset",
                "operator 'Other': none in the checkpoint, readers__File in this dataset"}));
  EXPECT_TRUE(IdentityDifferences(saved, saved).empty());
  EXPECT_EQ(IdentityDifferences(saved, current, 1),
            (std::vector<std::string>{"batch_size: 4 in the checkpoint, 8 in this dataset",
                                      "... and 2 more"}));
}

DaliDatasetAttrs Attrs(int batch_size, const std::string& reader_name = "") {
  DaliDatasetAttrs attrs;
  attrs.pipeline.serialized_pipeline = SerializedPipeline();
  attrs.pipeline.batch_size = batch_size;
  if (!reader_name.empty()) {
    attrs.epochs.reader_name = reader_name;
    attrs.epochs.last_batch_policy = LastBatchPolicy::kDrop;
    attrs.epochs.epoch_size = attrs.epochs.epoch_size_padded = 2;
    attrs.epochs.key = "a DALIDataset";
  }
  InputSpec input;
  input.name = "x";
  attrs.inputs.push_back(input);
  return attrs;
}

TEST(CheckpointIdentityTest, ARestoreChecksTheSavedDescription) {
  IteratorState state;
  ASSERT_TRUE(SaveDatasetIdentity(Attrs(4, "Reader"), {}, &state, "it").ok());
  EXPECT_TRUE(CheckDatasetIdentity(Attrs(4, "Reader"), {}, &state, "it").ok());

  DaliDatasetAttrs other_key = Attrs(4, "Reader");
  other_key.epochs.key = "another DALIDataset";  // the same dataset made again
  EXPECT_TRUE(CheckDatasetIdentity(other_key, {}, &state, "it").ok());

  EXPECT_TRUE(IsInvalidArgument(CheckDatasetIdentity(Attrs(8, "Reader"), {}, &state, "it"),
                                {"saved from a different DALI dataset",
                                 "batch_size: 4 in the checkpoint, 8 in this dataset"}));
  DaliDatasetAttrs batched = Attrs(4, "Reader");
  batched.inputs[0].batched = true;
  batched.inputs[0].layout = "HWC";
  EXPECT_TRUE(IsInvalidArgument(
      CheckDatasetIdentity(batched, {}, &state, "it"),
      {"input 0: 'x', per-sample, layout as in the pipeline in the checkpoint, 'x', batch, "
       "layout 'HWC' in this dataset"}));
  EXPECT_TRUE(IsInvalidArgument(CheckDatasetIdentity(Attrs(4), {}, &state, "it"),
                                {"reader_name: 'Reader' in the checkpoint, none in this dataset",
                                 "last_batch_policy: drop in the checkpoint, none in this dataset",
                                 "reader_epoch_size: 2 in the checkpoint, none in this dataset"}));
}

TEST(CheckpointIdentityTest, ACheckpointWithoutADescriptionIsRefused) {
  IteratorState state;
  ASSERT_TRUE(SaveDatasetIdentity(Attrs(4), {}, &state, "it").ok());
  state.Erase("it", "dataset_identity_values");
  EXPECT_TRUE(IsInvalidArgument(CheckDatasetIdentity(Attrs(4), {}, &state, "it"),
                                {"does not say which DALI dataset it was saved from"}));
}

}  // namespace
}  // namespace dali_tf
