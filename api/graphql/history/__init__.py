"""GraphQL for domain/history: the record of changes."""
