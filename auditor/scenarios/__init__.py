"""The feature files in ``features/`` as data (``parse``), their steps as library functions
(``steps``, the one registry pytest-bdd and the runner both use), and a runner that runs them
under a draft policy (``run``)."""
