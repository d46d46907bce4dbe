"""The GPU tests' skip decision (tests/common/test_utils.py), on any machine: no NVIDIA GPU means
skip; an NVIDIA GPU that TensorFlow did not register means a loud failure that says what to
install, never a silent skip. The evidence of a GPU is faked here; TensorFlow's own view is the
real one, so the cases that need TensorFlow to see no GPU skip on a machine where it sees one."""

import pytest
import tensorflow as tf

from tests.common import test_utils

needs_tf_without_gpu = pytest.mark.skipif(
    bool(tf.config.list_physical_devices("GPU")), reason="TensorFlow sees a GPU here"
)


@pytest.fixture
def evidence(monkeypatch):
    """Sets what nvidia_gpu_evidence() finds; the skip decision is worked out afresh."""
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    monkeypatch.delenv(test_utils.SKIP_UNUSABLE_GPU_ENV, raising=False)
    found = []
    monkeypatch.setattr(test_utils, "nvidia_gpu_evidence", lambda: list(found))
    test_utils._gpu_state.cache_clear()
    yield found
    test_utils._gpu_state.cache_clear()


@needs_tf_without_gpu
def test_no_nvidia_gpu_skips(evidence):
    assert test_utils.gpu_available() is False
    mark = test_utils.skip_without_gpu()
    assert mark.args == (True,) and "no GPU" in mark.kwargs["reason"]


@needs_tf_without_gpu
def test_an_unusable_nvidia_gpu_fails_saying_what_to_install(evidence):
    evidence.append("/dev/nvidia0 exists")
    with pytest.raises(test_utils.UnusableGpuError) as error:
        test_utils.gpu_available()
    message = str(error.value)
    for words in (
        "/dev/nvidia0 exists",
        "TensorFlow %s registered none" % tf.__version__,
        "DALI_TF_GPU=1 ./configure",
        "tools/gpu",
        test_utils.SKIP_UNUSABLE_GPU_ENV,
        "TensorFlow's log:",
    ):
        assert words in message, (words, message)
    # As a module's pytestmark or a test's decorator: the collection fails, with that message.
    with pytest.raises(pytest.fail.Exception, match="registered none"):
        test_utils.skip_without_gpu()


@needs_tf_without_gpu
@pytest.mark.parametrize(
    "variable, value",
    [
        ("CUDA_VISIBLE_DEVICES", ""),
        ("CUDA_VISIBLE_DEVICES", "-1"),
        ("DALI_TF_SKIP_UNUSABLE_GPU", "1"),
    ],
)
def test_gpus_hidden_on_purpose_skip(evidence, monkeypatch, variable, value):
    evidence.append("/dev/nvidia0 exists")
    monkeypatch.setenv(variable, value)
    assert test_utils.gpu_available() is False


def test_evidence_is_a_list_of_findings():
    found = test_utils.nvidia_gpu_evidence()
    assert isinstance(found, list) and all(isinstance(f, str) for f in found)
    if tf.config.list_physical_devices("GPU"):
        assert found, "TensorFlow sees a GPU that nvidia_gpu_evidence() does not find"


if __name__ == "__main__":
    from tests.common.pytest_main import main

    main(__file__)
