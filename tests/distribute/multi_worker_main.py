"""One worker of multi_worker_test: MultiWorkerMirroredStrategy from TF_CONFIG, one epoch of
dali_tf.distributed_dataset, then a few training steps of a Keras model. Prints one RESULT line
(JSON).

    python multi_worker_main.py FILES_DIR NUM_FILES BATCH FIT_STEPS
"""

import json
import os
import sys

import numpy as np
import tensorflow as tf

import dali_tf
from tests.distribute.pipelines import ids_of, output_spec, sample_ids, small_model

RESULT_PREFIX = "RESULT "


def main(files_dir, num_files, batch, fit_steps):
    files = sorted(os.path.join(files_dir, name) for name in os.listdir(files_dir))
    assert len(files) == num_files, files
    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    workers = strategy.num_replicas_in_sync  # one replica per worker
    calls = []

    def pipeline_fn(shard_id, num_shards, device_id):
        calls.append([shard_id, num_shards, device_id])
        return sample_ids(files, shard_id, num_shards, batch_size=batch, device_id=device_id)

    dataset = dali_tf.distributed_dataset(strategy, pipeline_fn, *output_spec(batch))
    iterator = iter(dataset)
    ids, devices = [], set()
    for _ in range(num_files // (workers * batch)):  # one epoch
        features, labels = next(iterator)
        for x, y in zip(
            strategy.experimental_local_results(features),
            strategy.experimental_local_results(labels),
        ):
            ids.extend(ids_of(y))
            devices.update({x.device, y.device})

    # Keras 3's model.fit fails under MultiWorkerMirroredStrategy with any distributed dataset
    # (keras-team/keras#20585): the Keras model is trained with a custom loop, strategy.run.
    tf.keras.utils.set_random_seed(0)
    with strategy.scope():
        model = small_model()
        optimizer = model.optimizer
    mse = tf.keras.losses.MeanSquaredError(reduction="none")
    global_batch = batch * workers

    @tf.function
    def train_step(iterator):
        def step(features, labels):
            with tf.GradientTape() as tape:
                per_sample = mse(labels, model(features, training=True))
                loss = tf.nn.compute_average_loss(per_sample, global_batch_size=global_batch)
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
            return loss

        per_replica = strategy.run(step, args=next(iterator))
        return strategy.reduce(tf.distribute.ReduceOp.SUM, per_replica, axis=None)

    train_iterator = iter(dali_tf.distributed_dataset(strategy, pipeline_fn, *output_spec(batch)))
    losses = [float(train_step(train_iterator)) for _ in range(fit_steps)]
    result = dict(
        task=json.loads(os.environ["TF_CONFIG"])["task"]["index"],
        replicas=workers,
        calls=calls,
        ids=ids,
        devices=sorted(devices),
        loss=losses,
        weights=[np.asarray(w, np.float64).ravel().tolist() for w in model.get_weights()],
    )
    print(RESULT_PREFIX + json.dumps(result), flush=True)
    # No worker leaves while another may still pull its part of the last all-reduce.
    dali_tf.worker_barrier()
    # Exit with the iterators alive, without tearing them down: MultiWorkerMirroredStrategy
    # iterates through tf.data MultiDeviceIterators, and on TF 2.21 destroying one while its
    # background thread is inside a GetNext can crash (a use after free in TensorFlow, seen with
    # plain tf.data datasets too).
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv[1], *(int(a) for a in sys.argv[2:]))
