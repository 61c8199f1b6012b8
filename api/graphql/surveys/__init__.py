"""Surveys through GraphQL: definitions, campaigns and results (domain/surveys/)."""
