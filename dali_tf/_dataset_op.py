"""The DALIDataset op as Python builds it, for every dataset class that makes one (DALIDataset,
DALIDatasetWithInputs, distribute's and the service's): the declared outputs (OutputStructure),
the op's creation from resolved settings (build_dataset_op, make_variant), where its input
datasets live (the dataset's device), and the source dataset the op's variant becomes
(DaliDatasetBase). Internal: the public classes are in dali_tf.dataset and dali_tf.experimental.
"""

import dataclasses
import inspect
import warnings

import tensorflow as tf
from tensorflow.python.data.ops import dataset_ops
from tensorflow.python.eager import context

from dali_tf import _dtypes, _epochs, _inputs, _loader
from dali_tf._pipeline import PipelineSettings


@dataclasses.dataclass(frozen=True)
class OutputStructure:
    """The declared outputs: dtypes and shapes (batch dimension first), one per pipeline output.

    Each element is a tuple with a tensor per output, also when ``output_dtypes`` is a single
    dtype (a 1-tuple then), as in NVIDIA's plugin: ``images = element[0]`` is the whole batch.
    """

    dtypes: tuple
    shapes: tuple
    single: bool  # output_dtypes was one dtype (and output_shapes one shape): names in messages
    ragged: tuple = ()  # per output: a tf.RaggedTensor; empty when none is

    @classmethod
    def resolve(cls, output_dtypes, output_shapes, dtypes=None, shapes=None, output_ragged=False):
        output_dtypes = _deprecated_alias("output_dtypes", output_dtypes, "dtypes", dtypes)
        output_shapes = _deprecated_alias("output_shapes", output_shapes, "shapes", shapes)
        if output_dtypes is None:
            raise TypeError(
                "output_dtypes is required: the tf.DType of the pipeline's output, "
                "or a tuple with one tf.DType per output, e.g. "
                "(tf.float32, tf.int32)"
            )
        single = not isinstance(output_dtypes, (tuple, list))
        dtype_list = [output_dtypes] if single else list(output_dtypes)
        if not dtype_list:
            raise ValueError("output_dtypes is empty: give one dtype per pipeline output")
        resolved = tuple(
            _dtypes.as_supported(
                d,
                _dtypes.DATASET_DTYPES,
                "output_dtypes" + _index(None if single else i),
                "a DALI pipeline",
            )
            for i, d in enumerate(dtype_list)
        )

        if output_shapes is None:
            shape_list = [None] * len(resolved)
        elif single:
            shape_list = [output_shapes]
        else:
            if not isinstance(output_shapes, (tuple, list)):
                raise TypeError(
                    "output_shapes must be a tuple with one shape per output when "
                    "output_dtypes is a tuple, got %r" % (output_shapes,)
                )
            shape_list = list(output_shapes)
            if len(shape_list) != len(resolved):
                raise ValueError(
                    "output_shapes has %d entries but output_dtypes has %d: give one "
                    "shape per output" % (len(shape_list), len(resolved))
                )
        shapes_ = tuple(_as_shape(s, None if single else i) for i, s in enumerate(shape_list))
        ragged = _as_ragged_flags(output_ragged, len(resolved), single)
        return cls(dtypes=resolved, shapes=shapes_, single=single, ragged=ragged)

    def check_against(self, settings):
        """Early, readable errors for what the op would only find when iterating."""
        if settings.num_outputs is not None and settings.num_outputs != len(self.dtypes):
            raise ValueError(
                "The DALI pipeline has %d outputs but %d output_dtypes were given: "
                "declare one dtype per pipeline output" % (settings.num_outputs, len(self.dtypes))
            )
        for i, shape in enumerate(self.shapes):
            # With batch size 1 the declared shape may leave the batch dimension out (declared
            # shapes may differ from DALI's by dimensions of size 1).
            if (
                shape.rank
                and shape[0] is not None
                and shape[0] != settings.batch_size
                and settings.batch_size != 1
            ):
                raise ValueError(
                    "output_shapes%s declares a batch dimension of %d but the batch size is %d"
                    % (_index(None if self.single else i), shape[0], settings.batch_size)
                )

    @property
    def element_spec(self):
        specs = []
        for i, (dtype, shape) in enumerate(zip(self.dtypes, self.shapes)):
            if self.ragged and self.ragged[i]:
                specs.append(
                    tf.RaggedTensorSpec(
                        shape, dtype, ragged_rank=_ragged_rank(shape), row_splits_dtype=tf.int64
                    )
                )
            else:
                specs.append(tf.TensorSpec(shape, dtype))
        return tuple(specs)


def build_dataset_op(
    pipeline,
    input_datasets,
    output_dtypes,
    output_shapes,
    fail_on_device_mismatch,
    dtypes=None,
    shapes=None,
    output_ragged=False,
    reader_name=None,
    last_batch_policy=None,
    share_epochs=True,
    **overrides,
):
    """Creates the DALIDataset op, for DALIDataset and DALIDatasetWithInputs alike.

    `input_datasets` is the ``{name: Dataset or Input}`` dict of DALIDatasetWithInputs (None for
    a DALIDataset); external sources with ``source=`` are translated in both cases.
    `share_epochs=False`: the copies tf.data rebuilds from the dataset's graph do not share where
    the reader is; each copy starts at the reader's first epoch (dali_tf.service's parts).
    `overrides` are the pipeline options given explicitly (see PipelineSettings.resolve).
    Returns (OutputStructure, the input datasets, the variant tensor).
    """
    outputs = OutputStructure.resolve(output_dtypes, output_shapes, dtypes, shapes, output_ragged)
    settings = PipelineSettings.resolve(pipeline, **overrides)
    if not isinstance(fail_on_device_mismatch, bool):
        raise TypeError(
            "fail_on_device_mismatch must be a bool, got %r" % (fail_on_device_mismatch,)
        )
    outputs.check_against(settings)
    inputs = _inputs.resolve_inputs(pipeline, input_datasets, settings.batch_size)
    gpu = requested_gpu()
    datasets = [_placed_input(spec, gpu) for spec in inputs]
    epochs = _epochs.resolve(settings, reader_name, last_batch_policy, bool(inputs))
    if not share_epochs:
        epochs = dataclasses.replace(epochs, key="")
    variant = make_variant(settings, outputs, fail_on_device_mismatch, inputs, datasets, epochs)
    return outputs, tuple(datasets), variant


def make_variant(
    settings, outputs, fail_on_device_mismatch, inputs=(), datasets=(), epochs=_epochs.NO_EPOCHS
):
    """The op itself, from resolved settings and outputs: every check after this is the op's."""
    variant = _loader.ops().dali_dataset(
        input_datasets=[d._variant_tensor for d in datasets],  # pylint: disable=protected-access
        output_dtypes=list(outputs.dtypes),
        # TensorFlow's convention: output_shapes is what the dataset yields, a scalar (an encoded
        # RaggedTensor) for a ragged output, whose declared shape goes in ragged_shapes.
        output_shapes=[
            tf.TensorShape([]) if outputs.ragged and outputs.ragged[i] else shape
            for i, shape in enumerate(outputs.shapes)
        ],
        fail_on_device_mismatch=fail_on_device_mismatch,
        input_specs=[i.serialized() for i in inputs],
        **settings.op_attrs(),
        **epochs.attrs(),
        output_ragged=list(outputs.ragged),
        ragged_shapes=[
            shape if ragged else tf.TensorShape(None)
            for shape, ragged in zip(outputs.shapes, outputs.ragged)
        ],
    )
    _check_gpu_visible()
    return variant


class DaliDatasetBase(dataset_ops.DatasetV2):
    """What both dataset classes are once their op is built: a source dataset of batches."""

    def _init_from_op(self, outputs, input_datasets, variant):
        self._outputs = outputs
        self._input_datasets = input_datasets
        super().__init__(variant)

    def _inputs(self):
        return list(self._input_datasets)

    @property
    def element_spec(self):
        return self._outputs.element_spec


def check_passed_on_kwargs(kwargs, reserved, caller, why):
    """Checks the keyword arguments `caller` passes on to DALIDataset: a TypeError for those in
    `reserved`, which it sets itself (`why` says how), and for those DALIDataset does not take."""
    taken = sorted(set(kwargs) & set(reserved))
    if taken:
        raise TypeError("%s sets %s itself: %s" % (caller, ", ".join(taken), why))
    from dali_tf.dataset import DALIDataset  # pylint: disable=import-outside-toplevel (a cycle)

    accepted = set(inspect.signature(DALIDataset.__init__).parameters) - {"self"}
    unknown = sorted(set(kwargs) - accepted)
    if unknown:
        raise TypeError(
            "%s got unexpected keyword arguments %s (it passes DALIDataset's arguments on: %s)"
            % (caller, ", ".join(unknown), ", ".join(sorted(accepted - set(reserved))))
        )


def requested_gpu():
    """The GPU device of the enclosing tf.device scope, or None."""
    if tf.executing_eagerly():
        name = context.context().device_name or ""
    else:
        # Graph mode keeps the scope on the graph's device stack (no public accessor).
        stack = tf.compat.v1.get_default_graph()._device_function_stack  # pylint: disable=protected-access
        top = stack.peek_top_obj() if stack else None
        name = getattr(top, "display_name", "") or ""
    if name and tf.DeviceSpec.from_string(name).device_type == "GPU":
        return name
    return None


def _placed_input(spec, gpu):
    """The input dataset of `spec` where the DALI dataset's iterator reads it: on the dataset's
    device, `gpu` (None: the CPU). The op takes its input tensors as living where it does.

    On a GPU, a host input (a plain tf.data dataset, a translated ``source=``) is copied there
    with ``copy_to_device``, as NVIDIA's notebooks do by hand; an input already copied to that GPU
    is used as it is. On the CPU, or on another GPU, an input on a GPU is refused: the iterator
    could not read its device memory.
    """
    where = _dataset_device(spec.dataset)
    here = tf.DeviceSpec.from_string(gpu) if gpu else None
    if where is None:  # on the host
        if here is None:
            return spec.dataset
        return spec.dataset.apply(tf.data.experimental.copy_to_device(gpu))
    if here is not None and (where.device_index or 0) == (here.device_index or 0):
        return spec.dataset
    raise ValueError(
        "input_datasets['%s'] gives GPU tensors (it was copied to %s), but the DALI dataset is "
        "placed on %s, whose iterator cannot read them: give the input on the host (drop its "
        "copy_to_device: dali_tf copies host inputs to a GPU-placed dataset's GPU itself), or "
        "place the DALI dataset on that GPU (with tf.device)"
        % (spec.name, where.to_string(), gpu or "the CPU")
    )


def _dataset_device(dataset):
    """The GPU a dataset's elements live on (its variant was made there: copy_to_device makes it on
    its target), or None for the host."""
    name = getattr(dataset._variant_tensor, "device", "") or ""  # pylint: disable=protected-access
    spec = tf.DeviceSpec.from_string(name) if name else None
    return spec if spec is not None and spec.device_type == "GPU" else None


def _check_gpu_visible():
    """tf.device('/gpu:N') without a GPU would silently run the dataset on the CPU (soft
    placement): refuse instead."""
    requested = requested_gpu()
    if not requested:
        return
    if not tf.config.list_logical_devices("GPU"):
        raise ValueError(
            "DALIDataset is placed on a GPU but TensorFlow sees no GPU (device scope "
            "%s): place it on the CPU with a CPU-only pipeline (device_id=None)" % requested
        )


def _index(i):
    """How an argument's entry is named in messages: "[i]" in a tuple, "" for a single value."""
    return "" if i is None else "[%d]" % i


def _deprecated_alias(name, value, old_name, old_value):
    if old_value is None:
        return value
    if value is not None:
        raise ValueError("Give either %s or its deprecated alias %s, not both" % (name, old_name))
    warnings.warn("%s is deprecated, use %s" % (old_name, name), DeprecationWarning, stacklevel=5)
    return old_value


def _as_ragged_flags(output_ragged, count, single):
    """One bool per output from ``output_ragged`` (a bool for all, or one per output)."""
    if isinstance(output_ragged, bool):
        return (output_ragged,) * count if output_ragged else ()
    if single or not isinstance(output_ragged, (tuple, list)) or len(output_ragged) != count:
        raise TypeError(
            "output_ragged must be a bool, or a tuple of %d bools matching output_dtypes, got %r"
            % (count, output_ragged)
        )
    if not all(isinstance(r, bool) for r in output_ragged):
        raise TypeError("output_ragged entries must be bools, got %r" % (output_ragged,))
    return tuple(output_ragged) if any(output_ragged) else ()


def _ragged_rank(shape):
    """A ragged output's ragged rank: the position of the last None after the batch dimension
    (the op refuses a ragged output without one: cc/dataset/ragged_output.cc, RaggedRankOf)."""
    return max((d for d in range(1, shape.rank or 0) if shape[d] is None), default=0)


def _as_shape(value, i):
    try:
        return tf.TensorShape(value)
    except (TypeError, ValueError):
        raise TypeError(
            "output_shapes%s must be a shape (a list of ints or None, batch dimension "
            "first), got %r" % (_index(i), value)
        ) from None
