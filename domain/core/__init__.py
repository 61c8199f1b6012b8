"""Shared plumbing every layer may import: settings, database, clock, errors, pagination."""
