// PlanOutputs: how the legacy Dali op's `data` list (dtypes/shapes, one per produced tensor) maps
// onto pipeline outputs, a sparse output taking 3 slots (indices, values, dense_shape).
#include "cc/legacy/op_config.h"

#include <vector>

#include "gtest/gtest.h"
#include "tests/cc/status_matchers.h"

namespace dali_tf {
namespace {

using tensorflow::DataTypeVector;
using tensorflow::DT_FLOAT;
using tensorflow::DT_INT32;
using tensorflow::DT_INT64;
using tensorflow::DT_UINT8;

void ExpectPlanned(const PlannedOutput& output, int first_slot, bool sparse, int values_slot) {
  EXPECT_EQ(output.first_slot, first_slot);
  EXPECT_EQ(output.sparse, sparse);
  EXPECT_EQ(output.values_slot(), values_slot);
}

TEST(PlanOutputsTest, DenseOnlyOneSlotPerOutput) {
  std::vector<PlannedOutput> plan;
  ASSERT_TRUE(PlanOutputs(DataTypeVector{DT_FLOAT, DT_INT32, DT_UINT8}, 3, {}, &plan).ok());
  ASSERT_EQ(plan.size(), 3u);
  ExpectPlanned(plan[0], 0, false, 0);
  ExpectPlanned(plan[1], 1, false, 1);
  ExpectPlanned(plan[2], 2, false, 2);
}

TEST(PlanOutputsTest, AllFalseSparseIsDense) {
  std::vector<PlannedOutput> plan;
  ASSERT_TRUE(PlanOutputs(DataTypeVector{DT_FLOAT, DT_INT32}, 2, {false, false}, &plan).ok());
  ASSERT_EQ(plan.size(), 2u);
  ExpectPlanned(plan[0], 0, false, 0);
  ExpectPlanned(plan[1], 1, false, 1);
}

TEST(PlanOutputsTest, SparseOutputTakesThreeSlots) {
  // sparse=[F, T]: data = [T0, indices, values, dense_shape].
  std::vector<PlannedOutput> plan;
  ASSERT_TRUE(
      PlanOutputs(DataTypeVector{DT_FLOAT, DT_INT64, DT_INT32, DT_INT64}, 4, {false, true}, &plan)
          .ok());
  ASSERT_EQ(plan.size(), 2u);
  ExpectPlanned(plan[0], 0, false, 0);
  ExpectPlanned(plan[1], 1, true, 2);
  EXPECT_EQ(plan[1].dense_shape_slot(), 3);
}

TEST(PlanOutputsTest, SparseDenseSparse) {
  std::vector<PlannedOutput> plan;
  DataTypeVector dtypes{DT_INT64, DT_FLOAT, DT_INT64,   // sparse output 0
                        DT_UINT8,                       // dense output 1
                        DT_INT64, DT_INT32, DT_INT64};  // sparse output 2
  ASSERT_TRUE(PlanOutputs(dtypes, 7, {true, false, true}, &plan).ok());
  ASSERT_EQ(plan.size(), 3u);
  ExpectPlanned(plan[0], 0, true, 1);
  EXPECT_EQ(plan[0].dense_shape_slot(), 2);
  ExpectPlanned(plan[1], 3, false, 3);
  ExpectPlanned(plan[2], 4, true, 5);
  EXPECT_EQ(plan[2].dense_shape_slot(), 6);
}

TEST(PlanOutputsTest, PlanIsReplacedNotAppended) {
  std::vector<PlannedOutput> plan(5);
  ASSERT_TRUE(PlanOutputs(DataTypeVector{DT_FLOAT}, 1, {}, &plan).ok());
  ASSERT_EQ(plan.size(), 1u);
  ExpectPlanned(plan[0], 0, false, 0);
}

TEST(PlanOutputsTest, MoreShapesThanDtypes) {
  std::vector<PlannedOutput> plan;
  EXPECT_TRUE(IsInvalidArgument(PlanOutputs(DataTypeVector{DT_FLOAT}, 2, {}, &plan),
                                {"shapes has 2 entries but dtypes has 1"}));
}

TEST(PlanOutputsTest, FewerShapesThanDtypesIsFine) {
  // NVIDIA's plugin: the tensors without a shape have unknown shapes.
  std::vector<PlannedOutput> plan;
  ASSERT_TRUE(PlanOutputs(DataTypeVector{DT_FLOAT, DT_INT32}, 1, {}, &plan).ok());
  ASSERT_EQ(plan.size(), 2u);
  ExpectPlanned(plan[1], 1, false, 1);
}

TEST(PlanOutputsTest, OutputsAfterTheSparseListAreDense) {
  // sparse=[F, T] for four outputs (the plugin's COCO example): data = [T0, indices, values,
  // dense_shape, T2, T3].
  std::vector<PlannedOutput> plan;
  DataTypeVector dtypes{DT_INT32, DT_INT64, DT_FLOAT, DT_INT64, DT_INT32, DT_INT32};
  ASSERT_TRUE(PlanOutputs(dtypes, 4, {false, true}, &plan).ok());
  ASSERT_EQ(plan.size(), 4u);
  ExpectPlanned(plan[0], 0, false, 0);
  ExpectPlanned(plan[1], 1, true, 2);
  ExpectPlanned(plan[2], 4, false, 4);
  ExpectPlanned(plan[3], 5, false, 5);
}

TEST(PlanOutputsTest, SparseNeedsMoreSlotsThanDtypes) {
  std::vector<PlannedOutput> plan;
  // One sparse output produces 3 tensors, but only 2 dtypes are given.
  EXPECT_TRUE(IsInvalidArgument(
      PlanOutputs(DataTypeVector{DT_INT64, DT_FLOAT}, 2, {true}, &plan),
      {"sparse describes 1 outputs that produce 3 tensors", "dtypes has 2 entries"}));
  EXPECT_TRUE(IsInvalidArgument(
      PlanOutputs(DataTypeVector{DT_FLOAT, DT_FLOAT}, 2, {false, false, false}, &plan),
      {"sparse describes 3 outputs that produce 3 tensors", "dtypes has 2 entries"}));
}

TEST(DeclaredShapesTest, RankZeroAndMissingShapesAreUnknown) {
  using tensorflow::PartialTensorShape;
  std::vector<PartialTensorShape> declared =
      DeclaredShapes({PartialTensorShape({8, 3}), PartialTensorShape({}), PartialTensorShape()}, 4);
  ASSERT_EQ(declared.size(), 4u);
  EXPECT_TRUE(declared[0].IsIdenticalTo(PartialTensorShape({8, 3})));
  for (int slot : {1, 2, 3}) EXPECT_TRUE(declared[slot].unknown_rank()) << slot;
}

TEST(InferBatchSizeTest, FirstDenseOutputWithADeclaredBatch) {
  using tensorflow::PartialTensorShape;
  std::vector<PlannedOutput> plan;
  ASSERT_TRUE(PlanOutputs(DataTypeVector{DT_INT64, DT_FLOAT, DT_INT64, DT_FLOAT, DT_INT32}, 5,
                          {true}, &plan)
                  .ok());
  int batch_size = -1;
  // The sparse output's (16, 3) is a hint and does not count; the unknown shape is skipped.
  ASSERT_TRUE(InferBatchSize(plan,
                             DeclaredShapes({PartialTensorShape({16, 3}), PartialTensorShape(),
                                             PartialTensorShape(), PartialTensorShape(),
                                             PartialTensorShape({4, 1})},
                                            5),
                             &batch_size)
                  .ok());
  EXPECT_EQ(batch_size, 4);
  EXPECT_TRUE(IsInvalidArgument(
      InferBatchSize(plan, DeclaredShapes({PartialTensorShape({})}, 5), &batch_size),
      {"batch_size is -1 (infer) but no dense output declares its batch"}));
}

TEST(PlanOutputsTest, SparseIndicesSlotMustBeInt64) {
  std::vector<PlannedOutput> plan;
  EXPECT_TRUE(IsInvalidArgument(
      PlanOutputs(DataTypeVector{DT_INT32, DT_FLOAT, DT_INT64}, 3, {true}, &plan),
      {"dtypes[0] must be int64: it is the indices of sparse output 0, got int32"}));
}

TEST(PlanOutputsTest, SparseDenseShapeSlotMustBeInt64) {
  std::vector<PlannedOutput> plan;
  EXPECT_TRUE(IsInvalidArgument(
      PlanOutputs(DataTypeVector{DT_FLOAT, DT_INT64, DT_FLOAT, DT_INT32}, 4, {false, true}, &plan),
      {"dtypes[3] must be int64: it is the dense_shape of sparse output 1, got int32"}));
}

}  // namespace
}  // namespace dali_tf
