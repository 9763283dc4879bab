"""register-auditor's web service: the library's front door.

    browser ──► web (pages, forms, downloads) ──► jobs (worker processes) ──► auditor.inspect()
                  │                                                              │
                  └──────────► store (SQLAlchemy: schools, uploads, inspections, ◄┘
                               findings, decisions; Alembic migrations)

The library (``auditor``) never imports this package.
"""
