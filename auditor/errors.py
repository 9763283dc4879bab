"""Errors that stop an inspection. Everything else is reported, not raised."""


class PackError(Exception):
    """The pack cannot be inspected (exit status 2). The message names the file and the problem."""

    def __init__(self, file: str, problem: str):
        self.file = file
        self.problem = problem
        super().__init__(f"{file}: {problem}")


class RuleDefinitionError(Exception):
    """A rule or policy file is malformed: a fault in the tool's configuration, not in the pack."""
