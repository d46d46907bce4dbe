"""The tutorial (bazel run //examples:tutorial) runs every CPU section and writes its sheets."""

import os

import numpy as np
import tensorflow as tf
from absl import flags

from examples import tutorial


def test_tutorial_runs_and_writes_contact_sheets(tmp_path):
    flags.FLAGS([__file__, "--output_dir=%s" % tmp_path, "--iterations=2", "--num_images=4"])
    tutorial.main([])
    for name in ("inputs_cpu.png", "two_inputs_cpu.png", "source_cpu.png"):
        sheet = tf.io.decode_png(tf.io.read_file(os.path.join(tmp_path, name))).numpy()
        # 2 iterations x batch 2 = 4 images of 300x500 in a 2x2 grid with 8-pixel gutters.
        assert sheet.shape == (2 * 308 + 8, 2 * 508 + 8, 3)
        tile = sheet[8:308, 8:508]
        assert tile.std() > 10  # a decoded picture, not an empty tile


def test_source_pipeline_adds_the_generated_red(tmp_path):
    # Same images through the plain pipeline and the source= one: red is raised by 64, 65, ...
    path = os.path.join(tmp_path, "images.tfrecord")
    tutorial.write_tfrecord(path, 2)
    images = tf.data.TFRecordDataset([path]).map(tutorial.decode_fn)

    def first_batch(pipeline_fn):
        with tf.device("/cpu:0"):
            dataset = tutorial.dali_tf.experimental.DALIDatasetWithInputs(
                pipeline=tutorial.for_device(pipeline_fn, "cpu"),
                input_datasets={"input_from_tf_record": images},
                output_dtypes=tf.uint8, output_shapes=(2, 300, 500, 3))
        return next(iter(dataset)).numpy().astype(np.int32)

    plain = first_batch(tutorial.pipeline_with_inputs)
    reddened = first_batch(tutorial.pipeline_with_source)
    for sample, added in enumerate((64, 65)):
        np.testing.assert_array_equal(reddened[sample, ..., 0],
                                      np.minimum(plain[sample, ..., 0] + added, 255))
        np.testing.assert_array_equal(reddened[sample, ..., 1:], plain[sample, ..., 1:])


if __name__ == "__main__":
    from tests.pytest_main import main
    main(__file__)
