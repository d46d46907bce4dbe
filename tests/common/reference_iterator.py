"""DALI's own framework iterator as the reference for reader epochs: nvidia.dali.plugin's
_DaliBaseIterator with reader_name, run as its framework iterators run it (the PyTorch one's
__next__), giving one output's batches as lists of ints."""

import numpy as np
from nvidia.dali.plugin.base_iterator import _DaliBaseIterator


class ReferenceIterator(_DaliBaseIterator):
    """DALI's framework iterator for one pipeline: __next__ as
    nvidia.dali.plugin.pytorch.DALIGenericIterator's (get outputs, schedule, advance, cut the
    padded samples), giving output `output`'s batch as a flat list."""

    def __init__(self, pipe, output=0, **kwargs):
        self._output = output
        super().__init__(pipe, **kwargs)

    def __next__(self):
        self._ever_consumed = True
        outputs = self._get_outputs()
        batch = np.array(outputs[0][self._output].as_array()).ravel().tolist()
        self._schedule_runs()
        self._advance_and_check_drop_last()
        if_drop, left = self._remove_padded()
        if np.any(if_drop):
            batch = batch[0 : left[0]]
        return batch


def reference_epochs(pipe, policy, epochs, reader_name="Reader", output=0):
    """Per epoch, the batches of output `output` that DALI's iterator gives (reset() after each
    epoch), and the iterator's len() when made."""
    iterator = ReferenceIterator(
        pipe,
        output=output,
        reader_name=reader_name,
        last_batch_policy=policy,
        prepare_first_batch=False,
    )
    length = len(iterator)
    result = []
    for _ in range(epochs):
        batches = []
        while True:
            try:
                batches.append(next(iterator))
            except StopIteration:
                break
        iterator.reset()
        result.append(batches)
    return result, length
