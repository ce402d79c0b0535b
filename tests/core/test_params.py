"""Parameter declarations: validation with field paths, defaults, coercion."""

import pytest

from playground.errors import ValidationError
from playground.params import (
    bool_param,
    choice_param,
    float_param,
    int_param,
    ints_param,
    resolve,
)

DECL = (int_param("units", 8, 1, 512), float_param("lr", 0.01, 0.0, 10.0),
        choice_param("act", "relu", ("relu", "tanh")), bool_param("bias", True),
        ints_param("kernel", (3, 3), length=2, min=1))


def test_defaults_fill_missing_fields():
    assert resolve(DECL, {}, "p") == {"units": 8, "lr": 0.01, "act": "relu", "bias": True,
                                      "kernel": (3, 3)}


def test_values_are_coerced():
    out = resolve(DECL, {"units": 4.0, "lr": 1, "kernel": 5}, "p")
    assert out["units"] == 4 and isinstance(out["units"], int)
    assert out["lr"] == 1.0 and isinstance(out["lr"], float)
    assert out["kernel"] == (5, 5)


@pytest.mark.parametrize("given, path, fragment", [
    ({"units": "abc"}, "p.units", "expected int in [1, 512], got 'abc'"),
    ({"units": 0}, "p.units", "got 0"),
    ({"units": True}, "p.units", "got True"),
    ({"lr": float("nan")}, "p.lr", "finite"),
    ({"act": "gelu"}, "p.act", "one of 'relu', 'tanh'"),
    ({"bias": 1}, "p.bias", "true/false"),
    ({"kernel": [3]}, "p.kernel", "got 1 values"),
    ({"kernel": [3, 0]}, "p.kernel[1]", "got 0"),
    ({"typo": 1}, "p", "unknown parameter 'typo'"),
])
def test_bad_values_name_the_field(given, path, fragment):
    with pytest.raises(ValidationError) as err:
        resolve(DECL, given, "p")
    assert err.value.where == path
    assert fragment in str(err.value)


def test_params_must_be_an_object():
    with pytest.raises(ValidationError, match="expected an object"):
        resolve(DECL, [1, 2], "node.params")
