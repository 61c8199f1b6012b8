"""GraphQL for domain/children: the child (case) record and its import."""
