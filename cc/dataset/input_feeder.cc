#include "cc/dataset/input_feeder.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cc/common/dali_status.h"
#include "cc/common/dtype_mapping.h"
#include "cc/common/output_batch.h"
#include "tensorflow/core/framework/types.h"

namespace dali_tf {

using tensorflow::Tensor;
using tensorflow::data::IteratorContext;

namespace {

// DALI owns a reference to the TF tensor until it releases the buffer.
daliDeleter_t TensorReferenceDeleter(const Tensor& tensor) {
  daliDeleter_t deleter{};
  deleter.deleter_ctx = new Tensor(tensor);
  deleter.delete_buffer = [](void* ctx, void*, const cudaStream_t*) {
    delete static_cast<Tensor*>(ctx);
  };
  return deleter;
}

std::vector<int64_t> Dims(const Tensor& t, int first_dim) {
  std::vector<int64_t> dims;
  for (int d = first_dim; d < t.dims(); ++d) dims.push_back(t.dim_size(d));
  return dims;
}

// The pipeline's description of the external source `name` (CheckAgainst made sure it exists).
const IODesc& ExternalSource(const DaliPipeline& pipe, const std::string& name) {
  static const IODesc* const kNone = new IODesc{"", DALI_STORAGE_CPU, ""};
  for (const IODesc& input : pipe.inputs()) {
    if (input.name == name) return input;
  }
  return *kNone;
}

std::string InFlightKey(size_t batch, size_t input, const std::string& what) {
  return absl::StrCat("in_flight_", batch, "_", input, "_", what);
}

}  // namespace

InputFeeder::InputFeeder(std::vector<InputSpec> specs, int batch_size,
                         const TensorPlacement& placement)
    : specs_(std::move(specs)), batch_size_(batch_size), placement_(placement) {}

InputFeeder::~InputFeeder() = default;

absl::Status InputFeeder::MakeIterators(
    IteratorContext* ctx, const std::vector<const tensorflow::data::DatasetBase*>& inputs,
    const tensorflow::data::IteratorBase* parent, const std::string& prefix) {
  if (inputs.size() != specs_.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("Got ", inputs.size(), " input datasets for ", specs_.size(), " input names"));
  }
  iterators_.clear();
  for (size_t i = 0; i < inputs.size(); ++i) {
    std::unique_ptr<tensorflow::data::IteratorBase> iterator;
    TF_RETURN_IF_ERROR(inputs[i]->MakeIterator(
        ctx, parent, absl::StrCat(prefix, "[", specs_[i].name, "]"), &iterator));
    iterators_.push_back(std::move(iterator));
  }
  in_flight_.clear();
  to_refeed_.clear();
  return absl::OkStatus();
}

absl::Status CheckInputNames(const std::vector<std::string>& external_sources,
                             const std::vector<std::string>& inputs) {
  const std::set<std::string> pipeline_inputs(external_sources.begin(), external_sources.end());
  std::set<std::string> fed;
  for (const auto& name : inputs) {
    if (!fed.insert(name).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("Input '", name, "' is given more than once in input_datasets"));
    }
    if (!pipeline_inputs.count(name)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "input_datasets names '", name,
          "', but the pipeline has no fn.external_source "
          "with that name (its external sources: ",
          pipeline_inputs.empty() ? "none" : absl::StrJoin(pipeline_inputs, ", "), ")"));
    }
  }
  for (const auto& name : pipeline_inputs) {
    if (!fed.count(name)) {
      return absl::InvalidArgumentError(absl::StrCat("The pipeline's fn.external_source '", name,
                                                     "' has no data: name it in "
                                                     "input_datasets or give it a source="));
    }
  }
  return absl::OkStatus();
}

absl::Status InputFeeder::CheckAgainst(const DaliPipeline& pipe) const {
  std::vector<std::string> external_sources, inputs;
  for (const auto& input : pipe.inputs()) external_sources.push_back(input.name);
  for (const auto& spec : specs_) inputs.push_back(spec.name);
  return CheckInputNames(external_sources, inputs);
}

absl::Status InputFeeder::PullElement(IteratorContext* ctx, int input, Tensor* element,
                                      bool* end_of_data) {
  const std::string& name = specs_[input].name;
  InputPull pull;
  if (!pull.started()) {
    return absl::CancelledError(
        absl::StrCat("Python is exiting: the DALI dataset no longer reads its input '", name, "'"));
  }
  std::vector<Tensor> components;
  absl::Status pulled = iterators_[input]->GetNext(ctx, &components, end_of_data);
  pull.Finish();
  TF_RETURN_IF_ERROR(ExplainPullError(specs_[input], pulled));
  if (*end_of_data) return absl::OkStatus();
  if (components.size() != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Input '", name, "' must give one tensor per element, got a tuple of ", components.size()));
  }
  daliDataType_t unused;
  if (!TfToDaliType(components[0].dtype(), &unused)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Input '", name, "' gives elements of type ",
        tensorflow::DataTypeString(components[0].dtype()),
        ", which DALI cannot take (use a numeric type; for encoded data use tf.io.decode_raw "
        "to get uint8)"));
  }
  *element = std::move(components[0]);
  return absl::OkStatus();
}

absl::Status InputFeeder::PullBatch(IteratorContext* ctx, FedBatch* batch, bool* end_of_data) {
  batch->assign(specs_.size(), {});
  // Batched inputs come first: the number of samples they carry sets the batch size.
  int64_t samples = -1;
  int sets_samples = -1;
  for (size_t i = 0; i < specs_.size(); ++i) {
    if (!specs_[i].batched) continue;
    Tensor element;
    TF_RETURN_IF_ERROR(PullElement(ctx, i, &element, end_of_data));
    if (*end_of_data) return absl::OkStatus();
    if (element.dims() < 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("Input '", specs_[i].name,
                       "' is in batch mode, so its elements need an outermost "
                       "sample dimension, but it gave a scalar"));
    }
    int64_t n = element.dim_size(0);
    if (n < 1 || n > batch_size_) {
      return absl::InvalidArgumentError(
          absl::StrCat("Input '", specs_[i].name, "' is in batch mode and gave a batch of ", n,
                       " samples, but the pipeline takes 1 to ", batch_size_, " (batch_size)"));
    }
    if (samples >= 0 && n != samples) {
      return absl::InvalidArgumentError(
          absl::StrCat("Batch-mode inputs '", specs_[sets_samples].name, "' and '", specs_[i].name,
                       "' gave batches of ", samples, " and ", n, " samples"));
    }
    samples = n;
    sets_samples = i;
    (*batch)[i].push_back(std::move(element));
  }
  if (samples < 0) samples = batch_size_;

  // Per-sample inputs give one sample per element. One that runs out in the middle of a batch
  // ends the data without that incomplete batch, as DALI's pipeline.run() does (its external
  // source raises StopIteration and the samples already taken are dropped). With
  // partial_last_batch_, the batch is cut to the samples it got instead, and the data ends after
  // it.
  for (size_t i = 0; i < specs_.size(); ++i) {
    if (specs_[i].batched) continue;
    auto& sample_list = (*batch)[i];
    while (static_cast<int64_t>(sample_list.size()) < samples) {
      Tensor element;
      TF_RETURN_IF_ERROR(PullElement(ctx, i, &element, end_of_data));
      if (*end_of_data && (!partial_last_batch_ || sample_list.empty())) return absl::OkStatus();
      if (*end_of_data) {
        samples = static_cast<int64_t>(sample_list.size());
        for (size_t j = 0; j < specs_.size(); ++j) {
          InputBatch& other = (*batch)[j];
          if (specs_[j].batched) {
            other[0] = other[0].Slice(0, samples);
          } else if (static_cast<int64_t>(other.size()) > samples) {
            other.resize(samples);
          }
        }
        break;
      }
      sample_list.push_back(std::move(element));
    }
  }
  *end_of_data = false;
  return absl::OkStatus();
}

absl::Status InputFeeder::Feed(DaliPipeline* pipe, int input, const InputBatch& data) const {
  const InputSpec& spec = specs_[input];
  const IODesc& source = ExternalSource(*pipe, spec.name);
  daliDataType_t dtype;
  TfToDaliType(data[0].dtype(), &dtype);  // checked in PullElement
  // Always explicit: DALI 2.4 crashes on a NULL layout in daliTensorListAttachSamples.
  const char* layout = spec.layout.empty() ? source.layout.c_str() : spec.layout.c_str();
  const std::string what = absl::StrCat("Could not feed input '", spec.name, "'");

  // The input tensors live where the dataset does: Python moves a host input of a GPU-placed
  // dataset to its GPU (and refuses a GPU input for a CPU-placed one).
  TensorListHandle list;
  DALI_TF_RETURN_IF_ERROR(daliTensorListCreate(list.out(), placement_.buffer()), what);
  if (spec.batched) {
    const Tensor& batch = data[0];
    const int64_t n = batch.dim_size(0);
    std::vector<int64_t> sample_shape = Dims(batch, 1), shapes;
    for (int64_t s = 0; s < n; ++s)
      shapes.insert(shapes.end(), sample_shape.begin(), sample_shape.end());
    // On failure DALI has not taken the deleter; the reference it holds is then leaked rather
    // than risk a double release.
    DALI_TF_RETURN_IF_ERROR(
        daliTensorListAttachBuffer(list.get(), n, batch.dims() - 1, shapes.data(), dtype, layout,
                                   const_cast<void*>(batch.data()), nullptr,
                                   TensorReferenceDeleter(batch)),
        what);
  } else {
    const int ndim = data[0].dims();
    std::vector<std::vector<int64_t>> shapes(data.size());
    std::vector<daliTensorDesc_t> samples(data.size());
    std::vector<daliDeleter_t> deleters;
    for (size_t s = 0; s < data.size(); ++s) {
      if (data[s].dims() != ndim || data[s].dtype() != data[0].dtype()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "Input '", spec.name,
            "': samples of one batch must share rank and type, but sample "
            "0 is ",
            tensorflow::DataTypeString(data[0].dtype()), " ", data[0].shape().DebugString(),
            " and sample ", s, " is ", tensorflow::DataTypeString(data[s].dtype()), " ",
            data[s].shape().DebugString()));
      }
      shapes[s] = Dims(data[s], 0);
      samples[s].ndim = ndim;
      samples[s].shape = shapes[s].data();
      samples[s].dtype = dtype;
      samples[s].layout = layout;
      samples[s].data = const_cast<void*>(data[s].data());
    }
    for (const Tensor& sample : data) deleters.push_back(TensorReferenceDeleter(sample));
    DALI_TF_RETURN_IF_ERROR(daliTensorListAttachSamples(list.get(), data.size(), ndim, dtype,
                                                        layout, samples.data(), deleters.data()),
                            what);
  }
  DALI_TF_RETURN_IF_ERROR(
      daliPipelineFeedInput(pipe->handle(), spec.name.c_str(), list.get(), nullptr,
                            InputFeedFlags(placement_.on_gpu, source.device), feed_stream()),
      what);
  return absl::OkStatus();
}

daliFeedInputFlags_t InputFeedFlags(bool data_on_gpu, daliStorageDevice_t source_device) {
  const bool source_on_gpu = source_device == DALI_STORAGE_GPU;
  // Host tensors into a CPU external source: handed over as they are (DALI holds a reference).
  if (!data_on_gpu && !source_on_gpu) return DALI_FEED_INPUT_NO_COPY;
  // Host tensors into a GPU external source: DALI copies them on its own stream. A DMA from
  // pinned host memory outlives the call, so the feed waits for it before the tensors go.
  if (!data_on_gpu) {
    return static_cast<daliFeedInputFlags_t>(DALI_FEED_INPUT_FORCE_COPY | DALI_FEED_INPUT_SYNC);
  }
  // GPU tensors belong to TensorFlow's stream-ordered allocator, which may reuse them as soon as
  // the reference goes: DALI copies them on TensorFlow's stream (feed_stream), ordered after the
  // work that produced them and before any later reuse, without a host wait. A CPU external
  // source (e.g. encoded images for a mixed decoder) gets them copied to the host, which DALI
  // completes before the feed returns.
  return DALI_FEED_INPUT_FORCE_COPY;
}

const cudaStream_t* InputFeeder::feed_stream() const {
  return placement_.on_gpu ? &placement_.stream : nullptr;
}

absl::Status InputFeeder::FeedBatch(IteratorContext* ctx, DaliPipeline* pipe, bool* end_of_data) {
  FedBatch batch;
  if (!to_refeed_.empty()) {
    batch = std::move(to_refeed_.front());
    to_refeed_.pop_front();
    *end_of_data = false;
  } else {
    TF_RETURN_IF_ERROR(PullBatch(ctx, &batch, end_of_data));
    if (*end_of_data) return absl::OkStatus();
  }
  for (size_t i = 0; i < specs_.size(); ++i) {
    TF_RETURN_IF_ERROR(Feed(pipe, i, batch[i]));
  }
  in_flight_.push_back(std::move(batch));
  return absl::OkStatus();
}

void InputFeeder::BatchConsumed() {
  if (!in_flight_.empty()) in_flight_.pop_front();
}

absl::Status InputFeeder::Save(tensorflow::data::SerializationContext* ctx,
                               tensorflow::data::IteratorStateWriter* writer,
                               const std::string& prefix) {
  for (const auto& spec : specs_) {
    if (!spec.python_source.empty()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "Cannot checkpoint the DALI dataset: its input '", spec.name,
          "' comes from the "
          "Python source ",
          spec.python_source,
          " (fn.external_source(source=...)), whose state "
          "cannot be saved. Feed that input from a tf.data dataset in input_datasets instead."));
    }
  }
  if (placement_.on_gpu && !in_flight_.empty()) {
    return absl::UnimplementedError(
        "Cannot checkpoint a GPU-placed DALI dataset with inputs while batches are in flight: "
        "place the dataset on the CPU to checkpoint it");
  }
  for (auto& iterator : iterators_) TF_RETURN_IF_ERROR(iterator->Save(ctx, writer));
  TF_RETURN_IF_ERROR(writer->WriteScalar(prefix, "in_flight", in_flight_.size()));
  for (size_t b = 0; b < in_flight_.size(); ++b) {
    for (size_t i = 0; i < specs_.size(); ++i) {
      const InputBatch& data = in_flight_[b][i];
      TF_RETURN_IF_ERROR(writer->WriteScalar(prefix, InFlightKey(b, i, "size"), data.size()));
      for (size_t k = 0; k < data.size(); ++k) {
        TF_RETURN_IF_ERROR(
            writer->WriteTensor(prefix, InFlightKey(b, i, std::to_string(k)), data[k]));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status InputFeeder::Restore(IteratorContext* ctx,
                                  tensorflow::data::IteratorStateReader* reader,
                                  const std::string& prefix) {
  for (auto& iterator : iterators_) TF_RETURN_IF_ERROR(iterator->Restore(ctx, reader));
  int64_t batches = 0;
  TF_RETURN_IF_ERROR(reader->ReadScalar(prefix, "in_flight", &batches));
  if (batches < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("Invalid checkpoint of a DALI dataset: ", batches, " batches in flight"));
  }
  in_flight_.clear();
  to_refeed_.clear();
  for (int64_t b = 0; b < batches; ++b) {
    FedBatch batch(specs_.size());
    for (size_t i = 0; i < specs_.size(); ++i) {
      int64_t size = 0;
      TF_RETURN_IF_ERROR(reader->ReadScalar(prefix, InFlightKey(b, i, "size"), &size));
      // One tensor per sample, or one per batch (a checkpoint of this dataset: see
      // checkpoint_identity.h).
      if (size < 1 || size > (specs_[i].batched ? 1 : batch_size_)) {
        return absl::InvalidArgumentError(
            absl::StrCat("Invalid checkpoint of a DALI dataset: ", size, " elements of input '",
                         specs_[i].name, "' in a batch in flight"));
      }
      batch[i].resize(size);
      for (int64_t k = 0; k < size; ++k) {
        TF_RETURN_IF_ERROR(
            reader->ReadTensor(prefix, InFlightKey(b, i, std::to_string(k)), &batch[i][k]));
        daliDataType_t unused;
        if (!TfToDaliType(batch[i][k].dtype(), &unused)) {
          return absl::InvalidArgumentError(absl::StrCat(
              "Invalid checkpoint of a DALI dataset: a batch in flight of input '", specs_[i].name,
              "' holds ", tensorflow::DataTypeString(batch[i][k].dtype())));
        }
      }
    }
    to_refeed_.push_back(std::move(batch));
  }
  return absl::OkStatus();
}

}  // namespace dali_tf
