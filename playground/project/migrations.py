"""Upgrades of project files from one ``format_version`` to the next.

:data:`MIGRATIONS` maps a version to the function turning a raw (parsed, not
yet validated) project dict of that version into one of the next;
:func:`playground.project.schema.migrate` applies them in turn. A migration
must accept anything (validation comes after it), change only what it
recognises and leave its argument untouched (it works on a copy).

* 1 -> 2: a task's own random seed becomes the run's training seed
  (:func:`task_seeds_to_training`).
* 2 -> 3: the same for the ``search`` task's random search
  (``task.params.random.seed``, :func:`search_seed_to_training`).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

#: Task types whose ``task.params`` held a ``seed`` in format 1.
SEEDED_TASKS = ("perceptron", "lms", "stepthrough", "rbm_stack", "perceptron_sweep")
#: A variant's patch path that set a format-1 task seed, and the one it becomes.
_TASK_SEED, _TRAINING_SEED = "task.params.seed", "training.seed"


def task_seeds_to_training(raw: dict) -> dict:
    """Format 1 -> 2: the training seed seeds every random source of a task.

    In format 1 the classic rules (perceptron, LMS), the step-through task, the
    RBM stack, the perceptron sweep and Metropolis-Hastings racers
    (``task.params.racers[i].sampler.params.seed``) took a ``seed`` of their own,
    which ``playground run --seed`` did not reach. From format 2 the training seed
    (``training.seed``) seeds them. The task's seed is removed; when it was in use
    (a step-through task with ``rng`` "torch" ignores it) it becomes the training
    seed, so the rule draws what it drew before (a book's ``random.seed(7)``); the
    graph's initialisation then draws from that seed too. A variant's patch of the
    task's seed becomes a patch of the training seed in the same way.
    """
    raw = copy.deepcopy(raw)
    task = raw.get("task")
    if not isinstance(task, Mapping):
        return raw
    seed = _pop_seeds(task.get("type"), task.get("params"))
    training = raw.get("training")
    if seed is not None and isinstance(training, dict):
        training["seed"] = seed
    elif seed is not None and training is None:
        raw["training"] = {"seed": seed}
    variants = raw.get("variants")
    for variant in variants if isinstance(variants, list) else []:
        patch = variant.get("patch") if isinstance(variant, Mapping) else None
        if isinstance(patch, dict):
            _migrate_patch(task, patch)
    return raw


def _pop_seeds(task_type: Any, params: Any) -> Any:
    """Remove a task's own seeds from ``params`` (in place); the one in use, or None."""
    if not isinstance(params, dict):
        return None
    seed = None
    if task_type in SEEDED_TASKS and "seed" in params:
        seed = params.pop("seed")
        if task_type == "stepthrough" and params.get("rng", "torch") == "torch":
            seed = None  # the trainer's generator drew the shuffles: the seed was unused
    racers = params.get("racers")
    for racer in racers if isinstance(racers, list) else []:
        sampler = racer.get("sampler") if isinstance(racer, Mapping) else None
        hyper = sampler.get("params") if isinstance(sampler, Mapping) else None
        if isinstance(hyper, dict) and "seed" in hyper:
            found = hyper.pop("seed")
            seed = found if seed is None else seed  # the first chain's seed
    return seed


def _migrate_patch(task: Mapping, patch: dict) -> None:
    """A variant's patch (path -> value, in place) of format 1 -> format 2."""
    task_type = task.get("type")
    seed = None
    if _TASK_SEED in patch and task_type in SEEDED_TASKS:
        seed = patch.pop(_TASK_SEED)
        params = task.get("params")
        rng = params.get("rng", "torch") if isinstance(params, Mapping) else "torch"
        if task_type == "stepthrough" and patch.get("task.params.rng", rng) == "torch":
            seed = None
    for path in [p for p in patch if isinstance(p, str) and p.startswith("task.params.racers.")
                 and p.endswith(".sampler.params.seed")]:
        found = patch.pop(path)
        seed = found if seed is None else seed
    if isinstance(patch.get("task"), Mapping):
        whole = patch["task"]
        found = _pop_seeds(whole.get("type", task_type), whole.get("params"))
        seed = found if seed is None else seed
    for path in ("task.params", "task.params.racers"):
        value = patch.get(path)
        found = _pop_seeds(task_type, value if path == "task.params" else {"racers": value})
        seed = found if seed is None else seed
    if seed is not None:
        patch.setdefault(_TRAINING_SEED, seed)


#: A variant's patch path that set format 2's random-search seed.
_SEARCH_SEED = "task.params.random.seed"


def search_seed_to_training(raw: dict) -> dict:
    """Format 2 -> 3: the training seed seeds the ``search`` task's random search.

    In format 2 the random search drew its configurations from a seed of its own
    (``task.params.random.seed``), which ``playground run --seed`` and ``--seeds``
    did not reach. It is removed and becomes the training seed, so the search draws
    the configurations it drew before; every configuration's network then starts
    from that seed too (as format 1 -> 2 did for the other tasks' seeds). A
    variant's patch of it becomes a patch of the training seed.
    """
    raw = copy.deepcopy(raw)
    task = raw.get("task")
    if not isinstance(task, Mapping) or task.get("type") != "search":
        return raw
    params = task.get("params")
    random = params.get("random") if isinstance(params, Mapping) else None
    if isinstance(random, dict) and "seed" in random:
        seed = random.pop("seed")
        training = raw.get("training")
        if isinstance(training, dict):
            training["seed"] = seed
        elif training is None:
            raw["training"] = {"seed": seed}
    variants = raw.get("variants")
    for variant in variants if isinstance(variants, list) else []:
        patch = variant.get("patch") if isinstance(variant, Mapping) else None
        if isinstance(patch, dict):
            _migrate_search_patch(patch)
    return raw


def _migrate_search_patch(patch: dict) -> None:
    """A search project's variant patch (path -> value, in place) of format 2 -> 3."""
    seed = patch.pop(_SEARCH_SEED, None)
    for path, inner in (("task.params.random", ()), ("task.params", ("random",)),
                        ("task", ("params", "random"))):
        value = patch.get(path)
        for key in inner:
            value = value.get(key) if isinstance(value, Mapping) else None
        if isinstance(value, dict) and "seed" in value:
            found = value.pop("seed")
            seed = found if seed is None else seed
    if seed is not None:
        patch.setdefault(_TRAINING_SEED, seed)


MIGRATIONS: dict[int, Callable[[dict], dict]] = {1: task_seeds_to_training,
                                                  2: search_seed_to_training}
