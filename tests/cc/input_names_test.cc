// The rule pairing a dataset's inputs with its pipeline's external sources (CheckInputNames), the
// one both the kernel and Python's construction-time check apply (through c_exports; end to end
// in tests/inputs/errors_test.py).
#include <string>
#include <vector>

#include "cc/dataset/input_feeder.h"
#include "gtest/gtest.h"
#include "tests/cc/status_matchers.h"

namespace dali_tf {
namespace {

using Names = std::vector<std::string>;

TEST(InputNamesTest, EveryExternalSourceFedOnce) {
  EXPECT_TRUE(CheckInputNames({"images", "labels"}, {"labels", "images"}).ok());
  EXPECT_TRUE(CheckInputNames({}, {}).ok());
}

TEST(InputNamesTest, AnInputWithoutItsExternalSourceNamesThem) {
  EXPECT_TRUE(IsInvalidArgument(
      CheckInputNames({"x", "y"}, {"x", "y", "nope"}),
      {"input_datasets names 'nope'", "no fn.external_source", "its external sources: x, y"}));
  EXPECT_TRUE(IsInvalidArgument(CheckInputNames({}, {"nope"}), {"its external sources: none"}));
}

TEST(InputNamesTest, AnInputGivenTwice) {
  EXPECT_TRUE(
      IsInvalidArgument(CheckInputNames({"x"}, {"x", "x"}), {"'x' is given more than once"}));
}

TEST(InputNamesTest, AnExternalSourceWithoutData) {
  EXPECT_TRUE(IsInvalidArgument(CheckInputNames({"x", "y"}, Names{"x"}),
                                {"fn.external_source 'y' has no data", "source="}));
}

}  // namespace
}  // namespace dali_tf
