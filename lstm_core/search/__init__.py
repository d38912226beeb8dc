"""A settings search: Optuna proposes settings, each trial is an ordinary run, the winner is
tested once on texts no trial has seen."""
