"""DALI pipelines shared by the DALIDataset tests (CPU only: device_id=None), and as_numpy for
the dataset's elements (dali_reference runs the same pipelines in DALI to compare with)."""

import tensorflow as tf
from nvidia.dali import fn, pipeline_def, types

# Each DALI numeric type TensorFlow has, with the TF dtype it maps to.
DALI_TO_TF = (
    (types.BOOL, tf.bool),
    (types.INT8, tf.int8),
    (types.INT16, tf.int16),
    (types.INT32, tf.int32),
    (types.INT64, tf.int64),
    (types.UINT8, tf.uint8),
    (types.UINT16, tf.uint16),
    (types.UINT32, tf.uint32),
    (types.UINT64, tf.uint64),
    (types.FLOAT16, tf.float16),
    (types.FLOAT, tf.float32),
    (types.FLOAT64, tf.float64),
)

IMAGE_SIZE = (24, 32)


@pipeline_def(batch_size=4, num_threads=1, device_id=None, seed=1234)
def images_and_labels(file_root, shuffle=False):
    """Decoded, resized images (uint8 HWC) and labels (int32 [1])."""
    jpegs, labels = fn.readers.file(
        file_root=file_root, random_shuffle=shuffle, initial_fill=8, name="Reader"
    )
    images = fn.resize(fn.decoders.image(jpegs), size=IMAGE_SIZE)
    return images, labels


@pipeline_def(batch_size=4, num_threads=1, device_id=None, seed=1234)
def every_dtype(file_root):
    """Images, labels, then a crop of each image cast to every type in DALI_TO_TF."""
    jpegs, labels = fn.readers.file(file_root=file_root, name="Reader")
    images = fn.resize(fn.decoders.image(jpegs), size=IMAGE_SIZE)
    # Signed values too, so that casts to narrow/unsigned types are exercised.
    patch = fn.cast(fn.crop(images, crop=(4, 5)), dtype=types.INT32) - 100
    return (images, labels) + tuple(fn.cast(patch, dtype=dali_type) for dali_type, _ in DALI_TO_TF)


@pipeline_def(batch_size=3, num_threads=1, device_id=None, seed=99, enable_checkpointing=True)
def shuffled_random(file_root):
    """Checkpointable: shuffled reader, random augmentation and random numbers."""
    jpegs, labels = fn.readers.file(
        file_root=file_root, random_shuffle=True, initial_fill=8, name="Reader"
    )
    images = fn.resize(fn.decoders.image(jpegs), size=(16, 16))
    images = fn.flip(images, horizontal=fn.random.coin_flip())
    noise = fn.random.uniform(range=[0.0, 1.0], shape=[3])
    return images, labels, noise


@pipeline_def(batch_size=8, num_threads=1, device_id=None, seed=5)
def random_floats(shape=(16, 16, 3)):
    """No files: random float32 batches of `shape` per sample."""
    return fn.random.uniform(range=[0.0, 1.0], shape=list(shape), dtype=types.FLOAT)


def as_numpy(element):
    """A DALIDataset element as a list of NumPy arrays. The element is always a tuple (a single
    output dtype gives a 1-tuple, as in NVIDIA's plugin); anything else fails."""
    assert isinstance(element, tuple), "a DALIDataset element is a tuple, got %r" % (element,)
    return [t.numpy() for t in element]
