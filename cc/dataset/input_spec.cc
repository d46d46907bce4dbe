#include "cc/dataset/input_spec.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tensorflow/core/framework/attr_value.pb.h"

namespace dali_tf {

namespace {

// What TensorFlow's py_func says when its callback is not registered in the running process
// (tensorflow/python/ops/script_ops.py).
constexpr char kMissingPythonCallback[] = "Could not find callback with key=";

}  // namespace

absl::Status ParseInputSpec(const std::string& serialized, int index, InputSpec* spec) {
  tensorflow::NameAttrList record;
  if (!record.ParseFromString(serialized) || record.name().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "input_specs[", index, "] is not a serialized NameAttrList naming an external source"));
  }
  *spec = InputSpec();
  spec->name = record.name();
  for (const auto& [key, value] : record.attr()) {
    if (key == InputSpec::kLayout && value.value_case() == tensorflow::AttrValue::kS) {
      spec->layout = value.s();
    } else if (key == InputSpec::kBatched && value.value_case() == tensorflow::AttrValue::kB) {
      spec->batched = value.b();
    } else if (key == InputSpec::kPythonSource && value.value_case() == tensorflow::AttrValue::kS) {
      spec->python_source = value.s();
    } else {
      return absl::InvalidArgumentError(absl::StrCat("input_specs[", index, "] (input '",
                                                     spec->name,
                                                     "') has an unknown or mistyped "
                                                     "entry '",
                                                     key, "'"));
    }
  }
  if (spec->layout.find('\0') != std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat("input_specs[", index, "] (input '", spec->name,
                                                   "'): the layout contains a NUL"));
  }
  return absl::OkStatus();
}

std::string SerializeInputSpec(const InputSpec& spec) {
  tensorflow::NameAttrList record;
  record.set_name(spec.name);
  auto& attr = *record.mutable_attr();
  attr[InputSpec::kLayout].set_s(spec.layout);
  attr[InputSpec::kBatched].set_b(spec.batched);
  attr[InputSpec::kPythonSource].set_s(spec.python_source);
  std::string serialized;
  record.SerializeToString(&serialized);
  return serialized;
}

absl::Status ExplainPullError(const InputSpec& spec, const absl::Status& pulled) {
  if (pulled.ok() || spec.python_source.empty() ||
      !absl::StrContains(pulled.message(), kMissingPythonCallback)) {
    return pulled;
  }
  return absl::FailedPreconditionError(absl::StrCat(
      "Input '", spec.name, "' comes from the Python source ", spec.python_source,
      " (fn.external_source(source=...)), which runs only in the Python process that made the "
      "DALI dataset; this copy of the dataset was rebuilt from its graph in another process "
      "(e.g. a tf.data service worker), which cannot call it. Read the data with a DALI reader "
      "(fn.readers.*), or feed the input from a tf.data dataset in input_datasets. TensorFlow "
      "said: ",
      pulled.message()));
}

}  // namespace dali_tf
