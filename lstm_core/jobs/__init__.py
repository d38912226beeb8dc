"""Training jobs as processes: launched from the app, started, stopped; the worker entry point."""
