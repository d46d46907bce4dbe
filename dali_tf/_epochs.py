"""Finite epochs of a DALI reader (``reader_name``) and the last batch policy, as DALI's framework
iterators (``nvidia.dali.plugin.base_iterator``) have them.

The op counts the epoch itself (cc/dataset/epoch_counter.h) from the reader's metadata. DALI's C
API has no reader metadata, so it is read here, from a built copy of the serialized pipeline
(with the dataset's batch size, which the padded epoch size depends on), and handed to the op as
attributes.
"""

import contextlib
import dataclasses
import threading
import uuid

from nvidia.dali import pipeline as _dali_pipeline
from nvidia.dali.plugin.base_iterator import LastBatchPolicy

from dali_tf._pipeline import CPU_ONLY_DEVICE_ID, DEVICE_OF_PLACEMENT

_POLICY_NAMES = {
    LastBatchPolicy.FILL: "fill",
    LastBatchPolicy.DROP: "drop",
    LastBatchPolicy.PARTIAL: "partial",
}


@dataclasses.dataclass(frozen=True)
class EpochSettings:
    """The op's epoch attributes. The defaults: no reader epochs, no last batch policy."""

    reader_name: str = ""
    last_batch_policy: str = ""  # "fill", "drop", "partial" or "" (none)
    epoch_size: int = -1
    epoch_size_padded: int = -1
    num_shards: int = 1
    shard_id: int = 0
    pad_last_batch: bool = False
    stick_to_shard: bool = False
    # One per DALIDataset: the copies tf.data makes of its graph go on with the same reader.
    key: str = ""

    def attrs(self):
        """Keyword arguments of the DALIDataset op."""
        return dict(
            reader_name=self.reader_name,
            last_batch_policy=self.last_batch_policy,
            reader_epoch_size=self.epoch_size,
            reader_epoch_size_padded=self.epoch_size_padded,
            reader_num_shards=self.num_shards,
            reader_shard_id=self.shard_id,
            reader_pad_last_batch=self.pad_last_batch,
            reader_stick_to_shard=self.stick_to_shard,
            reader_epochs_key=self.key,
        )


NO_EPOCHS = EpochSettings()


def policy_name(policy):
    """``LastBatchPolicy.X`` or "x" (any case) as the op's attribute value."""
    if isinstance(policy, LastBatchPolicy):
        return _POLICY_NAMES[policy]
    if isinstance(policy, str) and policy.lower() in _POLICY_NAMES.values():
        return policy.lower()
    raise ValueError(
        "last_batch_policy must be an nvidia.dali.plugin.base_iterator.LastBatchPolicy (FILL, "
        'DROP, PARTIAL) or one of "fill", "drop", "partial", got %r' % (policy,)
    )


def resolve(settings, outputs, reader_name, last_batch_policy, has_inputs):
    """The EpochSettings of a dataset: `settings` are its PipelineSettings, `outputs` its
    OutputStructure, `has_inputs` whether it is fed by input datasets (or source= callbacks)."""
    if reader_name is None and last_batch_policy is None:
        return NO_EPOCHS
    if reader_name is not None and not isinstance(reader_name, str):
        raise TypeError("reader_name must be the name of a reader (a str), got %r" % (reader_name,))
    if reader_name == "":
        raise ValueError("reader_name is empty: give the name= of a reader of the pipeline")
    if reader_name is None and not has_inputs:
        raise ValueError(
            "last_batch_policy needs reader_name, the name= of the reader whose epoch it ends "
            "(or input datasets, where PARTIAL keeps the incomplete batch of an input that runs "
            "out)"
        )
    policy = policy_name(LastBatchPolicy.FILL if last_batch_policy is None else last_batch_policy)
    if policy == "partial":
        _check_partial(outputs, reader_name)
    if reader_name is None:
        return EpochSettings(last_batch_policy=policy)
    meta = reader_meta(settings, reader_name)
    return EpochSettings(
        reader_name=reader_name,
        last_batch_policy=policy,
        epoch_size=int(meta["epoch_size"]),
        epoch_size_padded=int(meta["epoch_size_padded"]),
        num_shards=int(meta["number_of_shards"]),
        shard_id=int(meta["shard_id"]),
        pad_last_batch=bool(meta["pad_last_batch"]),
        stick_to_shard=bool(meta["stick_to_shard"]),
        key=uuid.uuid4().hex,
    )


def reader_meta(settings, reader_name):
    """``reader_meta(reader_name)`` of the pipeline as the op runs it (see readers_meta)."""
    readers = readers_meta(settings)
    if reader_name not in readers:
        raise ValueError(
            "reader_name=%r: the pipeline has no reader of that name (its readers: %s)"
            % (reader_name, ", ".join(sorted(readers)) or "none")
        )
    return readers[reader_name]


def readers_meta(settings):
    """``reader_meta()`` of a built copy of the serialized pipeline, as the op runs it: every
    reader's metadata, by name.

    The copy is built (not run) on the CPU for a CPU-only pipeline; a pipeline with a device_id
    needs that GPU, as the dataset itself does. The user's pipeline object is left as it is.
    Inside ``read_once()`` the copy is built once per pipeline.
    """
    cache = getattr(_read_once, "cache", None)
    key = (settings.serialized_pipeline, settings.batch_size, settings.device_id)
    if cache is not None and key in cache:
        return cache[key]
    device_id = settings.device_id
    if device_id in (CPU_ONLY_DEVICE_ID, DEVICE_OF_PLACEMENT):
        device_id = None  # CPU only, or DALI's own choice: the current device if it needs one
    pipe = _dali_pipeline.Pipeline.deserialize(
        serialized_pipeline=settings.serialized_pipeline,
        batch_size=settings.batch_size,
        num_threads=1,
        device_id=device_id,
    )
    try:
        pipe.build()
        readers = pipe.reader_meta()
    finally:
        del pipe
    if cache is not None:
        cache[key] = readers
    return readers


_read_once = threading.local()


@contextlib.contextmanager
def read_once():
    """Within it, the readers' metadata of a pipeline is read once: distributed_dataset checks
    a pipeline's shards, then its DALIDataset reads the epoch of its reader. Not kept beyond it:
    a reader's files can change between two datasets."""
    _read_once.cache = {}
    try:
        yield
    finally:
        _read_once.cache = None


def _check_partial(outputs, reader_name):
    for i, shape in enumerate(outputs.shapes):
        if shape.rank and shape[0] is not None:
            raise ValueError(
                "output_shapes%s is %s, but last_batch_policy=PARTIAL can yield a shorter last "
                "batch: declare its batch dimension as None, e.g. %s"
                % (
                    "" if outputs.single else "[%d]" % i,
                    shape,
                    tuple([None] + shape.as_list()[1:]),
                )
            )
    ragged = getattr(outputs, "ragged", ())
    if reader_name is not None and any(ragged):
        raise ValueError(
            "last_batch_policy=PARTIAL with reader_name cannot shorten ragged outputs "
            "(output_ragged): use FILL or DROP"
        )
