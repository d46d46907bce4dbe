"""DALI's own pipeline.run() on the same pipeline: the reference every test compares with, and
the one batch comparison the tests use.

A test builds two identical pipelines (same seeds, same data): one goes to dali_tf, the other is
run here by DALI directly. GPU outputs are copied to the host by DALI (``.as_cpu()``), so the
same helpers serve the CPU and the GPU tests."""

import numpy as np

# How many batches a run "until the end of data" may give before it counts as endless.
MAX_BATCHES = 1000


def dali_runs(pipe, count=None, max_batches=MAX_BATCHES):
    """Builds `pipe` and yields what each ``pipe.run()`` returns (a tuple of TensorLists), one
    run at a time: `count` runs (the data ending sooner fails), or with count=None every run
    until pipeline.run() raises StopIteration (more than `max_batches` runs fails). Convert each
    run before asking for the next: DALI may reuse its output buffers."""
    pipe.build()
    runs = 0
    while count is None or runs < count:
        try:
            outputs = pipe.run()
        except StopIteration:
            assert count is None, "pipeline.run() ended after %d runs, %d asked" % (runs, count)
            return
        runs += 1
        assert count is not None or runs <= max_batches, (
            "pipeline.run() gave more than %d batches without ending" % max_batches
        )
        yield outputs


def batch_array(tensor_list):
    """A dense DALI output (CPU or GPU) as one NumPy array, batch first."""
    return tensor_list.as_cpu().as_array()


def sample_arrays(tensor_list):
    """A DALI output's samples (CPU or GPU, of any shapes) as a list of NumPy arrays."""
    on_host = tensor_list.as_cpu()
    return [np.array(on_host[k]) for k in range(len(on_host))]


def dali_batches(pipe, count=None, max_batches=MAX_BATCHES):
    """dali_runs' batches, each a tuple of NumPy arrays (one per output, batch first)."""
    return [
        tuple(batch_array(out) for out in outputs)
        for outputs in dali_runs(pipe, count, max_batches)
    ]


def dali_sample_batches(pipe, count=None, max_batches=MAX_BATCHES):
    """dali_runs' batches, each a tuple with one list of sample arrays per output: the form for
    outputs whose samples differ in shape."""
    return [
        tuple(sample_arrays(out) for out in outputs)
        for outputs in dali_runs(pipe, count, max_batches)
    ]


def _outputs(batch):
    """A batch as a tuple of arrays: a tuple or list holds one array per output; an array alone
    is the batch of a single output."""
    if isinstance(batch, (tuple, list)):
        return tuple(np.asarray(out) for out in batch)
    return (np.asarray(batch),)


def assert_same_batches(got, expected):
    """Asserts that two lists of batches are equal: the same number of batches, and in each the
    same number of outputs, each of the same dtype, shape and values. A batch is a tuple or list
    of arrays (one per output) or, for a single output, the array itself."""
    assert len(got) == len(expected), "%d batches, expected %d" % (len(got), len(expected))
    for b, (got_batch, expected_batch) in enumerate(zip(got, expected)):
        got_outputs, expected_outputs = _outputs(got_batch), _outputs(expected_batch)
        assert len(got_outputs) == len(expected_outputs), "batch %d: %d outputs, expected %d" % (
            b,
            len(got_outputs),
            len(expected_outputs),
        )
        for o, (g, e) in enumerate(zip(got_outputs, expected_outputs)):
            where = "batch %d output %d" % (b, o)
            assert g.dtype == e.dtype, "%s: dtype %s, expected %s" % (where, g.dtype, e.dtype)
            assert g.shape == e.shape, "%s: shape %s, expected %s" % (where, g.shape, e.shape)
            np.testing.assert_array_equal(g, e, err_msg=where)
