"""The domain: one package per concept (DOMAIN.md). Importing it subscribes each concept's
reactions to the others' facts (`domain/reactions.py`), whatever module is imported first."""

from domain import reactions as reactions  # subscribes on import
