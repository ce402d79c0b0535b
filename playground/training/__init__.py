"""Training: optimizers, losses, metrics, schedules and the Trainer."""
