"""DALIDatasetWithInputs iterators come and go without hangs, crashes or leaks: repeated cycles,
destruction with fed batches in flight, and after the inputs ended.

The inputs are large (1-4 MB per sample) and written in full, so that fed tensors that are never
released show up in the resident memory at once: each bound below is a fraction of what leaking
the batches in flight of every iterator would add.
"""

import gc

import pytest

from tests.fault_utils import (BATCH, MB, big_samples, check_batch, head_and_sum_dataset,
                               memory_growth)


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
        iterator = iter(head_and_sum_dataset(big_samples(1000, sample_bytes),
                                             exec_dynamic=exec_dynamic))
        held.append(next(iterator))
        # Popped one batch, fed the next: DEPTH batches (48 MB of inputs) in flight, likely
        # still being summed, when the iterator goes.
        del iterator
        gc.collect()

    growth = memory_growth(cycle, warmup=3, steps=20)
    assert growth < 100, ("RSS grew by %.1f MB over 20 iterators (leaking their inputs in "
                          "flight would be 960 MB)" % growth)
    for element in held:  # popped batches outlive their iterators and pipelines
        check_batch(element, 0, sample_bytes)


def test_never_started_iterators_are_destroyed():
    dataset = head_and_sum_dataset(big_samples(100))
    growth = memory_growth(lambda: iter(dataset), warmup=3, steps=20)
    assert growth < 30, "RSS grew by %.1f MB" % growth
    check_batch(next(iter(dataset)), 0)


@pytest.mark.parametrize("samples, pops", [
    (10, 1),  # ended mid-batch while starting: batches of 4, 4 and 2 fed, 1 popped
    (10, 2),  # ... 2 popped: only the short batch left in flight
    (8, 1),   # ended on a batch boundary
    (2, 1),   # ended inside the first batch, which was popped: nothing left in flight
])
def test_destroyed_after_the_inputs_ended(samples, pops):
    sample_bytes = 2 * MB

    def cycle():
        iterator = iter(head_and_sum_dataset(big_samples(samples, sample_bytes)))
        for b in range(pops):
            check_batch(next(iterator), b * BATCH, sample_bytes,
                        size=min(BATCH, samples - b * BATCH))

    growth = memory_growth(cycle, warmup=3, steps=30)
    # Leaking the inputs fed would be at least 30 * 4 MB.
    assert growth < 50, "RSS grew by %.1f MB over 30 iterators" % growth


def test_ended_iterator_stays_ended_and_is_destroyed():
    for _ in range(10):
        iterator = iter(head_and_sum_dataset(big_samples(10)))
        elements = list(iterator)
        assert [len(element[0]) for element in elements] == [4, 4, 2]
        for b, element in enumerate(elements):
            check_batch(element, b * BATCH, size=len(element[0]))
        for _ in range(3):
            with pytest.raises(StopIteration):
                next(iterator)
        del iterator


if __name__ == "__main__":
    from tests.pytest_main import main
    main(__file__)
