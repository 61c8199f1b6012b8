"""A person's in-app notifications through GraphQL (domain/notifications/)."""
