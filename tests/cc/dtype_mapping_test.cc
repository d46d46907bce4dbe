// DALI <-> TensorFlow element types: the 12 pairs both ways, and the types without a partner.
#include "cc/common/dtype_mapping.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace dali_tf {
namespace {

using tensorflow::DataType;

struct Pair {
  daliDataType_t dali;
  DataType tf;
  const char* name;
};

const std::vector<Pair>& AllPairs() {
  static const std::vector<Pair> pairs = {
      {DALI_BOOL, tensorflow::DT_BOOL, "bool"},
      {DALI_INT8, tensorflow::DT_INT8, "int8"},
      {DALI_INT16, tensorflow::DT_INT16, "int16"},
      {DALI_INT32, tensorflow::DT_INT32, "int32"},
      {DALI_INT64, tensorflow::DT_INT64, "int64"},
      {DALI_UINT8, tensorflow::DT_UINT8, "uint8"},
      {DALI_UINT16, tensorflow::DT_UINT16, "uint16"},
      {DALI_UINT32, tensorflow::DT_UINT32, "uint32"},
      {DALI_UINT64, tensorflow::DT_UINT64, "uint64"},
      {DALI_FLOAT16, tensorflow::DT_HALF, "float16"},
      {DALI_FLOAT, tensorflow::DT_FLOAT, "float32"},
      {DALI_FLOAT64, tensorflow::DT_DOUBLE, "float64"},
  };
  return pairs;
}

TEST(DtypeMappingTest, EveryPairMapsBothWaysAndRoundTrips) {
  for (const Pair& pair : AllPairs()) {
    SCOPED_TRACE(pair.name);
    DataType tf = tensorflow::DT_INVALID;
    ASSERT_TRUE(DaliToTfType(pair.dali, &tf));
    EXPECT_EQ(tf, pair.tf);
    daliDataType_t dali = DALI_NO_TYPE;
    ASSERT_TRUE(TfToDaliType(tf, &dali));
    EXPECT_EQ(dali, pair.dali);
    EXPECT_EQ(DaliTypeName(pair.dali), pair.name);
    EXPECT_EQ(TfTypeName(pair.tf), pair.name);  // as tf.<name> spells it, not "float"
  }
}

TEST(DtypeMappingTest, DaliTypesWithoutATfTypeAreRefused) {
  // DALI_INT64_VEC is left out: DALI 2.0-2.2 do not declare it (1234 stands for unknown types).
  for (daliDataType_t dali :
       {DALI_NO_TYPE, DALI_STRING, DALI_BOOL_VEC, DALI_INT_VEC, DALI_TF_FEATURE, DALI_PYTHON_OBJECT,
        static_cast<daliDataType_t>(1234)}) {
    SCOPED_TRACE(static_cast<int>(dali));
    DataType tf = tensorflow::DT_VARIANT;
    EXPECT_FALSE(DaliToTfType(dali, &tf));
    EXPECT_EQ(tf, tensorflow::DT_VARIANT);  // left alone
  }
}

TEST(DtypeMappingTest, TfTypesWithoutADaliTypeAreRefused) {
  for (DataType tf : {tensorflow::DT_INVALID, tensorflow::DT_STRING, tensorflow::DT_BFLOAT16,
                      tensorflow::DT_COMPLEX64, tensorflow::DT_COMPLEX128, tensorflow::DT_RESOURCE,
                      tensorflow::DT_VARIANT, tensorflow::DT_QINT8, tensorflow::DT_FLOAT_REF}) {
    SCOPED_TRACE(tensorflow::DataType_Name(tf));
    daliDataType_t dali = DALI_INT_VEC;
    EXPECT_FALSE(TfToDaliType(tf, &dali));
    EXPECT_EQ(dali, DALI_INT_VEC);  // left alone
  }
}

TEST(DtypeMappingTest, SupportedTfTypeNamesListsTheTwelveTypes) {
  EXPECT_EQ(SupportedTfTypeNames(),
            "bool, int8, int16, int32, int64, uint8, uint16, uint32, uint64, float16, float32, "
            "float64");
  std::string expected;
  for (const Pair& pair : AllPairs()) {
    expected += (expected.empty() ? "" : ", ") + std::string(pair.name);
  }
  EXPECT_EQ(SupportedTfTypeNames(), expected);
  EXPECT_EQ(AllPairs().size(), 12u);
}

TEST(DtypeMappingTest, DaliPythonTypeNameForCastAdvice) {
  EXPECT_EQ(DaliPythonTypeName(tensorflow::DT_INT32), "types.INT32");
  EXPECT_EQ(DaliPythonTypeName(tensorflow::DT_FLOAT), "types.FLOAT");
  EXPECT_EQ(DaliPythonTypeName(tensorflow::DT_HALF), "types.FLOAT16");
  EXPECT_EQ(DaliPythonTypeName(tensorflow::DT_DOUBLE), "types.FLOAT64");
}

TEST(DtypeMappingTest, DaliTypeNameOfTypesTfLacks) {
  EXPECT_EQ(DaliTypeName(DALI_STRING), "DALI string");
  EXPECT_EQ(DaliTypeName(DALI_NO_TYPE), "no type");
  EXPECT_EQ(DaliTypeName(DALI_TF_FEATURE), "DALI type 17");
}

}  // namespace
}  // namespace dali_tf
