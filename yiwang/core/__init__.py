"""Core mechanisms every domain relies on: settings, database, clock, errors, audit, outbox,
storage, permissions and the working-day calendar. Core imports no domain package."""
