"""The budget-kg ontology (Turtle) and SHACL shapes."""
