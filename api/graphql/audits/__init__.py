"""GraphQL for domain/audits: audits, templates, themes, actions, learning, samples."""
