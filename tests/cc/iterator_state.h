// An in-memory iterator state for the C++ tests: what an iterator's Save writes, a Restore reads
// back (TensorFlow's own VariantTensorData reader and writer are not exported by
// libtensorflow_framework). Keys are "name/key"; Set and Erase edit a saved state.
#ifndef DALI_TF_TESTS_CC_ITERATOR_STATE_H_
#define DALI_TF_TESTS_CC_ITERATOR_STATE_H_

#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "tensorflow/core/framework/dataset.h"
#include "tensorflow/core/framework/tensor.h"

namespace dali_tf {

class IteratorState : public tensorflow::data::IteratorStateReader,
                      public tensorflow::data::IteratorStateWriter {
 public:
  using Tensor = tensorflow::Tensor;
  using tstring = tensorflow::tstring;

  void Set(absl::string_view name, absl::string_view key, int64_t value) {
    values_[Key(name, key)] = Tensor(value);
  }
  void Erase(absl::string_view name, absl::string_view key) { values_.erase(Key(name, key)); }

  // Reader.
  bool Contains(absl::string_view key) const override { return values_.count(Key("", key)); }
  bool Contains(absl::string_view name, absl::string_view key) const override {
    return values_.count(Key(name, key));
  }
  absl::Status ReadScalar(absl::string_view key, int64_t* val) const override {
    return ReadScalar("", key, val);
  }
  absl::Status ReadScalar(absl::string_view name, absl::string_view key,
                          int64_t* val) const override {
    return ReadScalarOf(name, key, val);
  }
  absl::Status ReadScalar(absl::string_view key, tstring* val) const override {
    return ReadScalar("", key, val);
  }
  absl::Status ReadScalar(absl::string_view name, absl::string_view key,
                          tstring* val) const override {
    return ReadScalarOf(name, key, val);
  }
  absl::Status ReadTensor(absl::string_view key, Tensor* val) const override {
    return ReadTensor("", key, val);
  }
  absl::Status ReadTensor(tensorflow::FunctionLibraryRuntime*, absl::string_view key,
                          Tensor* val) const override {
    return ReadTensor("", key, val);
  }
  absl::Status ReadTensor(tensorflow::FunctionLibraryRuntime*, absl::string_view name,
                          absl::string_view key, Tensor* val) const override {
    return ReadTensor(name, key, val);
  }
  absl::Status ReadTensor(absl::string_view name, absl::string_view key,
                          Tensor* val) const override {
    auto it = values_.find(Key(name, key));
    if (it == values_.end()) return absl::NotFoundError(Key(name, key));
    *val = it->second;
    return absl::OkStatus();
  }

  // Writer.
  absl::Status WriteScalar(absl::string_view key, const int64_t val) override {
    return WriteScalar("", key, val);
  }
  absl::Status WriteScalar(absl::string_view name, absl::string_view key,
                           const int64_t val) override {
    return WriteTensor(name, key, Tensor(val));
  }
  absl::Status WriteScalar(absl::string_view key, const tstring& val) override {
    return WriteScalar("", key, val);
  }
  absl::Status WriteScalar(absl::string_view name, absl::string_view key,
                           const tstring& val) override {
    return WriteTensor(name, key, Tensor(val));
  }
  absl::Status WriteTensor(absl::string_view key, const Tensor& val) override {
    return WriteTensor("", key, val);
  }
  absl::Status WriteTensor(absl::string_view name, absl::string_view key,
                           const Tensor& val) override {
    values_[Key(name, key)] = val;
    return absl::OkStatus();
  }

 private:
  // Both scalar overloads of the reader: a stored scalar tensor's value.
  template <typename T>
  absl::Status ReadScalarOf(absl::string_view name, absl::string_view key, T* val) const {
    Tensor t;
    TF_RETURN_IF_ERROR(ReadTensor(name, key, &t));
    *val = t.scalar<T>()();
    return absl::OkStatus();
  }

  static std::string Key(absl::string_view name, absl::string_view key) {
    return absl::StrCat(name, "/", key);
  }
  std::map<std::string, Tensor> values_;
};

}  // namespace dali_tf

#endif  // DALI_TF_TESTS_CC_ITERATOR_STATE_H_
