"""Property: random mutations of the shipped presets either load as a Project or raise
ValidationError, never anything else; and whatever loads round-trips exactly.

Mutations: drop a field, set a field to random JSON (any type, NaN, infinities, huge
integers, odd unicode), add junk fields, nest deeply, and damage the text itself
(truncate, splice in bytes).
"""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playground.errors import ValidationError
from playground.project.presets import preset_paths, validate_preset
from playground.project.schema import Project, load_project, parse_json, project_from_dict

PRESETS = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in preset_paths()}

scalars = (st.none() | st.booleans() | st.integers() | st.integers(-2**70, 2**70)
           | st.floats() | st.sampled_from([1e308, -0.0, 5e-324, 2**63, -2**63 - 1])
           | st.text(max_size=12) | st.sampled_from(["", "dense", "model", "input", "\x00",
                                                     "\ud800", "é\u200b", "1e309", "NaN"]))
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=6), inner, max_size=3),
                           max_leaves=10)


def paths(value, prefix=()) -> list[tuple]:
    """Every path (tuple of keys/indices) into a JSON value, the root included."""
    out = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            out += paths(child, (*prefix, key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            out += paths(child, (*prefix, i))
    return out


def get(value, path):
    for key in path:
        value = value[key]
    return value


@st.composite
def mutated_presets(draw):
    """(raw dict, whether a mutation was applied): a preset with 1-4 random mutations."""
    raw = copy.deepcopy(PRESETS[draw(st.sampled_from(sorted(PRESETS)))])
    for _ in range(draw(st.integers(1, 4))):
        where = draw(st.sampled_from(paths(raw)))
        parent = get(raw, where[:-1]) if where else None
        kind = draw(st.sampled_from(["drop", "set", "junk", "nest", "retype"]))
        if kind == "drop" and where:
            del parent[where[-1]]
        elif kind == "set" and where:
            parent[where[-1]] = draw(json_values)
        elif kind == "junk":
            target = get(raw, where)
            if isinstance(target, dict):
                target[draw(st.text(max_size=8))] = draw(json_values)
            elif isinstance(target, list):
                target.insert(draw(st.integers(0, len(target))), draw(json_values))
        elif kind == "nest" and where:
            depth = draw(st.sampled_from([2, 63, 64, 65, 200]))
            value = parent[where[-1]]
            for _ in range(depth):
                value = [value]
            parent[where[-1]] = value
        elif kind == "retype" and where:
            value = parent[where[-1]]
            parent[where[-1]] = draw(st.sampled_from(
                [str(value), [value], {"v": value}, None, True, -1, 0.5, 10**30]))
    return raw


def check_loads_or_refuses(raw) -> Project | None:
    try:
        project = project_from_dict(raw)
    except ValidationError as exc:
        assert "\n" not in str(exc)
        return None
    if project.id or project.meta or project.expect:
        try:
            validate_preset(project, "preset.json")
        except ValidationError:
            pass
    data = project.to_dict()
    text = json.dumps(data, allow_nan=False)  # what save_project writes: must not fail
    again = project_from_dict(parse_json(text))
    assert again.to_dict() == data  # the round trip is exact
    return project


@settings(max_examples=300, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mutated_presets())
def test_mutated_presets_load_or_raise_validation_error(raw):
    check_loads_or_refuses(raw)


@settings(max_examples=200, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(PRESETS)), st.data())
def test_damaged_text_is_refused_with_a_validation_error(name, data):
    text = json.dumps(PRESETS[name])
    cut = data.draw(st.integers(0, len(text)))
    how = data.draw(st.sampled_from(["truncate", "splice", "duplicate"]))
    if how == "truncate":
        text = text[:cut]
    elif how == "splice":
        text = text[:cut] + data.draw(st.text(min_size=1, max_size=4)) + text[cut:]
    else:
        text = text[:cut] + text[cut // 2:]
    try:
        raw = parse_json(text)
    except ValidationError:
        return
    check_loads_or_refuses(raw)


def test_every_preset_round_trips_through_a_file(tmp_path):
    from playground.project.schema import save_project

    for name in PRESETS:
        project = load_project(preset_paths()[0].parent / name)
        save_project(project, tmp_path / name)
        assert load_project(tmp_path / name).to_dict() == project.to_dict()


@pytest.mark.slow
@settings(max_examples=5000, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mutated_presets())
def test_mutated_presets_at_scale(raw):
    check_loads_or_refuses(raw)
