"""DALIDatasetWithInputs iterators come and go without hangs, crashes or leaks: repeated cycles,
destruction with fed batches in flight, and after the inputs ended.

The inputs are large (1-4 MB per sample) and written in full, so that fed tensors that are never
released show up in the resident memory at once: each bound below is a fraction of what leaking
the batches in flight of every iterator would add.
"""

import gc

import pytest

from tests.common.dali_reference import assert_same_batches, dali_batches
from tests.common.fault_utils import (
    BATCH,
    MB,
    big_sample_arrays,
    big_samples,
    check_batch,
    head_and_sum,
    head_and_sum_dataset,
    memory_growth,
)


def test_hundred_create_iterate_destroy_cycles_keep_memory_bounded():
    def cycle():
        iterator = iter(head_and_sum_dataset(big_samples(1000)))
        for b in range(3):
            check_batch(next(iterator), b * BATCH)
        # Destroyed with DEPTH batches (12 MB of inputs) fed and in flight.

    growth = memory_growth(cycle, warmup=10, steps=100)
    # Leaking what is in flight at destruction would be 100 * 12 MB; leaking every batch fed,
    # 100 * 24 MB; a leaked pipeline, several MB per cycle.
    assert growth < 50, "RSS grew by %.1f MB over 100 cycles" % growth


@pytest.mark.parametrize("exec_dynamic", [True, False])
def test_destroyed_with_fed_batches_in_flight_releases_them(exec_dynamic):
    sample_bytes = 4 * MB
    held = []

    def cycle():
        iterator = iter(
            head_and_sum_dataset(big_samples(1000, sample_bytes), exec_dynamic=exec_dynamic)
        )
        held.append(next(iterator))
        # Popped one batch, fed the next: DEPTH batches (48 MB of inputs) in flight, likely
        # still being summed, when the iterator goes.
        del iterator
        gc.collect()

    growth = memory_growth(cycle, warmup=3, steps=20)
    assert growth < 100, (
        "RSS grew by %.1f MB over 20 iterators (leaking their inputs in "
        "flight would be 960 MB)" % growth
    )
    for element in held:  # popped batches outlive their iterators and pipelines
        check_batch(element, 0, sample_bytes)


def test_never_started_iterators_are_destroyed():
    dataset = head_and_sum_dataset(big_samples(100))
    growth = memory_growth(lambda: iter(dataset), warmup=3, steps=20)
    assert growth < 30, "RSS grew by %.1f MB" % growth
    check_batch(next(iter(dataset)), 0)


# A per-sample input that runs out mid-batch ends the data without that incomplete batch (as
# DALI's pipeline.run()): its samples already pulled are dropped, never fed.
@pytest.mark.parametrize(
    "samples, pops",
    [
        (10, 1),  # ended mid-batch while starting: 2 batches fed, 2 samples dropped, 1 popped
        (10, 2),  # ... both popped: nothing left in flight
        (8, 1),  # ended on a batch boundary
        (2, 0),  # ended inside the first batch: no batch at all, the 2 samples pulled dropped
    ],
)
def test_destroyed_after_the_inputs_ended(samples, pops):
    sample_bytes = 2 * MB

    def cycle():
        iterator = iter(head_and_sum_dataset(big_samples(samples, sample_bytes)))
        for b in range(pops):
            check_batch(next(iterator), b * BATCH, sample_bytes)
        if pops == samples // BATCH:  # every complete batch popped: the end of data is next
            with pytest.raises(StopIteration):
                next(iterator)

    growth = memory_growth(cycle, warmup=3, steps=30)
    # Leaking the inputs fed would be at least 30 * 4 MB.
    assert growth < 50, "RSS grew by %.1f MB over 30 iterators" % growth


def test_ended_iterator_stays_ended_and_is_destroyed():
    # 10 samples at batch 4: DALI's pipeline.run() gives 2 batches, then raises StopIteration
    # and drops the last 2 samples.
    reference = dali_batches(head_and_sum(source=big_sample_arrays(10)))
    assert [len(head) for head, _ in reference] == [4, 4]
    for _ in range(10):
        iterator = iter(head_and_sum_dataset(big_samples(10)))
        elements = list(iterator)
        assert_same_batches([tuple(e.numpy() for e in element) for element in elements], reference)
        for b, element in enumerate(elements):
            check_batch(element, b * BATCH)
        for _ in range(3):
            with pytest.raises(StopIteration):
                next(iterator)
        del iterator


if __name__ == "__main__":
    from tests.common.pytest_main import main

    main(__file__)
