"""Side panels of the main window: data, training and the preset browser."""
