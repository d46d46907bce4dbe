#include "cc/common/dtype_mapping.h"

#include "tensorflow/core/framework/types.h"

namespace dali_tf {
namespace {

struct TypePair {
  daliDataType_t dali;
  tensorflow::DataType tf;
  // The names users write in Python (tf.<name>, nvidia.dali.types.<name>), for messages and
  // advice they can paste: TensorFlow's own DataTypeString says "float", "half", "double".
  const char* tf_python;
  const char* dali_python;
};

constexpr TypePair kTypePairs[] = {
    {DALI_BOOL, tensorflow::DT_BOOL, "bool", "BOOL"},
    {DALI_INT8, tensorflow::DT_INT8, "int8", "INT8"},
    {DALI_INT16, tensorflow::DT_INT16, "int16", "INT16"},
    {DALI_INT32, tensorflow::DT_INT32, "int32", "INT32"},
    {DALI_INT64, tensorflow::DT_INT64, "int64", "INT64"},
    {DALI_UINT8, tensorflow::DT_UINT8, "uint8", "UINT8"},
    {DALI_UINT16, tensorflow::DT_UINT16, "uint16", "UINT16"},
    {DALI_UINT32, tensorflow::DT_UINT32, "uint32", "UINT32"},
    {DALI_UINT64, tensorflow::DT_UINT64, "uint64", "UINT64"},
    {DALI_FLOAT16, tensorflow::DT_HALF, "float16", "FLOAT16"},
    {DALI_FLOAT, tensorflow::DT_FLOAT, "float32", "FLOAT"},
    {DALI_FLOAT64, tensorflow::DT_DOUBLE, "float64", "FLOAT64"},
};

const TypePair* FindTf(tensorflow::DataType tf_type) {
  for (const auto& pair : kTypePairs) {
    if (pair.tf == tf_type) return &pair;
  }
  return nullptr;
}

}  // namespace

bool DaliToTfType(daliDataType_t dali_type, tensorflow::DataType* tf_type) {
  for (const auto& pair : kTypePairs) {
    if (pair.dali == dali_type) {
      *tf_type = pair.tf;
      return true;
    }
  }
  return false;
}

bool TfToDaliType(tensorflow::DataType tf_type, daliDataType_t* dali_type) {
  const TypePair* pair = FindTf(tf_type);
  if (pair != nullptr) *dali_type = pair->dali;
  return pair != nullptr;
}

std::string SupportedTfTypeNames() {
  std::string names;
  for (const auto& pair : kTypePairs) {
    if (!names.empty()) names += ", ";
    names += pair.tf_python;
  }
  return names;
}

std::string TfTypeName(tensorflow::DataType tf_type) {
  const TypePair* pair = FindTf(tf_type);
  return pair != nullptr ? pair->tf_python : tensorflow::DataTypeString(tf_type);
}

std::string DaliPythonTypeName(tensorflow::DataType tf_type) {
  const TypePair* pair = FindTf(tf_type);
  return pair != nullptr ? std::string("types.") + pair->dali_python
                         : tensorflow::DataTypeString(tf_type);
}

std::string DaliTypeName(daliDataType_t dali_type) {
  tensorflow::DataType tf_type;
  if (DaliToTfType(dali_type, &tf_type)) return TfTypeName(tf_type);
  switch (dali_type) {
    case DALI_STRING:
      return "DALI string";
    case DALI_NO_TYPE:
      return "no type";
    default:
      return "DALI type " + std::to_string(static_cast<int>(dali_type));
  }
}

}  // namespace dali_tf
