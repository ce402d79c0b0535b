"""The main window and its controllers: actions and menus, files, the run, docks, theme."""
