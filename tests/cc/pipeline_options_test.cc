// PipelineOptions: validation (errors name the attribute), the attributes written back into
// dataset graphs, and PipelineParams, the overrides handed to daliPipelineDeserialize.
#include "cc/common/pipeline_options.h"

#include <string>

#include "gtest/gtest.h"
#include "tests/cc/status_matchers.h"

namespace dali_tf {
namespace {

using P = PipelineOptions;

PipelineOptions Valid() {
  PipelineOptions options;
  options.serialized_pipeline = "serialized";
  return options;
}

TEST(ValidatePipelineOptionsTest, DefaultsWithAPipelineAreValid) {
  EXPECT_TRUE(ValidatePipelineOptions(Valid()).ok());
}

TEST(ValidatePipelineOptionsTest, PositiveValuesAreValid) {
  PipelineOptions options = Valid();
  options.batch_size = 32;
  options.num_threads = 1;
  options.cpu_prefetch_queue_depth = 2;
  options.gpu_prefetch_queue_depth = 3;
  options.device_id = kCpuOnlyDeviceId;
  EXPECT_TRUE(ValidatePipelineOptions(options).ok());
}

TEST(ValidatePipelineOptionsTest, EmptyPipeline) {
  EXPECT_TRUE(IsInvalidArgument(ValidatePipelineOptions(PipelineOptions()),
                                {"serialized_pipeline is empty"}));
}

TEST(ValidatePipelineOptionsTest, ErrorsNameTheAttribute) {
  struct Case {
    int PipelineOptions::*field;
    int value;
    std::string message;
  };
  for (const Case& c : {
           Case{&P::batch_size, 0, "batch_size must be positive (or -1: as serialized), got 0"},
           Case{&P::num_threads, -2, "num_threads must be positive (or -1: as serialized), got -2"},
           Case{&P::cpu_prefetch_queue_depth, 0, "cpu_prefetch_queue_depth must be positive"},
           Case{&P::gpu_prefetch_queue_depth, -5,
                "gpu_prefetch_queue_depth must be positive (or -1: as serialized), got -5"},
       }) {
    SCOPED_TRACE(c.message);
    PipelineOptions options = Valid();
    options.*c.field = c.value;
    EXPECT_TRUE(IsInvalidArgument(ValidatePipelineOptions(options), {c.message}));
  }
}

TEST(PipelineOptionAttrsTest, NamesAndValues) {
  PipelineOptions options;
  options.serialized_pipeline = "proto bytes";
  options.batch_size = 16;
  options.num_threads = 3;
  options.device_id = kCpuOnlyDeviceId;
  options.exec_separated = true;
  options.exec_dynamic = false;
  options.cpu_prefetch_queue_depth = 4;
  options.gpu_prefetch_queue_depth = kKeepSerialized;
  options.enable_memory_stats = true;
  options.seed = 1234;

  auto attrs = PipelineOptionAttrs(options);
  ASSERT_EQ(attrs.size(), 10u);
  EXPECT_EQ(attrs[0].first, "serialized_pipeline");
  EXPECT_EQ(attrs[0].second.s(), "proto bytes");
  EXPECT_EQ(attrs[1].first, "batch_size");
  EXPECT_EQ(attrs[1].second.i(), 16);
  EXPECT_EQ(attrs[2].first, "num_threads");
  EXPECT_EQ(attrs[2].second.i(), 3);
  EXPECT_EQ(attrs[3].first, "device_id");
  EXPECT_EQ(attrs[3].second.i(), -99999);
  EXPECT_EQ(attrs[4].first, "exec_separated");
  EXPECT_TRUE(attrs[4].second.b());
  EXPECT_EQ(attrs[5].first, "exec_dynamic");
  EXPECT_FALSE(attrs[5].second.b());
  EXPECT_EQ(attrs[6].first, "cpu_prefetch_queue_depth");
  EXPECT_EQ(attrs[6].second.i(), 4);
  EXPECT_EQ(attrs[7].first, "gpu_prefetch_queue_depth");
  EXPECT_EQ(attrs[7].second.i(), -1);
  EXPECT_EQ(attrs[8].first, "enable_memory_stats");
  EXPECT_TRUE(attrs[8].second.b());
  EXPECT_EQ(attrs[9].first, "seed");
  EXPECT_EQ(attrs[9].second.i(), 1234);
}

TEST(PipelineOptionAttrsTest, AttrValueKinds) {
  auto attrs = PipelineOptionAttrs(Valid());
  EXPECT_EQ(attrs[0].second.value_case(), tensorflow::AttrValue::kS);
  for (int i : {1, 2, 3, 6, 7, 9}) {
    EXPECT_EQ(attrs[i].second.value_case(), tensorflow::AttrValue::kI);
  }
  for (int i : {4, 5, 8}) EXPECT_EQ(attrs[i].second.value_case(), tensorflow::AttrValue::kB);
}

TEST(PipelineParamsTest, KeepSerializedLeavesEverythingButTheExecutorUnset) {
  daliPipelineParams_t params = PipelineParams(PipelineOptions());
  EXPECT_FALSE(params.max_batch_size_present);
  EXPECT_FALSE(params.num_threads_present);
  EXPECT_FALSE(params.device_id_present);
  EXPECT_FALSE(params.prefetch_queue_depths_present);
  EXPECT_FALSE(params.enable_memory_stats_present);
  EXPECT_FALSE(params.seed_present);
  EXPECT_FALSE(params.exec_flags_present);
  EXPECT_FALSE(params.enable_checkpointing_present);
  EXPECT_FALSE(params.bytes_per_sample_hint_present);
  EXPECT_TRUE(params.exec_type_present);
  EXPECT_EQ(params.exec_type, DALI_EXEC_DYNAMIC);  // exec_dynamic defaults to true
}

TEST(PipelineParamsTest, GivenValuesAreSet) {
  PipelineOptions options;
  options.batch_size = 32;
  options.num_threads = 4;
  options.device_id = 1;
  options.enable_memory_stats = true;
  daliPipelineParams_t params = PipelineParams(options);
  ASSERT_TRUE(params.max_batch_size_present);
  EXPECT_EQ(params.max_batch_size, 32);
  ASSERT_TRUE(params.num_threads_present);
  EXPECT_EQ(params.num_threads, 4);
  ASSERT_TRUE(params.device_id_present);
  EXPECT_EQ(params.device_id, 1);
  ASSERT_TRUE(params.enable_memory_stats_present);
  EXPECT_TRUE(params.enable_memory_stats);
}

TEST(PipelineParamsTest, SeedIsSetWhenGiven) {
  PipelineOptions options;
  EXPECT_FALSE(PipelineParams(options).seed_present);
  options.seed = 0;
  daliPipelineParams_t params = PipelineParams(options);
  ASSERT_TRUE(params.seed_present);
  EXPECT_EQ(params.seed, 0);
}

TEST(PipelineParamsTest, DeviceZeroIsSet) {
  PipelineOptions options;
  options.device_id = 0;
  daliPipelineParams_t params = PipelineParams(options);
  ASSERT_TRUE(params.device_id_present);
  EXPECT_EQ(params.device_id, 0);
}

TEST(PipelineParamsTest, CpuOnlyDeviceIdIsLeftAsSerialized) {
  PipelineOptions options;
  options.device_id = kCpuOnlyDeviceId;
  EXPECT_FALSE(PipelineParams(options).device_id_present);
}

TEST(PipelineParamsTest, ExecutorFlags) {
  struct Case {
    bool dynamic, separated;
    daliExecType_t expected;
  };
  for (const Case& c : {
           Case{true, false, DALI_EXEC_DYNAMIC},
           Case{false, false, DALI_EXEC_ASYNC_PIPELINED},
           Case{false, true, DALI_EXEC_ASYNC_PIPELINED | DALI_EXEC_IS_SEPARATED},
           Case{true, true, DALI_EXEC_DYNAMIC | DALI_EXEC_IS_SEPARATED},
       }) {
    SCOPED_TRACE(testing::Message() << "dynamic=" << c.dynamic << " separated=" << c.separated);
    PipelineOptions options;
    options.exec_dynamic = c.dynamic;
    options.exec_separated = c.separated;
    daliPipelineParams_t params = PipelineParams(options);
    ASSERT_TRUE(params.exec_type_present);
    EXPECT_EQ(static_cast<int>(params.exec_type), static_cast<int>(c.expected));
  }
  EXPECT_EQ(static_cast<int>(DALI_EXEC_ASYNC_PIPELINED | DALI_EXEC_IS_SEPARATED), 1 | 2 | 4);
  EXPECT_EQ(static_cast<int>(DALI_EXEC_DYNAMIC | DALI_EXEC_IS_SEPARATED), 1 | 2 | 4 | 8);
}

TEST(PipelineParamsTest, OneQueueDepthFillsBoth) {
  PipelineOptions cpu_only;
  cpu_only.cpu_prefetch_queue_depth = 3;
  daliPipelineParams_t params = PipelineParams(cpu_only);
  ASSERT_TRUE(params.prefetch_queue_depths_present);
  EXPECT_EQ(params.prefetch_queue_depths.cpu, 3);
  EXPECT_EQ(params.prefetch_queue_depths.gpu, 3);

  PipelineOptions gpu_only;
  gpu_only.gpu_prefetch_queue_depth = 5;
  params = PipelineParams(gpu_only);
  ASSERT_TRUE(params.prefetch_queue_depths_present);
  EXPECT_EQ(params.prefetch_queue_depths.cpu, 5);
  EXPECT_EQ(params.prefetch_queue_depths.gpu, 5);
}

TEST(PipelineParamsTest, BothQueueDepths) {
  PipelineOptions options;
  options.cpu_prefetch_queue_depth = 2;
  options.gpu_prefetch_queue_depth = 4;
  daliPipelineParams_t params = PipelineParams(options);
  ASSERT_TRUE(params.prefetch_queue_depths_present);
  EXPECT_EQ(params.prefetch_queue_depths.cpu, 2);
  EXPECT_EQ(params.prefetch_queue_depths.gpu, 4);
}

}  // namespace
}  // namespace dali_tf
