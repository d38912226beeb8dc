"""Training jobs as processes: launch from the app, a queue per device, stop and resume."""
