"""budget-kg: a knowledge graph and search index over Chinese government budget disclosures."""

__version__ = "0.1.0"
