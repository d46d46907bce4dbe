"""Helpers shared by the repository rules: which Python environment to read the packages from,
and what it holds (python_env.py, run with that interpreter)."""

load(":versions.bzl", "unsupported")

# ./configure writes PYTHON_BIN_PATH (the interpreter) and DALI_TF_PACKAGES (the TensorFlow and
# DALI versions it holds, python_env.py's fingerprint) into the generated bazelrc. A rule that
# lists them is fetched again when either changes, also in a Bazel server that is still running:
# a venv whose TensorFlow or DALI was replaced keeps its interpreter path.
PYTHON_ENV_VARS = ["PYTHON_BIN_PATH", "DALI_TF_PACKAGES", "DALI_TF_ALLOW_UNSUPPORTED"]

def python_bin(repository_ctx):
    """The interpreter whose TensorFlow and DALI this build compiles against."""
    path = repository_ctx.os.environ.get("PYTHON_BIN_PATH", "")
    if not path:
        fail("PYTHON_BIN_PATH is not set: run ./configure first (it writes .dali_tf_configure.bazelrc).")
    if not repository_ctx.path(path).exists:
        fail("PYTHON_BIN_PATH=%s does not exist: run ./configure again." % path)
    return path

def run_python(repository_ctx, code, what):
    """Runs `code` with the configured interpreter and returns its stripped stdout."""
    result = repository_ctx.execute([python_bin(repository_ctx), "-c", code], quiet = True)
    if result.return_code != 0:
        fail("Could not read %s from %s:\n%s" % (what, python_bin(repository_ctx), result.stderr))
    return result.stdout.strip()

def run_python_env(repository_ctx, command, environment = {}):
    """Runs `python_env.py <command>` with the configured interpreter; its output, or a failure
    with its one-line message."""
    script = repository_ctx.path(Label("//third_party:python_env.py"))
    result = repository_ctx.execute(
        [python_bin(repository_ctx), script, command],
        environment = environment,
        quiet = True,
    )
    if result.return_code != 0:
        fail("%s (python_env.py %s)" % (result.stderr.strip(), command))
    return result.stdout.strip()

def python_packages(repository_ctx):
    """The interpreter's TensorFlow and DALI (python_env.py packages), refused outside the
    supported range (versions.bzl) unless DALI_TF_ALLOW_UNSUPPORTED=1."""
    found = json.decode(run_python_env(repository_ctx, "packages"))
    reason = unsupported(found["tensorflow"]["version"], found["dali"]["name"], found["dali"]["version"])
    if reason:
        if repository_ctx.os.environ.get("DALI_TF_ALLOW_UNSUPPORTED", "") not in ("1", "true"):
            fail("%s has TensorFlow %s and %s %s. %s" % (
                python_bin(repository_ctx),
                found["tensorflow"]["version"],
                found["dali"]["name"],
                found["dali"]["version"],
                reason,
            ))
        print("dali_tf: building anyway (DALI_TF_ALLOW_UNSUPPORTED): " + reason)
    return found
