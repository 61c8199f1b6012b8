"""The compliments and complaints register through GraphQL (domain/feedback/)."""
