"""Experimental API: DALIDatasetWithInputs and Input.

``DALIDatasetWithInputs`` is a ``DALIDataset`` whose pipeline's ``fn.external_source`` nodes are
fed from other ``tf.data`` datasets (``input_datasets``) or from their own ``source=`` callbacks,
which are translated into CPU generator datasets.
"""

import tensorflow as tf
from tensorflow.python.eager import context

from dali_tf.dataset import (_FROM_PIPELINE, DALIDataset, DatasetInputs, OutputStructure,
                             PipelineSettings)
from dali_tf.experimental._inputs import Input, resolve_inputs

__all__ = ["DALIDatasetWithInputs", "Input"]


def _requested_gpu():
    """The GPU device of the enclosing tf.device scope, or None."""
    name = context.context().device_name if tf.executing_eagerly() else (
        tf.compat.v1.get_default_graph()._device_function_stack.peek_top_obj().display_name  # pylint: disable=protected-access
        if tf.compat.v1.get_default_graph()._device_function_stack else "")  # pylint: disable=protected-access
    if name and tf.DeviceSpec.from_string(name).device_type == "GPU":
        return name
    return None


class DALIDatasetWithInputs(DALIDataset):
    """A DALIDataset fed by other datasets: see ``DALIDataset`` for the common arguments.

    Args:
      input_datasets: ``{name: tf.data.Dataset or Input}``, one entry per named
        ``fn.external_source`` of the pipeline. A plain Dataset is per-sample (``batch_size``
        elements make one DALI batch); ``Input(dataset, layout=None, batch=False)`` sets the mode
        and layout (None: as in the external_source). External sources with ``source=`` need no
        entry. On a GPU-placed dataset the inputs must already be on that GPU
        (``tf.data.experimental.copy_to_device``); translated sources are copied there.

    Iteration ends when any input does; an input that ends mid-batch makes a shorter last batch.
    """

    def __init__(self, pipeline, output_dtypes=None, output_shapes=None,
                 fail_on_device_mismatch=True, *, input_datasets=None, batch_size=_FROM_PIPELINE,
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
        resolved = resolve_inputs(pipeline, input_datasets, settings.batch_size)
        gpu = _requested_gpu()
        datasets = []
        for r in resolved:
            dataset = r.dataset
            if gpu and r.python_source:  # generator datasets run on the CPU only
                dataset = dataset.apply(tf.data.experimental.copy_to_device(gpu))
            datasets.append(dataset)
        inputs = DatasetInputs(
            datasets=tuple(datasets),
            names=tuple(r.name for r in resolved),
            layouts=tuple(r.layout for r in resolved),
            batched=tuple(r.batched for r in resolved),
            python_sources=tuple(r.python_source for r in resolved))
        self._build(settings, outputs, fail_on_device_mismatch, inputs)
