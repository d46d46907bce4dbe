"""A trainer process of the tf.data service tests: reads DALI batches through the service and
prints what it got, one ``RESULT <json>`` line each, flushed at once.

    python trainer_main.py MODE --service grpc://HOST:PORT --files_dir DIR --num_files N
        --batch B --num_parts P [--epochs E] [--fit_epochs F] [--delay S] [--optimize]

Modes:
  epochs  E epochs of dali_tf.service.distributed_dataset over the sample files, each batch as
          {"kind": "batch", "epoch": e, "pid": <the worker process that made it>, "ids": [...]},
          each epoch's end as {"kind": "epoch_end"}; then Keras model.fit for F epochs on the
          same data: {"kind": "fit", "steps": [steps of each epoch], "loss": [...]}.
  stream  one epoch, the batches as in `epochs`, sleeping S s after each; then {"kind": "end"}.
          --optimize turns tf.data's default graph optimizations back on.
  source  a DALIDataset with an fn.external_source(source=...) callback, applied to
          tf.data.experimental.service.distribute (parallel_epochs) by hand.
An error of TensorFlow's while reading is {"kind": "error", "type": ..., "message": ...}.
"""

import argparse
import json
import sys
import time

import numpy as np
import tensorflow as tf
from nvidia.dali import fn, pipeline_def

import dali_tf
import dali_tf.service
from tests.distribute.pipelines import FEATURES, ids_of, sample_ids, small_model

RESULT_PREFIX = "RESULT "
SPEC = dict(output_dtypes=(tf.float32, tf.float32), output_shapes=((None, FEATURES), (None, 1)))


def emit(**result):
    print(RESULT_PREFIX + json.dumps(result), flush=True)


def worker_pid():
    """The id of the process that runs this op: on the service, the worker's."""
    stat = tf.io.read_file("/proc/self/stat")
    return tf.strings.to_number(tf.strings.split(stat, " ")[0], tf.int64)


def sample_files(args):
    import os

    files = sorted(os.path.join(args.files_dir, name) for name in os.listdir(args.files_dir))
    assert len(files) == args.num_files, files
    return files


def parts(args):
    files = sample_files(args)

    def pipeline_fn(shard_id, num_shards, device_id):
        return sample_ids(files, shard_id, num_shards, batch_size=args.batch, device_id=device_id)

    dataset = dali_tf.service.parts_dataset(
        pipeline_fn, args.num_parts, reader_name="Reader", **SPEC
    )
    if args.optimize:  # tf.data's default graph optimizations back on
        options = tf.data.Options()
        options.experimental_optimization.apply_default_optimizations = True
        dataset = dataset.with_options(options)
    return dataset


def distributed(dataset, args):
    return dataset.apply(
        tf.data.experimental.service.distribute(
            processing_mode="distributed_epoch", service=args.service
        )
    )


def emit_batches(dataset, epoch, delay=0.0):
    for features, ids, pid in dataset:
        assert features.shape[0] == ids.shape[0]
        emit(kind="batch", epoch=epoch, pid=int(pid), ids=ids_of(ids))
        if delay:
            time.sleep(delay)


def tagged(args):
    """The parts, each batch tagged on the worker with the worker's process id."""
    return distributed(parts(args).map(lambda features, ids: (features, ids, worker_pid())), args)


def epochs_mode(args):
    dataset = tagged(args)
    for epoch in range(args.epochs):
        emit_batches(dataset, epoch)
        emit(kind="epoch_end", epoch=epoch)

    steps = []

    class CountSteps(tf.keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            steps.append(0)

        def on_train_batch_end(self, batch, logs=None):
            steps[-1] += 1

    tf.keras.utils.set_random_seed(0)
    model = small_model()
    history = model.fit(
        distributed(parts(args), args), epochs=args.fit_epochs, verbose=0, callbacks=[CountSteps()]
    )
    emit(kind="fit", steps=steps, loss=[float(v) for v in history.history["loss"]])


def stream_mode(args):
    emit_batches(tagged(args), 0, args.delay)
    emit(kind="end")


def source_mode(args):
    @pipeline_def(batch_size=2, num_threads=1, device_id=None)
    def from_callback():
        return fn.external_source(
            source=lambda: np.zeros((2, 3), np.float32), batch=True, name="from_python"
        )

    dataset = dali_tf.DALIDataset(from_callback(), output_dtypes=tf.float32)
    dataset = dataset.apply(
        tf.data.experimental.service.distribute(
            processing_mode="parallel_epochs", service=args.service
        )
    )
    for (batch,) in dataset.take(1):
        emit(kind="batch", shape=batch.shape.as_list())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["epochs", "stream", "source"])
    parser.add_argument("--service", required=True)
    parser.add_argument("--files_dir")
    parser.add_argument("--num_files", type=int)
    parser.add_argument("--batch", type=int)
    parser.add_argument("--num_parts", type=int)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--fit_epochs", type=int, default=1)
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--optimize", action="store_true")
    args = parser.parse_args()
    mode = {"epochs": epochs_mode, "stream": stream_mode, "source": source_mode}[args.mode]
    try:
        mode(args)
    except tf.errors.OpError as e:
        emit(kind="error", type=type(e).__name__, message=e.message)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
