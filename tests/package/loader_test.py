"""The package finds, checks and loads its library."""

import ctypes
import os

import pytest

import dali_tf
from dali_tf import _loader


def test_library_is_found_and_loads():
    path = _loader.library_path()
    assert os.path.basename(path) == "libdali_tf.so"
    assert _loader.ops() is _loader.ops()  # loaded once


def test_library_reports_the_versions_it_was_built_against():
    import nvidia.dali
    import tensorflow as tf

    lib = ctypes.CDLL(_loader.library_path())
    lib.dali_tf_built_with_tf_version.restype = ctypes.c_char_p
    lib.dali_tf_built_with_dali_version.restype = ctypes.c_char_p
    assert lib.dali_tf_built_with_tf_version().decode() == tf.__version__
    assert lib.dali_tf_built_with_dali_version().decode() == nvidia.dali.__version__


def test_version_mismatch_is_refused_with_a_clear_message():
    with pytest.raises(ImportError, match=r"built against TensorFlow .* but TensorFlow 0\.0\.0"):
        _loader._check_built_versions(_loader.library_path(), "0.0.0", "2.4.0")


def test_dali_mismatch_names_both_pairs_and_this_interpreter():
    import sys

    import nvidia.dali
    import tensorflow as tf

    with pytest.raises(ImportError) as raised:
        _loader._check_built_versions(_loader.library_path(), tf.__version__, "0.0.0")
    message = str(raised.value)
    built = "built against TensorFlow %s and DALI %s" % (tf.__version__, nvidia.dali.__version__)
    assert built in message
    assert "but TensorFlow %s and DALI 0.0.0 are imported" % tf.__version__ in message
    assert "PYTHON_BIN_PATH=%s ./configure" % sys.executable in message


def test_missing_library_names_where_it_looked(monkeypatch):
    monkeypatch.setenv("DALI_TF_LIBRARY", "/nonexistent/libdali_tf.so")
    with pytest.raises(
        ImportError, match="/nonexistent/libdali_tf.so.*bazel build //dali_tf:plugin"
    ):
        _loader.library_path()


def test_serialize_pipeline_rejects_non_pipelines():
    with pytest.raises(TypeError, match="must be an nvidia.dali Pipeline"):
        dali_tf.serialize_pipeline("not a pipeline")


if __name__ == "__main__":
    from tests.common.pytest_main import main

    main(__file__)
