"""The knowledge graph built from records."""
