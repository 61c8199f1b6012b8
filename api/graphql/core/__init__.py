"""What every concept's GraphQL shares; see api/graphql/__init__.py."""
