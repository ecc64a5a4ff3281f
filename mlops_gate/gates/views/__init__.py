"""Each gate type's report pieces (charts, breakdown, facts), kept apart from its evaluation."""
