// Where an op's tensors live, the one model both ops use: the host, or a GPU, named by its CUDA
// ordinal (DALI's device_id), with TensorFlow's compute stream on it, which orders every copy into
// TensorFlow's memory (TensorFlow's GPU allocator reuses memory in that stream's order).
#ifndef DALI_TF_CC_COMMON_TENSOR_PLACEMENT_H_
#define DALI_TF_CC_COMMON_TENSOR_PLACEMENT_H_

#include <string>

#include "dali/dali.h"

namespace tensorflow {
class OpKernelConstruction;
class OpKernelContext;
}  // namespace tensorflow

namespace dali_tf {

struct TensorPlacement {
  bool on_gpu = false;
  int gpu_id = -1;                // the CUDA ordinal of TensorFlow's GPU, when on_gpu
  cudaStream_t stream = nullptr;  // TensorFlow's compute stream there, once a kernel runs
  std::string device_name;        // for messages, e.g. "/job:localhost/.../device:GPU:0"

  // DALI's description of memory at this placement (plain host memory on the CPU).
  daliBufferPlacement_t buffer() const;
  // "/job:.../device:GPU:1 (CUDA device 0)" or the CPU device's name.
  std::string Describe() const;
};

// The placement of the kernel being constructed (its stream comes with WithStream).
TensorPlacement KernelPlacement(const tensorflow::OpKernelConstruction& ctx);
// `placement` with TensorFlow's compute stream of the running kernel, when on a GPU.
TensorPlacement WithStream(TensorPlacement placement, tensorflow::OpKernelContext* ctx);

}  // namespace dali_tf

#endif  // DALI_TF_CC_COMMON_TENSOR_PLACEMENT_H_
