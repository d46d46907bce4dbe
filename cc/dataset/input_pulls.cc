#include "cc/dataset/input_pulls.h"

#include <algorithm>
#include <cstdint>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace dali_tf {

namespace {

// See StopInputPulls.
absl::Mutex pulls_mu(absl::kConstInit);
bool pulls_stopped ABSL_GUARDED_BY(pulls_mu) = false;
int pulls_in_progress ABSL_GUARDED_BY(pulls_mu) = 0;
int64_t pulls_finished ABSL_GUARDED_BY(pulls_mu) = 0;  // ever: progress while StopInputPulls waits

// What StopInputPulls waits for: no pull left, or one more finished than `seen`.
struct PullProgress {
  const int* in_progress;
  const int64_t* finished;
  int64_t seen;
};

bool NoneLeftOrOneFinished(const PullProgress* p) {
  return *p->in_progress == 0 || *p->finished != p->seen;
}

}  // namespace

InputPull::InputPull() {
  absl::MutexLock lock(&pulls_mu);
  started_ = !pulls_stopped;
  if (started_) ++pulls_in_progress;
}

void InputPull::Finish() {
  if (!started_) return;
  started_ = false;
  absl::MutexLock lock(&pulls_mu);
  --pulls_in_progress;
  ++pulls_finished;
}

bool StopInputPulls(int idle_ms, int timeout_ms) {
  absl::MutexLock lock(&pulls_mu);
  pulls_stopped = true;
  const absl::Time deadline = absl::Now() + absl::Milliseconds(timeout_ms);
  // A pull that finishes nothing within idle_ms is blocked (e.g. a callback waiting on a queue no
  // one fills): waiting longer would only delay the exit. One that does finish resets the wait
  // for the others, so slow pulls of several iterators each get idle_ms.
  while (pulls_in_progress > 0) {
    PullProgress progress{&pulls_in_progress, &pulls_finished, pulls_finished};
    const absl::Time until = std::min(deadline, absl::Now() + absl::Milliseconds(idle_ms));
    if (!pulls_mu.AwaitWithDeadline(absl::Condition(&NoneLeftOrOneFinished, &progress), until)) {
      return false;
    }
  }
  return true;
}

}  // namespace dali_tf
