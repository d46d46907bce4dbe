"""The supported range (third_party/versions.bzl), what a build takes from the interpreter
(third_party/python_env.py: the TensorFlow and DALI wheels, the CUDA headers), and ./configure's
refusals, which come before anything is installed."""

import os
import subprocess
import sys

import nvidia.dali
import pytest
import tensorflow as tf

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "third_party"))
import python_env  # noqa: E402  (third_party/python_env.py)

VERSIONS = {}
with open(os.path.join(ROOT, "third_party", "versions.bzl")) as f:
    exec(f.read(), VERSIONS)  # Starlark and Python both, as ./configure reads it
unsupported = VERSIONS["unsupported"]


def test_the_installed_wheels_are_those_imported():
    found = python_env.packages()
    assert found["tensorflow"]["version"] == tf.__version__
    assert found["dali"]["version"] == nvidia.dali.__version__
    assert found["dali"]["name"] in VERSIONS["DALI_PACKAGES"]
    assert found["dali"]["dir"] == os.path.dirname(nvidia.dali.__file__)
    assert python_env.fingerprint(found) == "%s==%s,%s==%s" % (
        found["tensorflow"]["name"],
        tf.__version__,
        found["dali"]["name"],
        nvidia.dali.__version__,
    )


def test_the_installed_pair_is_in_the_range():
    found = python_env.packages()
    assert unsupported(tf.__version__, found["dali"]["name"], nvidia.dali.__version__) == ""


@pytest.mark.parametrize(
    "tf_version, package, dali_version",
    [
        ("2.16.0", "nvidia-dali-cuda120", "2.0.0"),
        ("2.21.9", "nvidia-dali-cuda130", "2.4.9"),
        ("2.17.0rc1", "nvidia-dali-cuda120", "2.2.0"),
    ],
)
def test_the_ends_of_the_range_are_supported(tf_version, package, dali_version):
    assert unsupported(tf_version, package, dali_version) == ""


@pytest.mark.parametrize(
    "tf_version, package, dali_version, why",
    [
        ("2.15.1", "nvidia-dali-cuda120", "2.4.0", "TensorFlow 2.15.1 is outside 2.16-2.21"),
        ("2.22.0", "nvidia-dali-cuda120", "2.4.0", "TensorFlow 2.22.0 is outside 2.16-2.21"),
        ("2.21.0", "nvidia-dali-cuda120", "1.53.0", "DALI 1.53.0 is outside 2.0-2.4"),
        ("2.21.0", "nvidia-dali-cuda120", "2.5.0", "DALI 2.5.0 is outside 2.0-2.4"),
        ("2.21.0", "nvidia-dali-cuda110", "2.4.0", "nvidia-dali-cuda110 is not one of DALI's"),
        ("nightly", "nvidia-dali-cuda120", "2.4.0", "TensorFlow nightly is outside"),
    ],
)
def test_a_pair_outside_the_range_is_named(tf_version, package, dali_version, why):
    reason = unsupported(tf_version, package, dali_version)
    assert why in reason
    assert "DALI_TF_ALLOW_UNSUPPORTED=1" in reason


def test_cuda_headers_are_tensorflows_own_by_default(monkeypatch):
    monkeypatch.delenv("CUDA_HOME", raising=False)
    headers = python_env.cuda_headers()
    tf_dir = os.path.dirname(tf.__file__)
    assert headers["include"] == os.path.join(
        tf_dir, "include", "third_party", "gpus", "cuda", "include"
    )
    assert headers["source"] == "TensorFlow's wheel"
    major, minor = headers["version"].split(".")
    assert int(major) >= 12 and int(minor) >= 0


def test_cuda_home_is_used_when_set(monkeypatch, tmp_path):
    os.makedirs(tmp_path / "include" / "crt")
    (tmp_path / "include" / "crt" / "host_defines.h").write_text("")
    (tmp_path / "include" / "cuda_runtime_api.h").write_text("#define CUDART_VERSION 13010\n")
    monkeypatch.setenv("CUDA_HOME", str(tmp_path))
    headers = python_env.cuda_headers()
    assert headers == {
        "include": str(tmp_path / "include"),
        "source": "CUDA_HOME",
        "version": "13.1",
    }


def test_an_incomplete_cuda_home_is_an_error_not_a_fallback(monkeypatch, tmp_path):
    monkeypatch.setenv("CUDA_HOME", str(tmp_path))
    with pytest.raises(python_env.Problem, match="CUDA_HOME=%s has no include" % tmp_path):
        python_env.cuda_headers()


def configure(tmp_path, **env):
    environment = {k: v for k, v in os.environ.items() if k not in ("PYTHON_BIN_PATH",)}
    environment.update(env, DALI_TF_VENV=str(tmp_path / "venv"))
    return subprocess.run(
        [os.path.join(ROOT, "configure")],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_configure_refuses_a_pair_outside_the_range_before_installing(tmp_path):
    done = configure(tmp_path, TF_VERSION="2.15.1", DALI_VERSION="2.4.0", PYTHON=sys.executable)
    assert done.returncode == 1
    assert "TensorFlow 2.15.1 is outside 2.16-2.21" in done.stderr
    assert not os.path.exists(tmp_path / "venv")


def test_configure_uses_an_interpreter_as_it_is_or_installs_not_both(tmp_path):
    done = configure(tmp_path, PYTHON_BIN_PATH=sys.executable, TF_VERSION="2.19.1")
    assert done.returncode == 1
    assert "TF_VERSION installs packages, but PYTHON_BIN_PATH is used as it is" in done.stderr


if __name__ == "__main__":
    from tests.common.pytest_main import main

    main(__file__)
