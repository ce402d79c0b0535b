"""Small builders shared by tests."""

from __future__ import annotations

import copy

from playground.project.schema import Project, project_from_dict


def mlp_graph(hidden: int = 6, out: int = 1, activation: str = "relu",
              out_activation: str = "sigmoid") -> dict:
    """Input -> Dense(hidden) -> Dense(out) -> Output, as project JSON."""
    return {
        "nodes": [
            {"id": "x", "type": "input", "params": {}, "pos": [0, 0]},
            {"id": "hidden", "type": "dense", "pos": [150, 0],
             "params": {"units": hidden, "activation": activation}},
            {"id": "head", "type": "dense", "pos": [300, 0],
             "params": {"units": out, "activation": out_activation}},
            {"id": "y", "type": "output", "params": {}, "pos": [450, 0]},
        ],
        "edges": [{"src": "x", "dst": "hidden"}, {"src": "hidden", "dst": "head"},
                  {"src": "head", "dst": "y"}],
    }


BASE = {
    "format_version": 1,
    "graphs": {"model": mlp_graph()},
    "data": {"type": "xor_table", "params": {}, "seed": 0},
    "task": {"type": "classification", "params": {"loss": "bce"}},
    "training": {"optimizer": {"type": "adam", "params": {"lr": 0.05}},
                 "batch_size": "full", "epochs": 200, "seed": 0, "device": "cpu"},
}


def project_dict(**changes) -> dict:
    """:data:`BASE` with top-level sections replaced or merged (dicts merge one level)."""
    raw = copy.deepcopy(BASE)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(raw.get(key), dict) and key != "graphs":
            raw[key] = {**raw[key], **value}
        else:
            raw[key] = value
    return raw


def make_project(**changes) -> Project:
    """A validated :class:`Project` from :func:`project_dict`."""
    return project_from_dict(project_dict(**changes))
