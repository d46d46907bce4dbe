// Where things run, without a GPU: how device_id resolves against the op's placement (OnDevice),
// the dataset's device checks (CheckDeviceMatch before the pipeline exists, CheckOutputDevices
// once it does, as NVIDIA's plugin checks fail_on_device_mismatch), how input tensors are fed
// (InputFeedFlags) and the advice DALI's out-of-memory errors carry.
#include <string>
#include <vector>

#include "cc/common/dali_status.h"
#include "cc/common/pipeline_options.h"
#include "cc/common/tensor_placement.h"
#include "cc/dataset/input_feeder.h"
#include "cc/dataset/output_placement.h"
#include "gtest/gtest.h"
#include "tests/cc/status_matchers.h"

namespace dali_tf {
namespace {

TensorPlacement Cpu() {
  TensorPlacement placement;
  placement.device_name = "/job:localhost/replica:0/task:0/device:CPU:0";
  return placement;
}

TensorPlacement Gpu(int tf_index, int cuda_ordinal) {
  TensorPlacement placement;
  placement.on_gpu = true;
  placement.gpu_id = cuda_ordinal;
  placement.device_name = "/job:localhost/replica:0/task:0/device:GPU:" + std::to_string(tf_index);
  return placement;
}

int ResolvedDevice(int device_id, int cuda_ordinal) {
  PipelineOptions options;
  options.device_id = device_id;
  return OnDevice(options, cuda_ordinal).device_id;
}

TEST(OnDeviceTest, AnUnsetDeviceIsTheOpsGpuOrDalisChoiceOnTheCpu) {
  EXPECT_EQ(ResolvedDevice(kDeviceOfPlacement, 3), 3);
  EXPECT_EQ(ResolvedDevice(kDeviceOfPlacement, -1), kKeepSerialized);
  // Everything else is kept as it is.
  EXPECT_EQ(ResolvedDevice(1, 3), 1);
  EXPECT_EQ(ResolvedDevice(kCpuOnlyDeviceId, 3), kCpuOnlyDeviceId);
  EXPECT_EQ(ResolvedDevice(kKeepSerialized, 3), kKeepSerialized);
}

TEST(OnDeviceTest, ValidationAcceptsTheFourKindsOfDeviceId) {
  PipelineOptions options;
  options.serialized_pipeline = "x";
  for (int device_id : {0, 7, kKeepSerialized, kDeviceOfPlacement, kCpuOnlyDeviceId}) {
    options.device_id = device_id;
    EXPECT_TRUE(ValidatePipelineOptions(options).ok()) << device_id;
  }
  options.device_id = -3;
  EXPECT_TRUE(IsInvalidArgument(ValidatePipelineOptions(options),
                                {"device_id must be a CUDA ordinal (>= 0)", "got -3"}));
}

TEST(OnDeviceTest, OnlyCudaOrdinalsReachDali) {
  for (int device_id : {kKeepSerialized, kDeviceOfPlacement, kCpuOnlyDeviceId}) {
    PipelineOptions options;
    options.device_id = device_id;
    EXPECT_FALSE(PipelineParams(options).device_id_present) << device_id;
  }
}

TEST(CheckDeviceMatchTest, AGpuDatasetAndAPipelineOnAnotherGpu) {
  // TF's /gpu:1 is CUDA device 0 here (set_visible_devices): the ordinal is what counts.
  EXPECT_TRUE(CheckDeviceMatch(Gpu(1, 0), 0, true).ok());
  EXPECT_TRUE(IsInvalidArgument(
      CheckDeviceMatch(Gpu(1, 0), 1, true),
      {"DALIDataset is placed on /job:localhost/replica:0/task:0/device:GPU:1 (CUDA device 0)",
       "runs on GPU 1 (device_id=1)", "Give the pipeline device_id=0",
       "fail_on_device_mismatch=False"}));
  EXPECT_TRUE(CheckDeviceMatch(Gpu(1, 0), 1, false).ok());
}

TEST(CheckDeviceMatchTest, AGpuDatasetAndACpuOnlyPipeline) {
  EXPECT_TRUE(IsInvalidArgument(CheckDeviceMatch(Gpu(0, 0), kCpuOnlyDeviceId, true),
                                {"runs on the CPU only", "its outputs are host batches"}));
  EXPECT_TRUE(CheckDeviceMatch(Gpu(0, 0), kCpuOnlyDeviceId, false).ok());
}

TEST(CheckDeviceMatchTest, ACpuDatasetAcceptsAnyDeviceBeforeTheOutputsAreKnown) {
  // NVIDIA's notebooks run CPU pipelines with device_id=0 under tf.device('/cpu:0').
  for (int device_id : {0, 1, kKeepSerialized, kCpuOnlyDeviceId}) {
    EXPECT_TRUE(CheckDeviceMatch(Cpu(), device_id, true).ok()) << device_id;
  }
}

std::vector<IODesc> Outputs(std::initializer_list<daliStorageDevice_t> devices) {
  std::vector<IODesc> outputs;
  for (daliStorageDevice_t device : devices) outputs.push_back({"out", device, ""});
  return outputs;
}

TEST(CheckOutputDevicesTest, EachOutputOnTheDatasetsKindOfDevice) {
  EXPECT_TRUE(CheckOutputDevices(Cpu(), Outputs({DALI_STORAGE_CPU, DALI_STORAGE_CPU}), true).ok());
  EXPECT_TRUE(CheckOutputDevices(Gpu(0, 0), Outputs({DALI_STORAGE_GPU}), true).ok());
  EXPECT_TRUE(IsInvalidArgument(
      CheckOutputDevices(Cpu(), Outputs({DALI_STORAGE_CPU, DALI_STORAGE_GPU}), true),
      {"Output 1 of the DALI pipeline is a GPU batch but the DALIDataset is placed on "
       "/job:localhost/replica:0/task:0/device:CPU:0",
       ".cpu()"}));
  EXPECT_TRUE(IsInvalidArgument(
      CheckOutputDevices(Gpu(0, 2), Outputs({DALI_STORAGE_CPU}), true),
      {"Output 0 of the DALI pipeline is a CPU batch", "(CUDA device 2)", ".gpu()"}));
  // fail_on_device_mismatch=False: copied instead.
  EXPECT_TRUE(CheckOutputDevices(Cpu(), Outputs({DALI_STORAGE_GPU}), false).ok());
  EXPECT_TRUE(CheckOutputDevices(Gpu(0, 0), Outputs({DALI_STORAGE_CPU}), false).ok());
}

TEST(InputFeedFlagsTest, OnlyHostTensorsIntoACpuSourceGoWithoutACopy) {
  EXPECT_EQ(InputFeedFlags(false, DALI_STORAGE_CPU), DALI_FEED_INPUT_NO_COPY);
  // DALI refuses no-copy across device kinds, and TensorFlow's GPU memory is reused in stream
  // order: every other case is a copy; host data into a GPU source waits for the DMA.
  EXPECT_EQ(InputFeedFlags(false, DALI_STORAGE_GPU),
            DALI_FEED_INPUT_FORCE_COPY | DALI_FEED_INPUT_SYNC);
  EXPECT_EQ(InputFeedFlags(true, DALI_STORAGE_GPU), DALI_FEED_INPUT_FORCE_COPY);
  EXPECT_EQ(InputFeedFlags(true, DALI_STORAGE_CPU), DALI_FEED_INPUT_FORCE_COPY);
}

TEST(DaliStatusTest, OutOfMemorySaysHowToLeaveDaliSomeGpuMemory) {
  absl::Status status = DaliStatus(DALI_ERROR_OUT_OF_MEMORY, "DALI pipeline failed");
  EXPECT_TRUE(StatusIs(status, absl::StatusCode::kResourceExhausted,
                       {"DALI pipeline failed", "tf.config.experimental.set_memory_growth",
                        "TF_FORCE_GPU_ALLOW_GROWTH=true", "LogicalDeviceConfiguration"}));
}

}  // namespace
}  // namespace dali_tf
