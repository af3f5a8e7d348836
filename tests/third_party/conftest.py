"""Third-party test files run only through their runners (tests/test_tf_keras_losses_suite.py),
never collected directly: they import the peer's own modules, which the runner swaps."""

collect_ignore_glob = ["*/*_test.py"]
