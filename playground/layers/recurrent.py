"""Recurrent layers: RNN (Elman / Keras SimpleRNN), LSTM and GRU, plus Embedding and RepeatVector.

Layout is batch first, as Keras: a sequence is (N, steps, features). A
recurrent node returns every step's output (``return = "sequences"``, shape
(N, T, H * directions)) or only the last one (``"last"``, (N, H * directions),
Keras's ``return_sequences=False``). Keras's ``TimeDistributed(Dense)`` needs
no layer here: Dense on (N, T, F) already acts on every step.

Keras vs PyTorch
----------------
PyTorch keeps two bias vectors per gate block, ``b_ih`` and ``b_hh``; Keras's
SimpleRNN and LSTM keep one. The ``bias`` param chooses:

* ``"two"``: PyTorch's layer as is (``b_ih`` and ``b_hh`` both trained);
* ``"one"``: Keras's single bias. ``b_hh`` is kept as a zero *buffer* (not a
  parameter: never trained, not counted), so the maths and the parameter count
  are Keras's and ``state_dict`` keeps PyTorch's layout (it loads into a plain
  ``nn.LSTM``);
* ``"none"``: no bias at all (``use_bias=False``).

Keras's GRU (``reset_after=True``, the TF2 default) has two biases like
PyTorch, and PyTorch's GRU is that variant, so keep ``"two"`` for a Keras GRU.
``init = "keras"`` gives Keras's initialisation: Glorot-uniform input weights,
orthogonal recurrent weights, zero biases and, for LSTM, forget-gate bias 1
(``unit_forget_bias=True``). :func:`keras_param_count` gives the count a Keras
``model.summary()`` would print, so presets can quote the book's numbers.
"""

from __future__ import annotations

import torch
from torch import nn

from playground.errors import ShapeError
from playground.layers.base import LayerSpec, expect_rank, fmt_shape, register_layer, single_input
from playground.params import bool_param, choice_param, float_param, int_param

KINDS = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}
#: Gate blocks per kind: rows of W_ih are (blocks * hidden, inputs).
GATES = {"rnn": 1, "lstm": 4, "gru": 3}
RETURNS = ("last", "sequences")
BIASES = ("two", "one", "none")
INITS = ("pytorch", "keras")
SEQUENCE_LAYOUT = "(N, steps, features)"


class Recurrent(nn.Module):
    """An ``nn.RNN``/``nn.LSTM``/``nn.GRU`` (batch first) returning one tensor.

    Parameters
    ----------
    kind : str
        "rnn", "lstm" or "gru".
    input_size, hidden_size, num_layers : int
        As PyTorch's.
    bidirectional : bool
        Run a second layer backwards in time and concatenate.
    returns : str
        "sequences": (N, T, H * dirs); "last": (N, H * dirs), the final hidden
        state of the top layer (for the backward direction: its state after
        reading the whole sequence backwards, as Keras's ``Bidirectional``).
    dropout : float
        Dropout between stacked layers (PyTorch's; Keras's ``dropout`` acts on inputs).
    nonlinearity : str
        "tanh" or "relu" (RNN only).
    bias : str
        "two", "one" or "none" (see the module docstring).
    init : str
        "pytorch" (PyTorch's uniform(-1/sqrt(H), 1/sqrt(H))) or "keras".
    forget_bias : float or None
        LSTM only: start every forget gate's bias (b_ih + b_hh) at this value; None
        keeps the init's (Keras 1). A large one (3: the gate starts 95% open) lets the
        cell carry a value over many steps from the start.
    """

    def __init__(self, kind: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bidirectional: bool = False, returns: str = "last", dropout: float = 0.0,
                 nonlinearity: str = "tanh", bias: str = "two", init: str = "pytorch",
                 forget_bias: float | None = None):
        super().__init__()
        self.kind, self.returns, self.bias_mode = kind, returns, bias
        self.dirs = 2 if bidirectional else 1
        kwargs = dict(num_layers=num_layers, bias=bias != "none", batch_first=True,
                      dropout=dropout if num_layers > 1 else 0.0, bidirectional=bidirectional)
        if kind == "rnn":
            kwargs["nonlinearity"] = nonlinearity
        cls = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[kind]
        self.rnn = cls(input_size, hidden_size, **kwargs)
        if init == "keras":
            keras_init_(self.rnn, kind)
        if kind == "lstm" and forget_bias is not None and bias != "none":
            set_forget_bias_(self.rnn, forget_bias)
        if bias == "one":
            _freeze_recurrent_bias(self.rnn)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, state = self.rnn(x)  # out: (N, T, H * dirs); h_n: (layers * dirs, N, H)
        if self.returns == "sequences":
            return out
        h_n = state[0] if isinstance(state, tuple) else state
        # The top layer's final state per direction, concatenated: (N, H * dirs).
        return torch.cat(list(h_n[-self.dirs:]), dim=-1)

    def extra_repr(self) -> str:
        return f"return={self.returns!r}, bias={self.bias_mode!r}"


@torch.no_grad()
def keras_init_(rnn: nn.RNNBase, kind: str) -> None:
    """Keras's initialisers on a PyTorch recurrent layer, in place.

    W_ih: Glorot uniform over the whole (gates * H, F) kernel, as Keras draws
    its (F, gates * H) kernel; W_hh: orthogonal; biases 0; LSTM forget gate 1
    (PyTorch's gate order is i, f, g, o, so rows H..2H of ``b_ih``).
    """
    for name, tensor in _named_tensors(rnn):
        if name.startswith("weight_ih"):
            nn.init.xavier_uniform_(tensor)
        elif name.startswith("weight_hh"):
            # Keras orthogonalises its (H, gates * H) recurrent kernel as one matrix.
            nn.init.orthogonal_(tensor)
        elif name.startswith("bias"):
            tensor.zero_()
            if kind == "lstm" and name.startswith("bias_ih"):
                h = rnn.hidden_size
                tensor[h:2 * h] = 1.0


@torch.no_grad()
def set_forget_bias_(lstm: nn.RNNBase, value: float) -> None:
    """Every forget gate's total bias to ``value``: rows H..2H of ``b_ih`` (gate order
    i, f, g, o) get it, those of ``b_hh`` 0."""
    h = lstm.hidden_size
    for name, tensor in _named_tensors(lstm):
        if name.startswith("bias_ih"):
            tensor[h:2 * h] = value
        elif name.startswith("bias_hh"):
            tensor[h:2 * h] = 0.0


def _named_tensors(rnn: nn.RNNBase) -> list[tuple[str, torch.Tensor]]:
    return [(name, getattr(rnn, name)) for name in rnn._flat_weights_names
            if getattr(rnn, name, None) is not None]


def _freeze_recurrent_bias(rnn: nn.RNNBase) -> None:
    """Turn every ``bias_hh_*`` into a zero buffer: Keras's one bias per gate."""
    for name in list(rnn._flat_weights_names):
        if name.startswith("bias_hh"):
            param = rnn._parameters.pop(name)
            rnn.register_buffer(name, torch.zeros_like(param))
    rnn._init_flat_weights()  # the layer reads its weights through this list


# -- shape inference and building ------------------------------------------------------

def _infer_recurrent(kind: str):
    label = KINDS[kind]

    def infer(p: dict, ins: dict) -> tuple:
        shape = single_input(ins)
        expect_rank(shape, (2,), label, SEQUENCE_LAYOUT)
        steps = shape[0]
        width = p["hidden_size"] * (2 if p["bidirectional"] else 1)
        return (steps, width) if p["return"] == "sequences" else (width,)
    return infer


def _build_recurrent(kind: str):
    def build(p: dict, ins: dict) -> nn.Module:
        shape = single_input(ins)
        return Recurrent(kind, shape[-1], p["hidden_size"], p["num_layers"], p["bidirectional"],
                         p["return"], p["dropout"], p.get("nonlinearity", "tanh"), p["bias"],
                         p["init"], p.get("forget_bias"))
    return build


def _recurrent_params(kind: str, hidden: int) -> tuple:
    params = [
        int_param("hidden_size", hidden, 1, 4096, label="Hidden size",
                  help="Units in the hidden state h (Keras: units)."),
        int_param("num_layers", 1, 1, 16, help="Stacked recurrent layers."),
        bool_param("bidirectional", False,
                   help="Also read the sequence backwards; outputs are concatenated."),
        choice_param("return", "last", RETURNS,
                     help="last: (N, hidden) from the final step; sequences: (N, steps, hidden) "
                          "(Keras return_sequences=True)."),
    ]
    if kind == "rnn":
        params.append(choice_param("nonlinearity", "tanh", ("tanh", "relu"),
                                   help="Activation of the hidden state (Keras: activation)."))
    params += [
        float_param("dropout", 0.0, 0.0, 0.99,
                    help="Dropout between stacked layers (needs num_layers > 1)."),
        choice_param("bias", "two", BIASES,
                     help="two: PyTorch's b_ih + b_hh; one: Keras's single bias (b_hh fixed "
                          "at 0, not counted); none: no bias.", advanced=True),
        choice_param("init", "pytorch", INITS,
                     help="pytorch: U(-1/sqrt(H), 1/sqrt(H)); keras: Glorot-uniform input "
                          "weights, orthogonal recurrent weights, zero biases"
                          + (", forget-gate bias 1." if kind == "lstm" else "."),
                     advanced=True),
    ]
    if kind == "lstm":
        params.append(float_param("forget_bias", None, -20.0, 20.0, optional=True,
                                  advanced=True,
                                  help="Start every forget gate's bias here (empty: the "
                                       "init's; 3 keeps the cell 95% open at first)."))
    return tuple(params)


_DOCS = {
    "rnn": "Elman RNN (Keras SimpleRNN): h_t = tanh(W x_t + U h_(t-1) + b) over (N, T, F).",
    "lstm": "Long short-term memory: gated cell state that keeps information over many steps.",
    "gru": "Gated recurrent unit: LSTM-like gating with one state (PyTorch = Keras "
           "reset_after=True).",
}

for _kind, _hidden in (("rnn", 32), ("lstm", 32), ("gru", 32)):
    register_layer(LayerSpec(
        id=_kind, label=KINDS[_kind], category="Recurrent",
        params=_recurrent_params(_kind, _hidden),
        infer=_infer_recurrent(_kind), build=_build_recurrent(_kind), doc=_DOCS[_kind]))


def keras_param_count(type_id: str, params: dict, in_shape: tuple, gru_reset_after: bool = True
                      ) -> int:
    """Trainable parameters Keras's ``model.summary()`` shows for a recurrent node.

    Keras: SimpleRNN ``H(F + H + 1)``, LSTM ``4H(F + H + 1)``, GRU
    ``3H(F + H + 2)`` with ``reset_after=True`` (TF2) or ``3H(F + H + 1)``
    without; doubled when bidirectional; stacked layers read ``H * dirs``
    features. PyTorch's two-bias count is ``gates * H (F + H + 2)``.

    Parameters
    ----------
    type_id : str
        "rnn", "lstm" or "gru".
    params : dict
        Resolved node params.
    in_shape : tuple
        Per-sample input shape (steps, features).
    gru_reset_after : bool
        Which Keras GRU to count.
    """
    gates, h = GATES[type_id], params["hidden_size"]
    dirs = 2 if params["bidirectional"] else 1
    if params["bias"] == "none":
        biases = 0
    elif type_id == "gru" and gru_reset_after:
        biases = 2
    else:
        biases = 1
    total, features = 0, in_shape[-1]
    for _ in range(params["num_layers"]):
        total += dirs * gates * h * (features + h + biases)
        features = h * dirs
    return total


# -- Embedding and RepeatVector ----------------------------------------------------------

class TokenEmbedding(nn.Module):
    """``nn.Embedding`` over token ids stored as floats: (N, T) -> (N, T, dim).

    Datasets keep every input float32, so ids arrive as floats and are cast to
    long here. Ids outside [0, vocab) are clamped to the nearest valid id, so a
    probe or an export that feeds arbitrary numbers gets an answer, not a crash.
    """

    def __init__(self, vocab_size: int, dim: int, padding_idx: int | None = None,
                 init: str = "pytorch"):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, dim, padding_idx=padding_idx)
        if init == "keras":  # Keras's Embedding: uniform(-0.05, 0.05)
            with torch.no_grad():
                self.embedding.weight.uniform_(-0.05, 0.05)
                if padding_idx is not None:
                    self.embedding.weight[padding_idx].zero_()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        ids = x.long().clamp(0, self.embedding.num_embeddings - 1)  # (N, T)
        return self.embedding(ids)  # (N, T, dim)


def _infer_embedding(p: dict, ins: dict) -> tuple:
    shape = single_input(ins)
    if len(shape) != 1:
        fix = (f"insert a Reshape to ({shape[0]},) before it" if len(shape) == 2 and shape[1] == 1
               else "feed it the token ids straight from the Input of a text dataset")
        raise ShapeError(f"Embedding expects token ids (N, steps) but gets {fmt_shape(shape)}",
                         fix=fix)
    if p["padding_idx"] is not None and p["padding_idx"] >= p["vocab_size"]:
        raise ShapeError(f"Embedding padding_idx {p['padding_idx']} is outside the vocabulary "
                         f"of {p['vocab_size']}", fix="lower padding_idx or raise vocab_size")
    return (shape[0], p["dim"])


register_layer(LayerSpec(
    id="embedding", label="Embedding", category="Recurrent",
    params=(int_param("vocab_size", 64, 1, 1_000_000,
                      help="Number of token ids (the dataset's vocabulary size)."),
            int_param("dim", 16, 1, 8192, help="Length of each token's vector."),
            int_param("padding_idx", None, 0, 1_000_000, optional=True, advanced=True,
                      help="An id whose vector stays zero (Keras mask_zero uses 0)."),
            choice_param("init", "pytorch", INITS, advanced=True,
                         help="pytorch: N(0, 1); keras: U(-0.05, 0.05).")),
    infer=_infer_embedding,
    build=lambda p, ins: TokenEmbedding(p["vocab_size"], p["dim"], p["padding_idx"], p["init"]),
    doc="Looks up a learned vector per token id: (N, T) ids -> (N, T, dim)."))


class RepeatVector(nn.Module):
    """(N, F) -> (N, times, F): the same vector at every step (a view, no copy)."""

    def __init__(self, times: int):
        super().__init__()
        self.times = times

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.unsqueeze(1).expand(-1, self.times, -1)

    def extra_repr(self) -> str:
        return f"times={self.times}"


def _infer_repeat(p: dict, ins: dict) -> tuple:
    shape = single_input(ins)
    expect_rank(shape, (1,), "RepeatVector", "(N, features)", fix="insert a Flatten before it")
    return (p["times"], shape[0])


register_layer(LayerSpec(
    id="repeat_vector", label="RepeatVector", category="Recurrent",
    params=(int_param("times", 8, 1, 100_000, help="Steps of the output sequence."),),
    infer=_infer_repeat, build=lambda p, ins: RepeatVector(p["times"]),
    doc="Repeats a vector into a sequence (N, F) -> (N, times, F), as in sequence "
        "autoencoders; follow with an LSTM returning sequences and a Dense (which acts per "
        "step, Keras's TimeDistributed)."))
