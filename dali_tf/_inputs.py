"""``Input`` and the resolution of ``input_datasets`` against a pipeline's external sources."""

import collections
import collections.abc

import tensorflow as tf
from tensorflow.core.framework import attr_value_pb2

from dali_tf import _dali_internals, _dtypes, _loader, _sources

_INPUT_FIELDS = ["name", "dataset", "batched", "layout", "python_source"]


class ResolvedInput(collections.namedtuple("ResolvedInput", _INPUT_FIELDS)):
    """What the op is told about one input, in the order of its input datasets."""

    def serialized(self):
        """The op's record of this input (an entry of its `input_specs` attr): a serialized
        NameAttrList named after the external source, read by cc/dataset/input_spec.cc."""
        record = attr_value_pb2.NameAttrList(name=self.name)
        record.attr["layout"].s = self.layout.encode()
        record.attr["batched"].b = bool(self.batched)
        record.attr["python_source"].s = self.python_source.encode()
        return record.SerializeToString()


class Input:
    """Options for one entry of ``input_datasets``.

    Args:
      dataset: the ``tf.data.Dataset`` feeding the external source.
      layout: layout string of the data (e.g. ``"HWC"``); None keeps the external source's own.
      batch: True if each element is a whole batch (outermost dimension = samples), False if
        each element is one sample; None takes the ``batch`` argument of the external source.
    """

    def __init__(self, dataset, layout=None, batch=False):
        if not isinstance(dataset, tf.data.Dataset):
            raise TypeError(
                "Input(dataset=...) must be a tf.data.Dataset, got %s" % type(dataset).__name__
            )
        if layout is not None and not isinstance(layout, str):
            raise TypeError(
                "Input(layout=...) must be a str or None, got %s" % type(layout).__name__
            )
        if batch is not None and not isinstance(batch, bool):
            raise TypeError("Input(batch=...) must be True, False or None, got %r" % (batch,))
        self.dataset = dataset
        self.layout = layout
        self.batch = batch

    def __repr__(self):
        return "Input(%r, layout=%r, batch=%r)" % (self.dataset, self.layout, self.batch)


def _check_element_spec(name, dataset, batched, declared_dtype):
    spec = dataset.element_spec
    if not isinstance(spec, tf.TensorSpec):
        raise TypeError(
            "input_datasets['%s'] must give single tensors, but its elements are %s" % (name, spec)
        )
    if spec.dtype not in _dtypes.TF_TO_DALI:
        hint = " (use tf.io.decode_raw to get uint8 bytes)" if spec.dtype == tf.string else ""
        raise TypeError(
            "input_datasets['%s'] gives %s elements, which DALI cannot take%s"
            % (name, spec.dtype.name, hint)
        )
    if declared_dtype is not None and _dtypes.TF_TO_DALI[spec.dtype] != declared_dtype:
        raise TypeError(
            "input_datasets['%s'] gives %s elements, but the pipeline's "
            "fn.external_source(name='%s') declares dtype=%s"
            % (name, spec.dtype.name, name, declared_dtype)
        )
    if batched and spec.shape.rank == 0:
        raise ValueError(
            "input_datasets['%s'] is in batch mode, so its elements need an outermost "
            "sample dimension, but they are scalars" % name
        )


def resolve_inputs(pipe, input_datasets, batch_size):
    """Matches ``input_datasets`` and ``source=`` callbacks to the pipeline's external sources.

    `input_datasets` is None for a DALIDataset, which has none to give: its pipeline's named
    external sources are then refused with a pointer to DALIDatasetWithInputs.
    Returns a list of ResolvedInput. Raises TypeError/ValueError naming the offending input.
    """
    with_inputs = input_datasets is not None
    if input_datasets is None:
        input_datasets = {}
    if not isinstance(input_datasets, collections.abc.Mapping):
        raise TypeError(
            "input_datasets must be a dict (a Mapping) {external_source name: tf.data.Dataset or "
            "Input}, got %s" % type(input_datasets).__name__
        )
    for name, value in input_datasets.items():
        if not isinstance(name, str):
            raise TypeError(
                "input_datasets keys must be str names of fn.external_source nodes, "
                "got %r (%s)" % (name, type(name).__name__)
            )
        if not isinstance(value, (tf.data.Dataset, Input)):
            raise TypeError(
                "input_datasets['%s'] must be a tf.data.Dataset or "
                "dali_tf.experimental.Input, got %s" % (name, type(value).__name__)
            )

    sources = _dali_internals.external_sources(pipe)
    nodes = {op.name: op for op in sources}
    for name in input_datasets:
        if name in nodes and nodes[name].group is not None:
            raise ValueError(
                "Input '%s' is given twice: its fn.external_source has a source= and "
                "input_datasets names it too" % name
            )
    if not with_inputs:
        for op in sources:
            if op.group is None:
                raise ValueError(
                    "The DALI pipeline has an fn.external_source without source= ('%s') that "
                    "DALIDataset cannot feed: use dali_tf.experimental.DALIDatasetWithInputs "
                    "with input_datasets={'%s': dataset}" % (op.name, op.name)
                )
    # Which names pair is the op's rule; applied here so that a mistake shows at construction.
    fed = list(input_datasets) + [op.name for op in sources if op.group is not None]
    mismatch = _loader.check_input_names([op.name for op in sources], fed)
    if mismatch:
        raise ValueError(mismatch)

    resolved = []
    groups_done = set()
    for op in sources:
        if op.group is None:
            value = input_datasets[op.name]
            spec = value if isinstance(value, Input) else Input(value, batch=False)
            batched = op.batch if spec.batch is None else spec.batch
            _check_element_spec(op.name, spec.dataset, batched, op.dtype)
            resolved.append(ResolvedInput(op.name, spec.dataset, batched, spec.layout or "", ""))
        elif id(op.group) not in groups_done:
            groups_done.add(id(op.group))
            group = op.group
            datasets = _sources.source_datasets(group, batch_size)
            for name, dataset in zip(group.output_names, datasets):
                resolved.append(
                    ResolvedInput(name, dataset, bool(group.batch), "", _sources.describe(group))
                )
    return resolved
