"""GraphQL for domain/escalation: the Inadequate process."""
