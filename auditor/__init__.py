"""register-auditor: inspects a school's admission and attendance registers against the pupil
registration regulations and local policy."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("register-auditor")
except PackageNotFoundError:  # running from a source checkout that was never installed
    __version__ = "0.0.0+source"

from auditor.inspection import Inspection, inspect  # noqa: E402

__all__ = ["Inspection", "inspect", "__version__"]
