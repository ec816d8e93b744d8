"""FROZEN COPIES, do not edit: the label view and the built-in checks as they were before issue 13 (lazy
indexing of the jobs the rules read, no per-annotation objects on the hot path).
``tests/test_label_view_differential.py`` requires the same reports from these and the current runtime."""
