"""The README's Python examples run as written (on a small JPEG folder instead of /data)."""

import os
import re

import pytest

from tests.common.test_utils import jpeg_dir_fixture

jpeg_root = jpeg_dir_fixture(4)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
README = os.path.join(ROOT, "README.md")
PRELUDE = (
    "import tensorflow as tf\nimport dali_tf\nfrom nvidia.dali import pipeline_def, fn, types\n"
)


def examples():
    with open(README) as f:
        return re.findall(r"```python\n(.*?)```", f.read(), re.S)


@pytest.fixture(scope="module")
def service():
    """A tf.data service in this process for the README's "grpc://dispatcher-host:5050"."""
    import dali_tf.service

    dispatcher = dali_tf.service.dispatch_server()
    worker = dali_tf.service.worker_server(dispatcher.target)
    yield dispatcher.target
    worker.stop()
    dispatcher.stop()


def run_examples(jpeg_root, service):
    namespace = {}
    exec(PRELUDE, namespace)  # the imports the README states in prose
    for code in examples():
        code = code.replace("/data/train", jpeg_root)
        code = code.replace("/data/*.jpg", os.path.join(jpeg_root, "*", "*.jpg"))
        code = code.replace("grpc://dispatcher-host:5050", service)
        exec(compile(code, README, "exec"), namespace)
    return namespace


def test_the_readme_has_an_example_per_api():
    text = "".join(examples())
    for api in (
        "dali_tf.DALIDataset(",
        "dali_tf.experimental.DALIDatasetWithInputs(",
        "dali_tf.dali(",
    ):
        assert api in text


def test_the_readme_examples_run(jpeg_root, service):
    namespace = run_examples(jpeg_root, service)
    # The last batches each example produced.
    assert namespace["image_batch"].shape == (32, 224, 224, 3)
    assert namespace["label_batch"].shape == (32, 1)
    shapes = [tuple(images.shape) for (images,) in namespace["dataset"]]
    assert shapes == [(2, 300, 500, 3)] * 2  # 4 JPEGs, batch 2, then the input ends
    # The tf.data service example: 4 parts of one JPEG each, so batches of one.
    assert namespace["pixels"].shape == (1, 224, 224, 3)


if __name__ == "__main__":
    from tests.common.pytest_main import main

    main(__file__)
