// The dataset a DALIDataset op produces: an immutable description (the op's attributes, the
// device its tensors go to, the input datasets); each iterator made from it owns a DALI pipeline.
// With reader epochs (and no input datasets), an iterator that finished an epoch leaves its
// pipeline in the dataset's EpochHandover, and the next iterator goes on with it.
#ifndef DALI_TF_CC_DATASET_DALI_DATASET_H_
#define DALI_TF_CC_DATASET_DALI_DATASET_H_

#include <memory>
#include <string>
#include <vector>

#include "cc/common/tensor_placement.h"
#include "cc/dataset/dataset_attrs.h"
#include "cc/dataset/epoch_handover.h"
#include "tensorflow/core/framework/dataset.h"

namespace dali_tf {

class DaliDataset : public tensorflow::data::DatasetBase {
 public:
  static constexpr const char kOpName[] = "DALIDataset";

  // Takes a reference on each of `inputs`.
  DaliDataset(tensorflow::OpKernelContext* ctx, DaliDatasetAttrs attrs, TensorPlacement placement,
              std::vector<const DatasetBase*> inputs);
  ~DaliDataset() override;

  const DaliDatasetAttrs& attrs() const { return attrs_; }
  const TensorPlacement& placement() const { return placement_; }
  const std::vector<const DatasetBase*>& inputs() const { return inputs_; }
  // Where an iterator leaves its pipeline at the end of an epoch for the next one.
  EpochHandover& handover() const { return *handover_; }

  const tensorflow::DataTypeVector& output_dtypes() const override;
  const std::vector<tensorflow::PartialTensorShape>& output_shapes() const override;
  std::string DebugString() const override;
  int64_t CardinalityInternal(tensorflow::data::CardinalityOptions options) const override;
  absl::Status InputDatasets(std::vector<const DatasetBase*>* inputs) const override;
  absl::Status CheckExternalState() const override;

 protected:
  absl::Status AsGraphDefInternal(tensorflow::data::SerializationContext* ctx,
                                  DatasetGraphDefBuilder* b,
                                  tensorflow::Node** output) const override;
  std::unique_ptr<tensorflow::data::IteratorBase> MakeIteratorInternal(
      const std::string& prefix) const override;

 private:
  const DaliDatasetAttrs attrs_;
  const TensorPlacement placement_;
  const std::vector<const DatasetBase*> inputs_;
  const std::shared_ptr<EpochHandover> handover_;
};

}  // namespace dali_tf

#endif  // DALI_TF_CC_DATASET_DALI_DATASET_H_
