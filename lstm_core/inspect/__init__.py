"""A saved run loaded to predict and look inside: gates, states, importance, scoring, examples."""
