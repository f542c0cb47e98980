"""Read other survey tools' response files into the canonical wide table."""
