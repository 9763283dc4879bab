"""Executes every feature file in features/: the policy, in plain English."""

from pytest_bdd import scenarios

scenarios(".")
