"""One module per area of the service; each lists its routes. Every route that takes a POST is
collected here wrapped in the CSRF check, so that no view can forget it."""

from __future__ import annotations

from importlib import import_module

from starlette.routing import Route

from auditor_service.web.csrf import protected

AREAS = ["account", "home", "uploads", "jobs", "inspections", "schools", "authority", "batches", "rules", "policies",
         "admin"]
SAFE_METHODS = {"GET", "HEAD"}


def routes() -> list[Route]:
    collected = []
    for area in AREAS:
        for route in import_module(f"auditor_service.web.pages.{area}").routes:
            if route.methods and route.methods - SAFE_METHODS:
                route = Route(route.path, protected(route.endpoint), methods=sorted(route.methods), name=route.name)
            collected.append(route)
    return collected
