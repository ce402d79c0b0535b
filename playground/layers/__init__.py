"""Layer types. Importing this package registers every built-in layer type."""

from playground.layers import activations, conv, core, merge, normalization, pooling  # noqa: F401
from playground.layers.base import (  # noqa: F401
    CATEGORIES,
    LAYERS,
    LayerSpec,
    Shape,
    apply_init,
    default_params,
    fmt_shape,
    register_layer,
)
