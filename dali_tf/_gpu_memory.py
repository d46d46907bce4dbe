"""TensorFlow's GPU memory and DALI's: dali_tf turns on TensorFlow's memory growth at import.

By default TensorFlow reserves nearly all the memory of every GPU the first time it uses one, and
a DALI pipeline that decodes or augments on the GPU (``decoders.image(device="mixed")``) then fails
to allocate. With memory growth TensorFlow takes what it uses, and DALI gets the rest. Growth has
to be set before TensorFlow starts its GPUs, so it is set when dali_tf is imported, unless:

- ``DALI_TF_GPU_MEMORY_GROWTH=0`` (keep TensorFlow's default),
- ``TF_FORCE_GPU_ALLOW_GROWTH`` is set (TensorFlow's own switch: the user chose),
- TensorFlow already started its devices (too late: a DALI out-of-memory error then says what to
  set), or a GPU has logical devices configured (their memory limits decide).
"""

import os

GROWTH_SWITCH = "DALI_TF_GPU_MEMORY_GROWTH"


def allow_growth():
    """Turns on memory growth for every GPU TensorFlow sees; returns the GPUs it was set for."""
    if os.environ.get(GROWTH_SWITCH, "1") == "0" or "TF_FORCE_GPU_ALLOW_GROWTH" in os.environ:
        return []
    import tensorflow as tf
    from tensorflow.python.eager import context

    if context.context()._context_handle is not None:  # pylint: disable=protected-access
        return []  # TensorFlow's devices are up: growth can no longer change
    gpus = tf.config.list_physical_devices("GPU")
    done = []
    for gpu in gpus:
        try:
            tf.config.experimental.set_memory_growth(gpu, True)
        except (RuntimeError, ValueError):  # started meanwhile, or logical devices configured
            continue
        done.append(gpu)
    return done
