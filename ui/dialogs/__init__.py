"""Dialogs: data import, model export, messages and the shortcuts list."""
