"""Experimental API: DALIDatasetWithInputs and Input.

``DALIDatasetWithInputs`` is a ``DALIDataset`` whose pipeline's ``fn.external_source`` nodes are
fed from other ``tf.data`` datasets (``input_datasets``) as well as from their own ``source=``
callbacks, which are translated into CPU generator datasets.
"""

from typing import Mapping, Optional, Sequence, Union

import tensorflow as tf
from nvidia.dali.pipeline import Pipeline

from dali_tf._inputs import Input
from dali_tf.dataset import DALIDataset, Shape

__all__ = ["DALIDatasetWithInputs", "Input"]


class DALIDatasetWithInputs(DALIDataset):
    """A DALIDataset fed by other datasets: see ``DALIDataset`` for the other arguments
    (output_dtypes, output_shapes, batch_size, device_id, ..., all taken from the pipeline when
    unset).

    Args:
      input_datasets: ``{name: tf.data.Dataset or Input}`` (any Mapping), one entry per named
        ``fn.external_source`` of the pipeline. A plain Dataset is per-sample (``batch_size``
        elements make one DALI batch); ``Input(dataset, layout=None, batch=False)`` sets the mode
        and layout (None: as in the external_source). External sources with ``source=`` need no
        entry. A GPU-placed dataset copies host inputs (and translated sources) to its GPU itself
        (``copy_to_device``); an input already copied to that GPU is used as it is. A CPU-placed
        dataset refuses an input on a GPU.

    Iteration ends when any input does. A per-sample input that runs out in the middle of a batch
    ends the data without that incomplete batch, as DALI's own ``pipeline.run()`` does, unless
    ``last_batch_policy`` is PARTIAL (``"partial"``): the incomplete batch then comes too. A
    batch-mode input's element is a whole batch; a smaller one gives a smaller batch.

    ``cardinality()`` is the fewest batches of the reader's epoch (``reader_name``) and each
    input's: unknown when an input's length is (``filter()``, ``from_generator``, ``source=``),
    infinite when nothing ends. With ``reader_name``, each new iterator starts over, as its inputs
    do. A checkpoint saves the pipeline, every input iterator and the input batches still in the
    pipeline; a ``source=`` callback cannot be saved (the error names it).
    """

    def __init__(
        self,
        pipeline: Pipeline,
        output_dtypes: Union[tf.DType, Sequence[tf.DType], None] = None,
        output_shapes: Union[Shape, Sequence[Shape]] = None,
        fail_on_device_mismatch: bool = True,
        *,
        input_datasets: Optional[Mapping[str, Union[tf.data.Dataset, Input]]] = None,
        **options,
    ):
        """``options``: DALIDataset's keyword arguments (batch_size, num_threads, device_id,
        exec_separated, exec_dynamic, the queue depths, reader_name, last_batch_policy, seed,
        output_ragged, the deprecated dtypes/shapes)."""
        self._given_input_datasets = {} if input_datasets is None else input_datasets
        super().__init__(pipeline, output_dtypes, output_shapes, fail_on_device_mismatch, **options)
