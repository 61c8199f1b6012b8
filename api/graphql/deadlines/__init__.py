"""GraphQL for domain/deadlines: obligations and the authority's calendar."""
