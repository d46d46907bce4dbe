"""Translating ``fn.external_source(source=...)`` into tf.data generator datasets on the CPU.

Every kind of source DALI accepts works: callables (with or without SampleInfo/BatchInfo/iteration
argument), iterables, iterators, generator functions, with ``cycle``, in batch and per-sample mode.
A source with several outputs (``num_outputs``) is called once per item and its outputs are shared
between one dataset per output. Batch-mode items become one tensor per batch, so their samples must
share a shape; per-sample items may differ in shape.
"""

import itertools

import numpy as np
import tensorflow as tf
from nvidia.dali import types as dali_types

from dali_tf._dali_internals import SourceKind as _SourceKind


def describe(group):
    """How a source is named in error messages: ``source=<name>``."""
    source = group.source
    name = getattr(source, "__name__", None)
    return "source=%s" % (name or type(source).__name__)


def _cycle_mode(cycle):
    if cycle in (None, False, "no"):
        return None
    return "raise" if cycle == "raise" else "quiet"


def _item_stream(group, batch_size):
    """A fresh iterator over the source's items (a sample, a batch, or a tuple of those)."""
    desc = group
    if desc.kind == _SourceKind.CALLABLE:
        return _callable_items(desc, group.batch, batch_size)
    make = desc.source if desc.kind == _SourceKind.GENERATOR_FUNC else (lambda: iter(desc.source))
    if _cycle_mode(desc.cycle) == "quiet":
        return _cycled(make)
    # No cycling, or "raise": in a tf.data dataset the end of the source is the end of the data.
    return make()


def _cycled(make):
    while True:
        empty = True
        for item in make():
            empty = False
            yield item
        if empty:  # an empty iterable would otherwise spin forever
            return


def _callable_items(desc, batch, batch_size):
    call = desc.source
    if not desc.has_inputs:
        while True:
            try:
                yield call()
            except StopIteration:
                return
    for iteration in itertools.count():
        try:
            if batch:
                yield call(dali_types.BatchInfo(iteration, 0) if desc.batch_info else iteration)
            else:
                for idx_in_batch in range(batch_size):
                    yield call(
                        dali_types.SampleInfo(
                            iteration * batch_size + idx_in_batch, idx_in_batch, iteration, 0
                        )
                    )
        except StopIteration:
            return


def _as_array(value, what):
    """A source item as a numeric NumPy array, or a TypeError saying what was wrong."""
    if isinstance(value, tf.Tensor):
        value = value.numpy()
    if hasattr(value, "__cuda_array_interface__"):
        raise TypeError(
            "%s returned GPU data (%s); sources translated for DALIDataset must return "
            "CPU data such as NumPy arrays" % (what, type(value).__name__)
        )
    array = np.asarray(value)
    if array.dtype.kind not in "biuf":
        raise TypeError(
            "%s returned %s, which is not numeric data (got dtype %s); return NumPy "
            "arrays of numbers" % (what, type(value).__name__, array.dtype)
        )
    return array


def _as_batch(value, what):
    """A batch-mode item (array with a sample dimension, or list of samples) as one array."""
    if isinstance(value, (list, tuple)):
        samples = [_as_array(v, what) for v in value]
        if not samples:
            raise TypeError("%s returned an empty batch" % what)
        if any(s.shape != samples[0].shape or s.dtype != samples[0].dtype for s in samples):
            raise TypeError(
                "%s returned a batch whose samples differ in shape or type (%s %s vs %s %s); "
                "TensorFlow carries a batch as one tensor: return samples (batch=False) instead"
                % (
                    what,
                    samples[0].dtype,
                    samples[0].shape,
                    next(
                        s.dtype
                        for s in samples
                        if s.shape != samples[0].shape or s.dtype != samples[0].dtype
                    ),
                    next(
                        s.shape
                        for s in samples
                        if s.shape != samples[0].shape or s.dtype != samples[0].dtype
                    ),
                )
            )
        return np.stack(samples)
    array = _as_array(value, what)
    if array.ndim < 1:
        raise TypeError(
            "%s is in batch mode but returned a scalar; return a batch (a list of "
            "samples or an array with a leading sample dimension)" % what
        )
    return array


class _SharedSource:
    """Calls the source once per item and hands each output its part, in order."""

    def __init__(self, group, batch_size):
        self._group = group
        self._batch_size = batch_size
        self._num_outputs = len(group.output_names) if group.is_multioutput else 1
        self._what = describe(group)
        self._stream = None
        self._pending = None
        self._started = set()
        self._first = None  # the item read to learn dtypes, given back first

    def _convert(self, item):
        if self._group.is_multioutput:
            if not isinstance(item, (tuple, list)) or len(item) != self._num_outputs:
                raise TypeError(
                    "%s must return %d outputs (num_outputs), got %s"
                    % (self._what, self._num_outputs, type(item).__name__)
                )
            parts = list(item)
        else:
            parts = [item]
        convert = _as_batch if self._group.batch else _as_array
        return [convert(p, self._what) for p in parts]

    def _restart(self):
        self._stream = _item_stream(self._group, self._batch_size)
        self._pending = [[] for _ in range(self._num_outputs)]
        self._started = set()

    def peek(self):
        """The first item's arrays, to build the output signatures."""
        if self._first is None:
            self._restart()
            try:
                self._first = self._convert(next(self._stream))
            except StopIteration:
                raise ValueError("%s gave no data at all" % self._what) from None
        return self._first

    def generator(self, output):
        def generate():
            if output in self._started or self._stream is None:
                self._restart()  # a new pass over the data (a new iterator of the dataset)
                self._first = None
            self._started.add(output)
            while True:
                if not self._pending[output]:
                    if self._first is not None:
                        parts, self._first = self._first, None
                    else:
                        try:
                            parts = self._convert(next(self._stream))
                        except StopIteration:
                            return
                    for pending, part in zip(self._pending, parts):
                        pending.append(part)
                yield self._pending[output].pop(0)

        return generate


def source_datasets(group, batch_size):
    """One CPU generator dataset per output of a ``source=`` external source group, in the order
    of ``group.output_names``."""
    shared = _SharedSource(group, batch_size)
    first = shared.peek()
    datasets = []
    for output, array in enumerate(first):
        signature = tf.TensorSpec(shape=(None,) * array.ndim, dtype=tf.as_dtype(array.dtype))
        with tf.device("/cpu:0"):
            datasets.append(
                tf.data.Dataset.from_generator(shared.generator(output), output_signature=signature)
            )
    return datasets
