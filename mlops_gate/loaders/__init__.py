"""Reading models and data from disk (and, later, registries). All heavy imports are lazy."""
