// The exit switch of input pulls: the one owner of whether DALI datasets may still read their
// input datasets, and of the pulls in progress.
#ifndef DALI_TF_CC_DATASET_INPUT_PULLS_H_
#define DALI_TF_CC_DATASET_INPUT_PULLS_H_

namespace dali_tf {

// Input pulls stop when Python exits. Python's shutdown ends any thread that then tries to take
// the GIL, wherever it is: an input that runs Python (a translated source= callback, any
// from_generator or py_function dataset) pulled on a tf.data thread (a prefetch on top of the DALI
// dataset) would be ended in the middle of the pull, and the destruction of the iterator late in
// the shutdown would wait for it forever. So dali_tf, at exit (atexit, while other threads can
// still take the GIL), calls StopInputPulls: no pull starts from then on (a pull fails with
// Cancelled) and the pulls in progress finish first. A pull blocked for good (a callback waiting
// on a queue no one fills) never finishes, nor takes the GIL again, so the wait gives up once no
// pull has finished for `idle_ms`, and after `timeout_ms` in all. Returns false if some were left.
bool StopInputPulls(int idle_ms, int timeout_ms);

// One pull of an input element, counted while it runs: started() is false once the inputs were
// stopped (then nothing may be read). Finish() (or the destructor) ends it.
class InputPull {
 public:
  InputPull();
  ~InputPull() { Finish(); }
  InputPull(const InputPull&) = delete;
  InputPull& operator=(const InputPull&) = delete;

  bool started() const { return started_; }
  void Finish();

 private:
  bool started_;
};

}  // namespace dali_tf

#endif  // DALI_TF_CC_DATASET_INPUT_PULLS_H_
