"""GraphQL for domain/people: people, teams, services and role grants."""
