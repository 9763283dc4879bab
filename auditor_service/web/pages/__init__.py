"""One module per area of the service; each lists its routes."""

from __future__ import annotations

from importlib import import_module

AREAS = ["home", "uploads", "jobs", "inspections", "schools", "authority"]


def routes() -> list:
    return [route for area in AREAS for route in import_module(f"auditor_service.web.pages.{area}").routes]
