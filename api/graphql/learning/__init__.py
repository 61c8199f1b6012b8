"""Task and Finish Groups through GraphQL (domain/learning/)."""
