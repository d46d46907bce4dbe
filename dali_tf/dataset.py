"""DALIDataset: a ``tf.data.Dataset`` whose elements are the batches of a DALI pipeline.

Every argument left unset is read from the pipeline object (batch size, threads, device, executor,
queue depths): what the user configured on the pipeline is never silently replaced.

Device placement: the dataset's tensors live on the device the dataset is created on
(``with tf.device(...)``). ``fail_on_device_mismatch`` (default True) makes a placement that
disagrees with the pipeline's ``device_id`` an error naming both; with False the outputs are
copied to the dataset's device. A GPU-placed DALIDataset must be the last dataset of the input
pipeline (its iterator has to run on that GPU).
"""

import dataclasses
from typing import Optional
import warnings

import tensorflow as tf
from tensorflow.python.data.ops import dataset_ops
from tensorflow.python.eager import context

from dali_tf import _loader
from dali_tf._pipeline import (CPU_ONLY_DEVICE_ID, check_pipeline, configured_settings,
                               require_cpu_only, serialize_pipeline)

# Every DALI element type TensorFlow has.
SUPPORTED_DTYPES = (
    tf.bool, tf.int8, tf.int16, tf.int32, tf.int64, tf.uint8, tf.uint16, tf.uint32, tf.uint64,
    tf.float16, tf.float32, tf.float64,
)

_FROM_PIPELINE = -1  # the default of the integer arguments: "as configured on the pipeline"


def dataset_options():
    """``tf.data.Options`` for input pipelines that contain a DALIDataset.

    Apply with ``dataset.with_options(dali_tf.dataset_options())``. It turns off:

    - autotuning: DALI sizes its own worker threads and prefetch queue, which tf.data's model
      cannot see or tune;
    - tf.data's default graph rewrites: they rebuild the dataset graph on the host, while a
      GPU-placed DALIDataset must stay the last dataset on its GPU;
    - auto-sharding under ``tf.distribute``: DALI readers shard themselves (``shard_id``,
      ``num_shards``); tf.data would otherwise drop batches DALI already sharded.
    """
    options = tf.data.Options()
    options.autotune.enabled = False
    options.experimental_optimization.apply_default_optimizations = False
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.OFF
    return options


@dataclasses.dataclass(frozen=True)
class PipelineSettings:
    """The pipeline as the op runs it: serialized, with every parameter resolved."""
    serialized: bytes
    batch_size: int
    num_threads: int
    device_id: int  # CPU_ONLY_DEVICE_ID for a CPU-only pipeline
    exec_separated: bool
    exec_dynamic: bool
    cpu_prefetch_queue_depth: int
    gpu_prefetch_queue_depth: int
    num_outputs: Optional[int]  # None when the pipeline object does not tell

    @classmethod
    def resolve(cls, pipeline, batch_size=_FROM_PIPELINE, num_threads=_FROM_PIPELINE,
                device_id=_FROM_PIPELINE, exec_separated=None, exec_dynamic=None,
                prefetch_queue_depth=None, cpu_prefetch_queue_depth=None,
                gpu_prefetch_queue_depth=None):
        """Explicit arguments win; anything unset comes from `pipeline`."""
        check_pipeline(pipeline)
        configured = configured_settings(pipeline)
        if batch_size == _FROM_PIPELINE:
            batch_size = configured["batch_size"]
        _check_positive_int("batch_size", batch_size)
        if num_threads == _FROM_PIPELINE:
            num_threads = configured["num_threads"]
        _check_positive_int("num_threads", num_threads)
        if device_id == _FROM_PIPELINE:
            device_id = configured["device_id"]
        if device_id is None or device_id == CPU_ONLY_DEVICE_ID:
            require_cpu_only(pipeline)
            device_id = CPU_ONLY_DEVICE_ID
        elif not _is_int(device_id) or device_id < 0:
            raise ValueError("device_id must be a GPU ordinal (>= 0) or None for a CPU-only "
                             "pipeline, got %r" % (device_id,))

        cpu_depth = configured["cpu_prefetch_queue_depth"]
        gpu_depth = configured["gpu_prefetch_queue_depth"]
        separated_queues_given = isinstance(prefetch_queue_depth, dict)
        if separated_queues_given:
            unknown = set(prefetch_queue_depth) - {"cpu_size", "gpu_size"}
            if unknown or len(prefetch_queue_depth) != 2:
                raise ValueError('prefetch_queue_depth as a dict must have exactly the keys '
                                 '"cpu_size" and "gpu_size", got %r' % (prefetch_queue_depth,))
            cpu_depth = prefetch_queue_depth["cpu_size"]
            gpu_depth = prefetch_queue_depth["gpu_size"]
        elif prefetch_queue_depth is not None:
            cpu_depth = gpu_depth = prefetch_queue_depth
        if cpu_prefetch_queue_depth is not None:
            cpu_depth = cpu_prefetch_queue_depth
        if gpu_prefetch_queue_depth is not None:
            gpu_depth = gpu_prefetch_queue_depth
        _check_positive_int("cpu prefetch queue depth", cpu_depth)
        _check_positive_int("gpu prefetch queue depth", gpu_depth)

        # As DALI's Pipeline does: separate CPU/GPU queue sizes select the separated executor,
        # which the dynamic executor is not.
        if exec_separated is None:
            exec_separated = separated_queues_given or configured["exec_separated"]
        if exec_dynamic is None:
            exec_dynamic = configured["exec_dynamic"] and not (
                exec_separated and not configured["exec_separated"])

        serialized = serialize_pipeline(pipeline)
        # Known once the pipeline's graph is defined (serialize defines it).
        graph_outputs = getattr(pipeline, "_num_outputs", None)
        return cls(serialized=serialized, batch_size=int(batch_size),
                   num_threads=int(num_threads), device_id=int(device_id),
                   exec_separated=bool(exec_separated), exec_dynamic=bool(exec_dynamic),
                   cpu_prefetch_queue_depth=int(cpu_depth),
                   gpu_prefetch_queue_depth=int(gpu_depth),
                   num_outputs=graph_outputs if _is_int(graph_outputs) else None)


@dataclasses.dataclass(frozen=True)
class OutputStructure:
    """The declared outputs: dtypes, shapes (batch dimension first) and the element's form."""
    dtypes: tuple
    shapes: tuple
    is_tuple: bool  # False: the element is one tensor

    @classmethod
    def resolve(cls, output_dtypes, output_shapes, dtypes=None, shapes=None):
        output_dtypes = _deprecated_alias("output_dtypes", output_dtypes, "dtypes", dtypes)
        output_shapes = _deprecated_alias("output_shapes", output_shapes, "shapes", shapes)
        if output_dtypes is None:
            raise ValueError("output_dtypes is required: the dtype of the pipeline's output, or a "
                             "tuple with one dtype per output, e.g. (tf.float32, tf.int32)")
        is_tuple = isinstance(output_dtypes, (tuple, list))
        dtype_list = list(output_dtypes) if is_tuple else [output_dtypes]
        if not dtype_list:
            raise ValueError("output_dtypes is empty: give one dtype per pipeline output")
        resolved = tuple(_as_supported_dtype(d, i if is_tuple else None)
                         for i, d in enumerate(dtype_list))

        if output_shapes is None:
            shape_list = [None] * len(resolved)
        elif is_tuple:
            if not isinstance(output_shapes, (tuple, list)):
                raise TypeError("output_shapes must be a tuple with one shape per output when "
                                "output_dtypes is a tuple, got %r" % (output_shapes,))
            shape_list = list(output_shapes)
            if len(shape_list) != len(resolved):
                raise ValueError("output_shapes has %d entries but output_dtypes has %d: give one "
                                 "shape per output" % (len(shape_list), len(resolved)))
        else:
            shape_list = [output_shapes]
        shapes_ = tuple(_as_shape(s, i if is_tuple else None) for i, s in enumerate(shape_list))
        return cls(dtypes=resolved, shapes=shapes_, is_tuple=is_tuple)

    def check_against(self, settings):
        """Early, readable errors for what the op would only find when iterating."""
        if settings.num_outputs is not None and settings.num_outputs != len(self.dtypes):
            raise ValueError("The DALI pipeline has %d outputs but %d output_dtypes were given: "
                             "declare one dtype per pipeline output"
                             % (settings.num_outputs, len(self.dtypes)))
        for i, shape in enumerate(self.shapes):
            if shape.rank and shape[0] is not None and shape[0] != settings.batch_size:
                raise ValueError(
                    "output_shapes%s declares a batch dimension of %d but the batch size is %d"
                    % (_index(i if self.is_tuple else None), shape[0], settings.batch_size))

    @property
    def element_spec(self):
        specs = tuple(tf.TensorSpec(shape, dtype) for dtype, shape in zip(self.dtypes, self.shapes))
        return specs if self.is_tuple else specs[0]


@dataclasses.dataclass(frozen=True)
class DatasetInputs:
    """Input datasets fed into the pipeline's external sources, one entry each (attrs of the op).
    DALIDataset has none; DALIDatasetWithInputs passes them."""
    datasets: tuple = ()
    names: tuple = ()
    layouts: tuple = ()
    batched: tuple = ()
    python_sources: tuple = ()  # "source=<name>" for inputs translated from source= callbacks


class DALIDataset(dataset_ops.DatasetV2):
    """Runs a DALI pipeline as a ``tf.data.Dataset``: each element is one batch, a tensor per
    pipeline output (a single tensor when ``output_dtypes`` is a single dtype, else a tuple).

    Args:
      pipeline: the ``nvidia.dali`` Pipeline (e.g. made by ``@pipeline_def``).
      output_dtypes: a ``tf.DType`` or a tuple of them, one per pipeline output.
      output_shapes: the shape (batch dimension first; None entries are unknown), or a tuple of
        shapes matching ``output_dtypes``. Unknown by default.
      fail_on_device_mismatch: raise when the dataset's device and the pipeline's ``device_id``
        disagree; with False the outputs are copied to the dataset's device.
      batch_size, num_threads, device_id, exec_separated, exec_dynamic, prefetch_queue_depth,
      cpu_prefetch_queue_depth, gpu_prefetch_queue_depth: override the pipeline's own settings;
        by default taken from the pipeline. ``prefetch_queue_depth`` is an int or
        ``{"cpu_size": n, "gpu_size": m}`` as in DALI.
      dtypes, shapes: deprecated names of ``output_dtypes`` and ``output_shapes``.
    """

    def __init__(self, pipeline, output_dtypes=None, output_shapes=None,
                 fail_on_device_mismatch=True, *, batch_size=_FROM_PIPELINE,
                 num_threads=_FROM_PIPELINE, device_id=_FROM_PIPELINE, exec_separated=None,
                 exec_dynamic=None, prefetch_queue_depth=None, cpu_prefetch_queue_depth=None,
                 gpu_prefetch_queue_depth=None, dtypes=None, shapes=None):
        outputs = OutputStructure.resolve(output_dtypes, output_shapes, dtypes, shapes)
        settings = PipelineSettings.resolve(
            pipeline, batch_size=batch_size, num_threads=num_threads, device_id=device_id,
            exec_separated=exec_separated, exec_dynamic=exec_dynamic,
            prefetch_queue_depth=prefetch_queue_depth,
            cpu_prefetch_queue_depth=cpu_prefetch_queue_depth,
            gpu_prefetch_queue_depth=gpu_prefetch_queue_depth)
        self._build(settings, outputs, fail_on_device_mismatch,
                    self._resolve_inputs(pipeline, settings))

    def _resolve_inputs(self, pipeline, settings):
        """The datasets feeding the pipeline's external sources: none here (see
        experimental.DALIDatasetWithInputs)."""
        del pipeline, settings
        return DatasetInputs()

    def _build(self, settings, outputs, fail_on_device_mismatch, inputs):
        """Creates the op."""
        if not isinstance(fail_on_device_mismatch, bool):
            raise TypeError("fail_on_device_mismatch must be a bool, got %r"
                            % (fail_on_device_mismatch,))
        outputs.check_against(settings)
        self._outputs = outputs
        self._input_datasets = tuple(inputs.datasets)
        input_variants = [d._variant_tensor for d in inputs.datasets]  # pylint: disable=protected-access
        variant = _loader.ops().dali_dataset(
            input_datasets=input_variants,
            serialized_pipeline=settings.serialized,
            output_dtypes=list(outputs.dtypes),
            output_shapes=list(outputs.shapes),
            batch_size=settings.batch_size,
            num_threads=settings.num_threads,
            device_id=settings.device_id,
            exec_separated=settings.exec_separated,
            exec_dynamic=settings.exec_dynamic,
            cpu_prefetch_queue_depth=settings.cpu_prefetch_queue_depth,
            gpu_prefetch_queue_depth=settings.gpu_prefetch_queue_depth,
            fail_on_device_mismatch=fail_on_device_mismatch,
            input_names=list(inputs.names),
            input_layouts=list(inputs.layouts),
            input_batched=list(inputs.batched),
            input_python_sources=list(inputs.python_sources))
        _check_gpu_visible()
        super().__init__(variant)

    def _inputs(self):
        return list(self._input_datasets)

    @property
    def element_spec(self):
        return self._outputs.element_spec


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


def _check_gpu_visible():
    """tf.device('/gpu:N') without a GPU would silently run the dataset on the CPU (soft
    placement): refuse instead."""
    requested = requested_gpu()
    if not requested:
        return
    if not tf.config.list_logical_devices("GPU"):
        raise ValueError("DALIDataset is placed on a GPU but TensorFlow sees no GPU (device scope "
                         "%s): place it on the CPU with a CPU-only pipeline (device_id=None)"
                         % requested)


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _check_positive_int(name, value):
    if not _is_int(value) or value <= 0:
        raise ValueError("%s must be a positive integer, got %r" % (name, value))


def _index(i):
    """How an argument's entry is named in messages: "[i]" in a tuple, "" for a single value."""
    return "" if i is None else "[%d]" % i


def _deprecated_alias(name, value, old_name, old_value):
    if old_value is None:
        return value
    if value is not None:
        raise ValueError("Give either %s or its deprecated alias %s, not both" % (name, old_name))
    warnings.warn("%s is deprecated, use %s" % (old_name, name), DeprecationWarning, stacklevel=4)
    return old_value


def _as_supported_dtype(value, i):
    try:
        dtype = tf.as_dtype(value)
    except TypeError:
        raise TypeError("output_dtypes%s must be a tf.DType, got %r" % (_index(i), value)) from None
    if dtype not in SUPPORTED_DTYPES:
        raise TypeError("output_dtypes%s is %s, which a DALI pipeline cannot produce; supported: %s"
                        % (_index(i), dtype.name, ", ".join(d.name for d in SUPPORTED_DTYPES)))
    return dtype


def _as_shape(value, i):
    try:
        return tf.TensorShape(value)
    except (TypeError, ValueError):
        raise TypeError("output_shapes%s must be a shape (a list of ints or None, batch dimension "
                        "first), got %r" % (_index(i), value)) from None
