"""register-auditor: inspects a school's admission and attendance registers against the pupil
registration regulations and local policy."""

# The one place the version is written: pyproject.toml reads it from here (hatch).
__version__ = "0.1.0"

from auditor.inspection import Inspection, inspect  # noqa: E402

__all__ = ["Inspection", "inspect", "__version__"]
