"""The ``language_model`` task: next-character prediction on a text, judged by perplexity.

The data is the ``text_chars`` dataset (:mod:`playground.data.text`): windows
x (N, T) of character ids and the id y (N,) of the character that follows.
The network maps a window to next-character logits in one of two ways, told
apart by its output shape:

* (N, T, V), one prediction per position (a decoder-only transformer, an RNN
  returning its sequence): position t predicts character t + 1, so the targets
  are the window shifted by one, ``[x_1 .. x_{T-1}, y]``, and every position
  trains (nanoGPT's objective). Such a network must not look ahead: attention
  has to be causal. The task checks it (a named node, or any layer whose
  output at a step changes when a later character changes) before training.
* (N, V), one prediction after the window (an LSTM returning its last state,
  a Flatten and a Dense): the target is y.

Metrics for every non-empty split: ``loss`` (cross-entropy in nats per
character), ``perplexity`` = exp(loss) (the number of equally likely
characters the model is as unsure as), ``accuracy`` (next character guessed)
the perplexities of two baselines fitted on the training targets:
``unigram_perplexity`` (character frequencies) and ``bigram_perplexity``
(the previous character only, add-one smoothed), and ``initial_loss``, the
untrained network's loss. A model that uses more than the previous
character ends below the bigram.

The task also decodes (on the thread that owns the model; see
:mod:`playground.probes.text`): :meth:`LanguageModelTask.complete` and
:meth:`LanguageModelTask.attention`.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F

from playground.data.base import Dataset
from playground.data.text import decode, encode, shown
from playground.errors import GraphError, TrainingError
from playground.layers.attention import MultiHeadSelfAttention
from playground.params import int_param, str_param
from playground.tasks.base import (
    TaskContext,
    TaskType,
    evaluating,
    predict_in_chunks,
    register_task,
)
from playground.tasks.decoding import BEAM, beam_search, pick
from playground.tasks.supervised import SPLITS, GradientTask
from playground.training.losses import make_loss

#: Layer types that mix steps and have a "causal" switch.
ATTENTION_TYPES = ("multihead_attention", "transformer_encoder")
RECURRENT_TYPES = ("rnn", "lstm", "gru")
METHODS = ("greedy", "sample", "beam")
#: Longest text :meth:`LanguageModelTask.complete` writes.
MAX_GENERATE = 2000


class LanguageModelTask(GradientTask):
    """Next-character prediction with perplexity, baselines, decoding and attention maps."""

    default_monitor = "val_loss"

    def __init__(self, ctx: TaskContext):
        ds = ctx.dataset
        if ds is None or "vocab" not in ds.meta:
            raise TrainingError("the language model needs a text dataset: choose 'Text, next "
                                "character' (the generated corpus or your own file)", "data.type")
        self.dataset: Dataset = ds
        self.vocab: tuple[str, ...] = tuple(ds.meta["vocab"])
        self.window = int(ds.input_shape[0])
        self.every = False  # one prediction per position (set by _make_loss)
        super().__init__(ctx)
        self.pad_id = next((self.vocab.index(c) for c in ("\n", " ") if c in self.vocab), 0)
        self._check_causal()
        self.variable_length = self._accepts_short_inputs()
        self.baselines = ngram_baselines(self.splits, len(self.vocab))
        #: ``{split}_initial_loss``: the untrained network's loss, to see it fall.
        self.initial: dict[str, float] = {}
        self.initial = {f"{k[:-5]}_initial_loss": v for k, v in self.evaluate().items()
                        if k.endswith("_loss")}
        #: What the untrained network writes after the prompt (sampled, first draw of the
        #: training seed): the "before" of the generation view; None when the prompt does
        #: not fit the vocabulary.
        self.sample_before: str | None = None
        try:
            self.sample_before = self.complete(ctx.params["prompt"], ctx.params["sample_length"],
                                               "sample", seed=self.sampling_seed(0))["text"]
        except ValueError:
            pass  # the views say which character of the prompt is not in the vocabulary

    # -- set-up ------------------------------------------------------------------------------
    def _make_loss(self) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
        self._check_output()
        base = make_loss("cross_entropy", {}, self.kind)
        vocab = len(self.vocab)

        def loss(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
            return base(out.reshape(-1, vocab), y.reshape(-1))
        return loss

    def _check_output(self) -> None:
        """One prediction per position or one per window, over the whole vocabulary."""
        v, shape = len(self.vocab), tuple(self.out_shape)
        node = self.compiled["model"].output_nodes[0]
        embeddings = [n for n in self.ctx.graphs["model"].nodes.values() if n.type == "embedding"]
        resize = f" (and vocab_size {v} to the Embedding '{embeddings[0].id}')" \
            if embeddings and embeddings[0].params.get("vocab_size") != v else ""
        if shape[-1:] != (v,) and len(shape) in (1, 2):
            raise GraphError(f"the text has {v} different characters but the network predicts "
                             f"{shape[-1]}", node=node,
                             fix=f"give the last Dense {v} units{resize}")
        if shape == (self.window, v):
            self.every = True
        elif shape != (v,):
            got = ", ".join(map(str, shape))
            raise GraphError(f"a language model's output is (N, {v}) next-character logits, or "
                             f"(N, {self.window}, {v}) for every position, but it gets "
                             f"(N, {got})", node=node,
                             fix=f"end the network with a Dense of {v} units (the vocabulary)")
        for emb in embeddings:
            if emb.params.get("vocab_size", v) < v:
                raise GraphError(f"the text has {v} different characters but vocab_size is "
                                 f"{emb.params['vocab_size']}: the characters from id "
                                 f"{emb.params['vocab_size']} up would share one vector",
                                 node=emb.id, fix=f"set vocab_size to {v}")

    def _tensors(self, name: str) -> tuple[torch.Tensor, torch.Tensor] | None:
        part = self.dataset.split(name)
        if len(part) == 0:
            return None
        x = torch.as_tensor(part.x, device=self.ctx.device)  # (N, T) float ids
        y = torch.as_tensor(part.y, dtype=torch.long, device=self.ctx.device)
        if self.every:  # position t predicts character t + 1: the window shifted by one
            y = torch.cat([x[:, 1:].long(), y[:, None]], dim=1)  # (N, T)
        return x, y

    def _check_causal(self) -> None:
        """Refuse a per-position model that can see the characters it must predict."""
        if not self.every:
            return
        graph = self.ctx.graphs["model"]
        for node in graph.nodes.values():
            if node.type in ATTENTION_TYPES and not node.params.get("causal", False):
                raise GraphError("attention that sees later characters makes predicting each "
                                 "next character trivial", node=node.id,
                                 fix="switch on 'causal' (each step attends to itself and "
                                     "earlier steps only)")
            if node.type in RECURRENT_TYPES and node.params.get("bidirectional", False):
                raise GraphError("a bidirectional layer reads the text backwards too, so it "
                                 "sees the characters it must predict", node=node.id,
                                 fix="switch off 'bidirectional'")
        step = self._first_leaking_step()
        if step is not None:
            raise GraphError(f"the output at step {step - 1} changes when character {step} "
                             "changes: the network looks ahead", node=graph.nodes_of_type(
                                 "output")[0].id,
                             fix="predict every position only from earlier ones (causal "
                                 "attention, no Flatten), or output (N, vocabulary) for the "
                                 "last position")

    @torch.no_grad()
    def _first_leaking_step(self) -> int | None:
        """A step t whose change alters an output before t, or None (a numerical test)."""
        x = self._train_inputs()[:1].clone()  # (1, T)
        v = len(self.vocab)
        with evaluating(self.model):
            base = self.model(x)
            for t in range(self.window - 1, 0, -max(1, self.window // 4)):
                changed = x.clone()
                changed[0, t] = float((int(changed[0, t]) + 1) % v)
                if not torch.allclose(self.model(changed)[:, :t], base[:, :t], atol=1e-5):
                    return t
        return None

    def _train_inputs(self) -> torch.Tensor:
        """The training windows (N, T); the split is never empty (the dataset checks)."""
        train = self.splits["train"]
        assert train is not None
        return train[0]

    @torch.no_grad()
    def _accepts_short_inputs(self) -> bool:
        """Whether the network runs on fewer than ``window`` characters (a prompt)."""
        x = torch.full((1, 1), float(self.pad_id), device=self.ctx.device)
        expected = (1, 1, len(self.vocab)) if self.every else (1, len(self.vocab))
        try:
            with evaluating(self.model):
                return tuple(self.model(x).shape) == expected
        except (RuntimeError, ValueError, IndexError):
            return False

    # -- metrics -----------------------------------------------------------------------------
    def evaluate(self) -> dict[str, float]:
        metrics: dict[str, float] = {}
        with evaluating(self.model):
            for name, tensors in self.splits.items():
                if tensors is None:
                    continue
                x, y = tensors
                out = predict_in_chunks(self.model, x)
                loss = float(self.loss_fn(out, y))
                metrics[f"{name}_loss"] = loss
                metrics[f"{name}_perplexity"] = math.exp(min(loss, 700.0))
                guessed = out.argmax(dim=-1) == y
                metrics[f"{name}_accuracy"] = float(guessed.float().mean())
        metrics.update(self.baselines)
        metrics.update(self.initial)
        return metrics

    # -- decoding (on the thread that owns the model) ----------------------------------------
    def encode_prompt(self, prompt: str) -> list[int]:
        """Character ids of ``prompt``; ValueError names a character not in the vocabulary."""
        return encode(prompt, self.vocab).tolist()

    def _inputs(self, contexts: list[list[int]]) -> tuple[torch.Tensor, int]:
        """(B, L) float ids of equal-length contexts, cut to the window and, for a network
        that needs whole windows, padded on the left; also the number of pad columns."""
        length = min(max(len(contexts[0]), 1), self.window)
        rows = [c[-length:] if c else [self.pad_id] for c in contexts]
        pad = 0 if self.variable_length else self.window - length
        x = torch.tensor([[self.pad_id] * pad + r for r in rows], dtype=torch.float32,
                         device=self.ctx.device)
        return x, pad

    def _log_probs(self, out: torch.Tensor) -> torch.Tensor:
        """log p of the next character from the network's last output: (B, V)."""
        last = out[:, -1] if self.every else out
        if self.kind == "probabilities":
            return torch.log(last.double().clamp_min(1e-12))
        return F.log_softmax(last.double(), dim=-1)

    @torch.no_grad()
    def next_log_probs(self, contexts: list[list[int]]) -> torch.Tensor:
        """log p(next character | context) for equal-length contexts: (B, V) float64."""
        x, _ = self._inputs(contexts)
        with evaluating(self.model):
            return self._log_probs(self.model(x))

    def sampling_seed(self, draw: int) -> int:
        """The seed of the ``draw``-th sampled text (the Generate button counts draws): from
        the run's training seed, so ``--seed`` and ``--seeds`` reach the sampler too."""
        return self.ctx.config.seed * 7919 + 29 + draw

    @torch.no_grad()
    def complete(self, prompt: str, length: int, method: str = "greedy",
                 temperature: float = 1.0, top_k: int = 0, width: int = 3,
                 seed: int = 0) -> dict:
        """Continue ``prompt`` by ``length`` characters.

        Parameters
        ----------
        method : str
            "greedy" (the most probable character each time), "sample" (drawn
            from softmax(logits / temperature), restricted to the ``top_k`` most
            probable when top_k > 0; repeatable for a given ``seed``) or "beam"
            (beam search of ``width`` paths by their total log-likelihood).

        Returns
        -------
        dict
            ``text`` (the continuation), ``beams`` (list of (continuation,
            log-likelihood) pairs, best first; one entry for greedy and sampling)
            and ``log_likelihood`` of the text under the model (nats).

        Raises
        ------
        ValueError
            A prompt character that is not in the vocabulary, or a bad method.
        """
        if method not in METHODS:
            raise ValueError(f"unknown decoding method {method!r} (known: {', '.join(METHODS)})")
        ids = self.encode_prompt(prompt)
        length = max(0, min(int(length), MAX_GENERATE))
        if method == "beam":
            def rows(prefixes: list[tuple[int, ...]]) -> list[np.ndarray]:
                return list(self.next_log_probs([ids + list(p) for p in prefixes]).cpu().numpy())
            paths = [p for p in beam_search(rows, max(1, width), length, record_pruned=False)
                     if p.status == BEAM]
            paths.sort(key=lambda p: -p.log_likelihood)
            beams = [(decode(p.tokens, self.vocab), p.log_likelihood) for p in paths]
            return {"text": beams[0][0] if beams else "", "beams": beams,
                    "log_likelihood": beams[0][1] if beams else 0.0}
        generator = torch.Generator().manual_seed(seed)
        out: list[int] = []
        total = 0.0
        for _ in range(length):
            log_p = self.next_log_probs([ids + out])[0].cpu()  # the sampler draws on the CPU
            token = pick(log_p, method, temperature, top_k, generator)
            total += float(log_p[token])
            out.append(token)
        text = decode(out, self.vocab)
        return {"text": text, "beams": [(text, total)], "log_likelihood": total}

    @torch.no_grad()
    def attention(self, prompt: str) -> dict:
        """Every attention layer's weights for ``prompt`` and the next-character logits.

        Returns
        -------
        dict
            ``tokens`` (the characters the network saw, pads included, as
            shown), ``pad`` (leading pad positions), ``layers`` (node id ->
            (heads, L, L) float32, row = query step, column = key step; each row
            sums to 1), ``logits`` (V,) float64 for the next character (log
            probabilities up to a constant), ``vocab`` (characters as shown).
        """
        ids = self.encode_prompt(prompt)
        x, pad = self._inputs([ids])
        captured: dict[str, torch.Tensor] = {}
        handles = []
        for name, module in self.model.named_modules():
            if isinstance(module, MultiHeadSelfAttention):
                def hook(m: torch.nn.Module, args: tuple, name: str = name) -> None:
                    captured[name] = args[0]
                handles.append(module.register_forward_pre_hook(hook))
        try:
            with evaluating(self.model):
                out = self.model(x)
        finally:
            for handle in handles:
                handle.remove()
        modules = dict(self.model.named_modules())
        layers = {self._node_of(name): modules[name].attention_weights(inp)[0].float().cpu()
                  .numpy() for name, inp in captured.items()}
        return {"tokens": [shown(self.vocab[int(i)]) for i in x[0]], "pad": pad,
                "layers": layers, "logits": self._log_probs(out)[0].cpu().numpy(),
                "vocab": [shown(c) for c in self.vocab]}

    def _node_of(self, module_name: str) -> str:
        """The graph node holding the submodule ``module_name`` (``blk1.attn`` -> ``blk1``)."""
        compiled = self.compiled["model"]
        for node_id, attr in compiled.attr_names.items():
            if module_name == attr or module_name.startswith(attr + "."):
                return node_id
        return module_name


def ngram_baselines(splits: dict, vocab: int) -> dict[str, float]:
    """Unigram and bigram perplexities per split, counted on the training targets.

    Each target is paired with the character just before it (the input at the
    same position). Add-one smoothing keeps unseen pairs possible.
    """
    pairs = {name: _pairs(t) for name, t in splits.items() if t is not None}
    prev, nxt = pairs["train"]
    unigram = np.bincount(nxt, minlength=vocab) + 1.0
    unigram /= unigram.sum()
    bigram = np.ones((vocab, vocab))
    np.add.at(bigram, (prev, nxt), 1.0)
    bigram /= bigram.sum(axis=1, keepdims=True)
    out = {}
    for name in SPLITS:
        if name not in pairs:
            continue
        prev, nxt = pairs[name]
        out[f"{name}_unigram_perplexity"] = float(np.exp(-np.mean(np.log(unigram[nxt]))))
        out[f"{name}_bigram_perplexity"] = float(np.exp(-np.mean(np.log(bigram[prev, nxt]))))
    return out


def _pairs(tensors: tuple[torch.Tensor, torch.Tensor]) -> tuple[np.ndarray, np.ndarray]:
    """(previous character, target) id pairs of a split, flattened."""
    x = tensors[0].long().cpu().numpy()
    y = tensors[1].cpu().numpy()
    prev = x if y.ndim == 2 else x[:, -1]  # per position: the input at t precedes target t
    return prev.reshape(-1), y.reshape(-1)


register_task(TaskType(
    "language_model", "Language model (next character)",
    (str_param("prompt", "the ", help="Text the attention and generation views start from."),
     int_param("sample_length", 120, 1, MAX_GENERATE,
               help="Characters the generation view writes.")),
    LanguageModelTask, targets=("class",),
    views=("attention", "generate", "loss"),
    doc="Predict the next character of a text; perplexity, sampled text and attention maps."))
