"""Reading the store: queries, month summaries, narrative sentences, goals, export."""
