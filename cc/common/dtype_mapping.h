// DALI <-> TensorFlow element types.
#ifndef DALI_TF_CC_COMMON_DTYPE_MAPPING_H_
#define DALI_TF_CC_COMMON_DTYPE_MAPPING_H_

#include <string>

#include "dali/dali.h"
#include "tensorflow/core/framework/types.pb.h"

namespace dali_tf {

// False for DALI types TensorFlow has no equivalent of (strings, enums, ...).
bool DaliToTfType(daliDataType_t dali_type, tensorflow::DataType* tf_type);
bool TfToDaliType(tensorflow::DataType tf_type, daliDataType_t* dali_type);

// "bool, int8, ..., double": every TensorFlow type DALI has, for messages.
std::string SupportedTfTypeNames();

// "float32", "uint8", ...: a type as TensorFlow's Python API names it (tf.float32), where
// DataTypeString says "float".
std::string TfTypeName(tensorflow::DataType tf_type);

// "types.FLOAT", "types.INT32", ...: the nvidia.dali.types name of a TF type DALI has.
std::string DaliPythonTypeName(tensorflow::DataType tf_type);

// "float32", "uint8", ... as numpy/TF users know them; DALI names for types TF lacks.
std::string DaliTypeName(daliDataType_t dali_type);

}  // namespace dali_tf

#endif  // DALI_TF_CC_COMMON_DTYPE_MAPPING_H_
