"""Helpers shared by the DALIDatasetWithInputs tests: the dataset made, read (take) and fed
(samples, samples_dataset)."""

import numpy as np
import tensorflow as tf

import dali_tf


def layout_of(array_row):
    """Decodes a row of fn.get_property(key='layout') output."""
    return bytes(np.asarray(array_row, np.uint8)).decode()


def take(dataset, n):
    """Up to n elements as NumPy, stopping early at the end of data.

    A DALI dataset's element is always a tuple: a single output dtype gives a 1-tuple
    ``(tensor,)``, as NVIDIA's plugin does. take() asserts that (for the element_spec and for
    every element) and, so that call sites stay readable, gives the array itself for a 1-tuple
    and a tuple of arrays for several outputs (dali_reference.assert_same_batches takes both
    forms, so take()'s batches compare with dali_batches' tuples as they are).
    """
    assert isinstance(dataset.element_spec, tuple), dataset.element_spec
    out = []
    for element in dataset:
        assert isinstance(element, tuple) and len(element) == len(dataset.element_spec), element
        arrays = tuple(e.numpy() for e in element)
        out.append(arrays[0] if len(arrays) == 1 else arrays)
        if len(out) == n:
            break
    return out


def with_inputs(pipe, inputs, dtypes, shapes=None, **kwargs):
    with tf.device("/cpu:0"):
        return dali_tf.experimental.DALIDatasetWithInputs(
            pipeline=pipe,
            input_datasets=inputs,
            output_dtypes=dtypes,
            output_shapes=shapes,
            **kwargs,
        )


def samples(count, shape=(3,), dtype=np.int32):
    """The samples of samples_dataset(count, shape, dtype), as a list of NumPy arrays."""
    return [np.full(shape, i, dtype) for i in range(count)]


def samples_dataset(count, shape=(3,), dtype=np.int32):
    """Element i is an array of `shape` filled with i."""
    return tf.data.Dataset.from_tensor_slices(np.stack(samples(count, shape, dtype)))
