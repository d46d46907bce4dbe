"""NVIDIA's own TensorFlow examples for DALI, as their code calls the plugin, run on the CPU with
``import dali_tf`` in place of ``import nvidia.dali.plugin.tf as dali_tf``.

The calls are kept as the examples write them (NVIDIA/DALI docs/examples/frameworks/tensorflow/
and docs/examples/use_cases/tensorflow/): positional and keyword forms, ``shapes=[..., ()]``,
``(BATCH_SIZE)`` (an int) as a shape, pipelines without ``num_threads``, ``sparse`` shorter than
the outputs, a ``Pipeline`` built with ``set_outputs``. What changes: the data (small sets written
here, in the readers' formats) and ``device_id=None`` where the examples run on GPU 0. Every
result is compared with DALI's own ``pipeline.run()`` of the same pipeline.
"""

import numpy as np
import pytest
import tensorflow as tf
from nvidia.dali import Pipeline, fn, pipeline_def, types
from nvidia.dali import tfrecord as tfrec

import dali_tf
from tests.common import reader_data, test_utils
from tests.common.dali_reference import dali_sample_batches

BATCH_SIZE = 4
IMAGE_SIZE = 28
NUM_CLASSES = 2


# --- tensorflow-dataset.ipynb: a pipeline without num_threads, (BATCH_SIZE) as a shape ----------


jpeg_dir = test_utils.jpeg_dir_fixture(12)


def mnist_like_pipeline_def(data_path):
    # As the notebook: no num_threads (DALI leaves it None); batch_size from the decorator.
    @pipeline_def(device_id=None, batch_size=BATCH_SIZE)
    def mnist_pipeline(device):
        jpegs, labels = fn.readers.file(file_root=data_path, random_shuffle=False)
        images = fn.decoders.image(
            jpegs, device="mixed" if device == "gpu" else "cpu", output_type=types.GRAY
        )
        images = fn.resize(images, size=(IMAGE_SIZE, IMAGE_SIZE))
        images = fn.crop_mirror_normalize(
            images, device=device, dtype=types.FLOAT, std=[255.0], output_layout="CHW"
        )
        if device == "gpu":
            labels = labels.gpu()
        return images, labels

    return mnist_pipeline


def test_tensorflow_dataset_notebook_keras_and_tf1_session(jpeg_dir):
    mnist_pipeline = mnist_like_pipeline_def(jpeg_dir)
    pipeline = mnist_pipeline(device="cpu")
    assert pipeline.num_threads is None  # what the notebook's pipeline leaves unset

    shapes = ((BATCH_SIZE, IMAGE_SIZE, IMAGE_SIZE), (BATCH_SIZE))
    dtypes = (tf.float32, tf.int32)
    with tf.device("/cpu:0"):
        mnist_set = dali_tf.DALIDataset(
            pipeline=pipeline,
            batch_size=BATCH_SIZE,
            output_shapes=shapes,
            output_dtypes=dtypes,
            device_id=None,
        )

    # The values: DALI's own run of the same pipeline ([B, 1, 28, 28] and [B, 1]).
    expected = dali_sample_batches(mnist_pipeline(device="cpu", num_threads=4), 4)
    for (images, labels), (want_images, want_labels) in zip(mnist_set.take(4), expected):
        assert images.shape == (BATCH_SIZE, IMAGE_SIZE, IMAGE_SIZE) and labels.shape == (4,)
        np.testing.assert_array_equal(images.numpy(), np.stack(want_images)[:, 0])
        np.testing.assert_array_equal(labels.numpy(), np.stack(want_labels)[:, 0])

    tf.keras.utils.set_random_seed(0)
    model = tf.keras.models.Sequential(
        [
            tf.keras.layers.Input(shape=(IMAGE_SIZE, IMAGE_SIZE), name="images"),
            tf.keras.layers.Flatten(),
            tf.keras.layers.Dense(16, activation="relu"),
            tf.keras.layers.Dense(NUM_CLASSES, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(mnist_set, epochs=2, steps_per_epoch=3, verbose=0)
    assert len(history.history["loss"]) == 2
    assert all(np.isfinite(history.history["loss"]))

    # The notebook's TF1 part: an initializable iterator in a graph, run in a Session.
    with tf.Graph().as_default():
        with tf.device("/cpu:0"):
            graph_set = dali_tf.DALIDataset(
                pipeline=mnist_pipeline(device="cpu"),
                batch_size=BATCH_SIZE,
                output_shapes=shapes,
                output_dtypes=dtypes,
                device_id=None,
            )
            iterator = tf.compat.v1.data.make_initializable_iterator(graph_set)
            images, labels = iterator.get_next()
        with tf.compat.v1.Session() as sess:
            sess.run(iterator.initializer)
            for want_images, want_labels in expected:
                got_images, got_labels = sess.run((images, labels))
                np.testing.assert_array_equal(got_images, np.stack(want_images)[:, 0])
                np.testing.assert_array_equal(got_labels, np.stack(want_labels)[:, 0])


# --- tensorflow-plugin-tutorial.ipynb: DALIIterator, shapes=[(B, 3, 224, 224), ()] -------------


def random_crop_as_int32(images, shorter, crop):
    """The plugin-tutorial and sparse-tensor notebooks' augmentation: a random resize of the
    shorter side, a random crop, mean 128, CHW, cast to int32."""
    images = fn.resize(
        images,
        resize_shorter=fn.random.uniform(range=shorter),
        interp_type=types.INTERP_LINEAR,
    )
    images = fn.crop_mirror_normalize(
        images,
        crop_pos_x=fn.random.uniform(range=(0.0, 1.0)),
        crop_pos_y=fn.random.uniform(range=(0.0, 1.0)),
        dtype=types.FLOAT,
        crop=crop,
        mean=[128.0, 128.0, 128.0],
        std=[1.0, 1.0, 1.0],
    )
    return fn.cast(images, dtype=types.INT32)


def rn50_pipeline_def(rec_files, idx_files):
    @pipeline_def(batch_size=BATCH_SIZE, num_threads=4, seed=12)
    def rn50_pipeline(device):
        jpegs, labels = fn.readers.mxnet(path=rec_files, index_path=idx_files, name="Reader")
        images = fn.decoders.image(jpegs, device="mixed" if device == "gpu" else "cpu")
        images = random_crop_as_int32(images, shorter=(256.0, 480.0), crop=(224, 224))
        if device == "gpu":
            labels = labels.gpu()
        return images, labels

    return rn50_pipeline


def test_plugin_tutorial_notebook_daliop_with_unknown_label_shape(tmp_path):
    rec, idx = reader_data.make_recordio(str(tmp_path), count=8)
    rn50_pipeline = rn50_pipeline_def([rec], [idx])
    cpu_pipe = rn50_pipeline(device="cpu", device_id=None)

    daliop = dali_tf.DALIIterator()
    images_cpu, labels_cpu = [], []
    with tf.Graph().as_default():
        with tf.device("/cpu"):
            image_cpu, label_cpu = daliop(
                pipeline=cpu_pipe,
                shapes=[(BATCH_SIZE, 3, 224, 224), ()],
                dtypes=[tf.int32, tf.float32],
            )
            images_cpu.append(image_cpu)
            labels_cpu.append(label_cpu)
        assert label_cpu.shape.rank is None  # () declares nothing, as in NVIDIA's plugin
        with tf.compat.v1.Session() as sess:
            got = [sess.run([images_cpu, labels_cpu]) for _ in range(3)]

    expected = dali_sample_batches(rn50_pipeline(device="cpu", device_id=None), 3)
    for (images, labels), (want_images, want_labels) in zip(got, expected):
        assert images[0].shape == (BATCH_SIZE, 3, 224, 224)
        np.testing.assert_array_equal(images[0], np.stack(want_images))
        # The MXNet reader's labels are float [B, 1], as DALI gives them.
        np.testing.assert_array_equal(labels[0], np.stack(want_labels))
        assert labels[0].dtype == np.float32 and labels[0].shape == (BATCH_SIZE, 1)


# --- tensorflow-plugin-sparse-tensor.ipynb: bare @pipeline_def, sparse shorter than outputs ------


@pipeline_def
def coco_pipeline(file_root, annotations_file):
    jpegs, bboxes, labels, im_ids = fn.readers.coco(
        file_root=file_root,
        annotations_file=annotations_file,
        ratio=False,
        image_ids=True,
    )
    images = fn.decoders.image(jpegs, device="cpu")
    images = random_crop_as_int32(images, shorter=(56.0, 64.0), crop=(32, 32))
    return images, bboxes, labels, im_ids


def test_sparse_tensor_notebook(tmp_path):
    file_root, annotations_file = reader_data.make_coco(str(tmp_path), count=6)

    def make():
        return coco_pipeline(
            file_root,
            annotations_file,
            batch_size=BATCH_SIZE,
            num_threads=2,
            device_id=None,
            seed=5,
        )

    daliop = dali_tf.DALIIterator()
    images, bboxes, labels, image_ids = [], [], [], []
    with tf.Graph().as_default():
        with tf.device("/cpu"):
            image, bbox, label, id = daliop(  # noqa: A001  (the notebook's names)
                pipeline=make(),
                shapes=[(BATCH_SIZE, 3, 32, 32), (), (), ()],
                dtypes=[tf.int32, tf.float32, tf.int32, tf.int32],
                sparse=[False, True, True],
            )
            images.append(image)
            bboxes.append(bbox)
            labels.append(label)
            image_ids.append(id)
        assert isinstance(bbox, tf.SparseTensor) and isinstance(label, tf.SparseTensor)
        assert isinstance(id, tf.Tensor)  # past the end of `sparse`: dense
        with tf.compat.v1.Session() as sess:
            got = [sess.run([images, bboxes, labels, image_ids]) for _ in range(2)]

    for (g_images, g_bboxes, g_labels, g_ids), (w_images, w_bboxes, w_labels, w_ids) in zip(
        got, dali_sample_batches(make(), 2)
    ):
        np.testing.assert_array_equal(g_images[0], np.stack(w_images))
        np.testing.assert_array_equal(g_ids[0], np.stack(w_ids))
        for sparse, samples in ((g_bboxes[0], w_bboxes), (g_labels[0], w_labels)):
            dense = tf.sparse.to_dense(
                tf.SparseTensor(sparse.indices, sparse.values, sparse.dense_shape)
            ).numpy()
            assert dense.shape[0] == BATCH_SIZE
            for k, sample in enumerate(samples):
                np.testing.assert_array_equal(
                    dense[k][tuple(slice(n) for n in sample.shape)], sample
                )
            assert sparse.values.size == sum(s.size for s in samples)


# --- tensorflow-various-readers.ipynb: a declared dtype that is not the output's ----------------


@pipeline_def
def file_reader_pipeline(image_dir, num_gpus):
    jpegs, labels = fn.readers.file(
        file_root=image_dir, random_shuffle=True, shard_id=0, num_shards=num_gpus, name="Reader"
    )
    images = fn.decoders.image(jpegs, device="cpu")
    images = fn.resize(images, resize_shorter=fn.random.uniform(range=(64, 80)))
    images = fn.crop_mirror_normalize(
        images, dtype=types.FLOAT, crop=(56, 56), mean=[128.0] * 3, std=[1.0] * 3
    )
    return images, labels


def test_various_readers_notebook_declares_int32_for_float_images(jpeg_dir):
    # The notebook declares tf.int32 for float images; NVIDIA's plugin reinterprets the bytes
    # (1.0 arrives as 1065353216). dali_tf refuses, saying how to get either type.
    pipe = file_reader_pipeline(jpeg_dir, 1, batch_size=BATCH_SIZE, num_threads=2, device_id=None)
    daliop = dali_tf.DALIIterator()
    with tf.Graph().as_default():
        with tf.device("/cpu:0"):
            image, label = daliop(
                pipeline=pipe, shapes=[(BATCH_SIZE, 3, 56, 56), ()], dtypes=[tf.int32, tf.int32]
            )
        with tf.compat.v1.Session() as sess:
            with pytest.raises(
                tf.errors.InvalidArgumentError,
                match=r"Output 0 of the DALI pipeline has type float32 but int32 was declared for "
                r"it in dtypes/output_dtypes\. Declare tf\.float32 for it, or convert it in the "
                r"pipeline: fn\.cast\(output, dtype=types\.INT32\)",
            ):
                sess.run([image, label])


# --- resnet-n (nvutils/image_processing.py): TFRecord, int64 labels, DALIDataset and DALIIterator


@pipeline_def
def get_dali_pipeline(tfrec_filenames, tfrec_idx_filenames, height, width, shard_id, num_gpus):
    inputs = fn.readers.tfrecord(
        path=tfrec_filenames,
        index_path=tfrec_idx_filenames,
        random_shuffle=False,
        shard_id=shard_id,
        num_shards=num_gpus,
        initial_fill=10000,
        features={
            "image/encoded": tfrec.FixedLenFeature((), tfrec.string, ""),
            "image/class/label": tfrec.FixedLenFeature([1], tfrec.int64, -1),
            "image/class/text": tfrec.FixedLenFeature([], tfrec.string, ""),
            "image/object/bbox/xmin": tfrec.VarLenFeature(tfrec.float32, 0.0),
            "image/object/bbox/ymin": tfrec.VarLenFeature(tfrec.float32, 0.0),
            "image/object/bbox/xmax": tfrec.VarLenFeature(tfrec.float32, 0.0),
            "image/object/bbox/ymax": tfrec.VarLenFeature(tfrec.float32, 0.0),
        },
    )
    images = fn.decoders.image(inputs["image/encoded"], device="cpu", output_type=types.RGB)
    images = fn.resize(images, resize_shorter=40)
    images = fn.crop_mirror_normalize(
        images,
        dtype=types.FLOAT,
        crop=(height, width),
        mean=[123.68, 116.78, 103.94],
        std=[58.4, 57.12, 57.3],
        output_layout="HWC",
    )
    labels = inputs["image/class/label"]
    labels -= 1  # Change to 0-based (don't use background class)
    return images, labels


def test_resnet_n_dali_preprocessor(tmp_path):
    path, index = reader_data.make_tfrecord(str(tmp_path), count=8)
    batch_size, height, width = BATCH_SIZE, 32, 32

    def make():
        return get_dali_pipeline(
            tfrec_filenames=[path],
            tfrec_idx_filenames=[index],
            height=height,
            width=width,
            batch_size=batch_size,
            num_threads=2,
            device_id=None,
            shard_id=0,
            num_gpus=1,
            seed=7,
        )

    expected = dali_sample_batches(make(), 3)
    # DALIPreprocessor.dalidataset: (batch_size) is an int, labels [B, 1] declared [B].
    dalidataset = dali_tf.DALIDataset(
        pipeline=make(),
        output_shapes=((batch_size, height, width, 3), (batch_size)),
        batch_size=batch_size,
        output_dtypes=(tf.float32, tf.int64),
        device_id=None,
    )
    for (images, labels), (want_images, want_labels) in zip(dalidataset.take(3), expected):
        np.testing.assert_array_equal(images.numpy(), np.stack(want_images))
        np.testing.assert_array_equal(labels.numpy(), np.stack(want_labels).reshape(batch_size))
        assert set(labels.numpy()) <= {0, 1, 2, 3, 4}

    # DALIPreprocessor.get_device_minibatches (on the CPU here): DALIIterator, labels shape ().
    daliop = dali_tf.DALIIterator()
    with tf.Graph().as_default():
        with tf.device("/cpu:0"):
            images, labels = daliop(
                pipeline=make(),
                shapes=[(batch_size, height, width, 3), ()],
                dtypes=[tf.float32, tf.int64],
            )
        with tf.compat.v1.Session() as sess:
            for want_images, want_labels in expected:
                got_images, got_labels = sess.run([images, labels])
                np.testing.assert_array_equal(got_images, np.stack(want_images))
                np.testing.assert_array_equal(got_labels, np.stack(want_labels))


# --- yolov4 (src/dali/pipeline.py): a Pipeline built with set_outputs, None in output_shapes -----


class YOLOv4LikePipeline:
    """The example's structure: Pipeline(...) then `with pipe:` ... `set_outputs`, padded labels
    whose count per image varies, declared (batch, None, 5)."""

    def __init__(self, file_root, annotations_file, batch_size, image_size, num_threads, seed):
        self._batch_size = batch_size
        self._image_size = image_size
        self._pipe = Pipeline(
            batch_size=batch_size, num_threads=num_threads, device_id=None, seed=seed
        )
        with self._pipe:
            images, bboxes, classes = fn.readers.coco(
                file_root=file_root,
                annotations_file=annotations_file,
                ltrb=True,
                ratio=True,
                random_shuffle=False,
                name="Reader",
            )
            images = fn.decoders.image(images, device="cpu")
            images = fn.resize(images, resize_x=image_size[0], resize_y=image_size[1])
            images = images * (1.0 / 255.0)
            classes = fn.expand_dims(fn.cast(classes, dtype=types.FLOAT), axes=1) - 1.0
            labels = fn.cat(bboxes, classes, axis=1)
            labels = fn.pad(labels, fill_value=-1)
            self._pipe.set_outputs(images, labels)

    def dataset(self):
        output_shapes = (
            (self._batch_size, self._image_size[0], self._image_size[0], 3),
            (self._batch_size, None, 5),
        )
        output_dtypes = (tf.float32, tf.float32)
        return dali_tf.DALIDataset(
            pipeline=self._pipe,
            batch_size=self._batch_size,
            output_shapes=output_shapes,
            output_dtypes=output_dtypes,
            device_id=None,
        )


def test_yolov4_pipeline_object_with_set_outputs(tmp_path):
    file_root, annotations_file = reader_data.make_coco(str(tmp_path), count=6)
    args = (file_root, annotations_file, BATCH_SIZE, (24, 24), 2, 3)
    dataset = YOLOv4LikePipeline(*args).dataset()
    expected = dali_sample_batches(YOLOv4LikePipeline(*args)._pipe, 3)
    for (images, labels), (want_images, want_labels) in zip(dataset.take(3), expected):
        np.testing.assert_array_equal(images.numpy(), np.stack(want_images))
        # fn.pad makes the batch uniform: as many rows as the image with the most boxes.
        np.testing.assert_array_equal(labels.numpy(), np.stack(want_labels))
        assert labels.shape[2] == 5 and labels.shape[1] == max(w.shape[0] for w in want_labels)


if __name__ == "__main__":
    from tests.common.pytest_main import main

    main(__file__)
