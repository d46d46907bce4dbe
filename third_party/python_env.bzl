"""Helpers shared by the repository rules: which Python environment to read the packages from."""

# ./configure writes PYTHON_BIN_PATH (the project's .venv interpreter) into the generated bazelrc.
PYTHON_ENV_VARS = ["PYTHON_BIN_PATH"]

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

def site_package_dir(repository_ctx, module, what):
    """The directory of an installed package, found without importing it."""
    code = "import importlib.util, os; s = importlib.util.find_spec(%r); " % module + \
           "print(os.path.dirname(s.origin) if s and s.origin else (list(s.submodule_search_locations)[0] if s else ''))"
    found = run_python(repository_ctx, code, what)
    if not found:
        fail("%s is not installed in %s: run ./configure." % (what, python_bin(repository_ctx)))
    return found

def symlink_children(repository_ctx, src_dir, dest_prefix):
    """Links every entry of src_dir into the repository under dest_prefix."""
    for child in repository_ctx.path(src_dir).readdir():
        repository_ctx.symlink(child, dest_prefix + "/" + child.basename)
