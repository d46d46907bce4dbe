// An input's record: serialized and parsed back, and a failed pull explained where it is a
// Python source= callback missing from the process (a dataset rebuilt on a tf.data service
// worker; end to end in tests/service/errors_test.py).
#include "cc/dataset/input_spec.h"

#include "gtest/gtest.h"
#include "tests/cc/status_matchers.h"

namespace dali_tf {
namespace {

InputSpec PythonSource() {
  InputSpec spec;
  spec.name = "from_python";
  spec.python_source = "source=<lambda>";
  return spec;
}

TEST(InputSpecTest, RoundTrips) {
  InputSpec spec = PythonSource();
  spec.batched = true;
  spec.layout = "HWC";
  InputSpec parsed;
  ASSERT_TRUE(ParseInputSpec(SerializeInputSpec(spec), 0, &parsed).ok());
  EXPECT_EQ(parsed.name, spec.name);
  EXPECT_EQ(parsed.batched, spec.batched);
  EXPECT_EQ(parsed.layout, spec.layout);
  EXPECT_EQ(parsed.python_source, spec.python_source);
}

TEST(InputSpecTest, AMissingPythonCallbackIsExplained) {
  const absl::Status missing = absl::InvalidArgumentError(
      "ValueError: Could not find callback with key=pyfunc_0 in the registry.");
  EXPECT_TRUE(StatusIs(ExplainPullError(PythonSource(), missing),
                       absl::StatusCode::kFailedPrecondition,
                       {"Input 'from_python' comes from the Python source source=<lambda>",
                        "another process (e.g. a tf.data service worker)",
                        "TensorFlow said: ValueError: Could not find callback"}));
}

TEST(InputSpecTest, OtherPullResultsPassThrough) {
  const absl::Status other = absl::InvalidArgumentError("ValueError: bad sample");
  EXPECT_EQ(ExplainPullError(PythonSource(), other), other);
  EXPECT_TRUE(ExplainPullError(PythonSource(), absl::OkStatus()).ok());
  // An input fed from a tf.data dataset has no Python callback to miss.
  InputSpec dataset_input;
  dataset_input.name = "encoded";
  const absl::Status missing =
      absl::InvalidArgumentError("Could not find callback with key=pyfunc_3 in the registry.");
  EXPECT_EQ(ExplainPullError(dataset_input, missing), missing);
}

}  // namespace
}  // namespace dali_tf
