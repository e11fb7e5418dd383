"""Full-text search over the records."""
