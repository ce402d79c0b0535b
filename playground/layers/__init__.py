"""Layer types. Importing this package registers every built-in layer type."""

from playground.layers import (  # noqa: F401
    activations,
    attention,
    bayesian,
    conv,
    core,
    generative,
    merge,
    normalization,
    pooling,
    recurrent,
)
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
