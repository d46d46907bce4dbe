"""Experimental API: DALIDatasetWithInputs and Input.

``DALIDatasetWithInputs`` is a ``DALIDataset`` whose pipeline's ``fn.external_source`` nodes are
fed from other ``tf.data`` datasets (``input_datasets``) or from their own ``source=`` callbacks,
which are translated into CPU generator datasets.
"""

import tensorflow as tf

from dali_tf.dataset import DALIDataset, DatasetInputs, requested_gpu
from dali_tf.experimental._inputs import Input, resolve_inputs

__all__ = ["DALIDatasetWithInputs", "Input"]


class DALIDatasetWithInputs(DALIDataset):
    """A DALIDataset fed by other datasets: see ``DALIDataset`` for the other arguments
    (output_dtypes, output_shapes, batch_size, device_id, ..., all taken from the pipeline when
    unset).

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
                 fail_on_device_mismatch=True, *, input_datasets=None, **kwargs):
        self._input_datasets_arg = input_datasets
        super().__init__(pipeline, output_dtypes, output_shapes, fail_on_device_mismatch,
                         **kwargs)

    def _resolve_inputs(self, pipeline, settings):
        resolved = resolve_inputs(pipeline, self._input_datasets_arg, settings.batch_size)
        gpu = requested_gpu()
        datasets = []
        for r in resolved:
            dataset = r.dataset
            if gpu and r.python_source:  # generator datasets run on the CPU only
                dataset = dataset.apply(tf.data.experimental.copy_to_device(gpu))
            datasets.append(dataset)
        return DatasetInputs(
            datasets=tuple(datasets),
            names=tuple(r.name for r in resolved),
            layouts=tuple(r.layout for r in resolved),
            batched=tuple(r.batched for r in resolved),
            python_sources=tuple(r.python_source for r in resolved))
