"""Variational autoencoder task: reconstruction + beta * KL, with decoder hooks for samples.

The graph is one network ``model``: Input -> encoder -> two layers giving ``mu``
and ``logvar`` -> a Sampling node (:mod:`playground.layers.generative`) ->
decoder -> Output. The task finds the Sampling node, reads the KL term it
stored during the forward pass, and cuts the graph at it to get a decoder it
can call on any latent code (samples, the latent traversal grid).

Loss scaling (``reduction``):

* ``"sum"`` (default): the per-sample ELBO. The reconstruction term is summed
  over every value of a sample, the KL over the latent dims, and both are
  averaged over the batch. This is the books' scaling: dl4b's
  ``r_loss = original_dim * mse(...)`` (seeds/002 L5185-L5213) is exactly the
  per-sample sum of squared errors.
* ``"mean"``: the reconstruction term is averaged over the values too (Keras's
  plain ``mse`` / ``binary_crossentropy``), so the KL weighs D times more for D
  values per sample; dlpi Ex 7.9.1 uses this with beta 0.1.

Evaluation runs in eval mode, where Sampling returns ``mu``: validation numbers
decode the mean code, a deterministic (slightly optimistic) ELBO.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import fx

from playground.compiler import CompiledGraph
from playground.errors import TrainingError
from playground.layers.generative import Sampling
from playground.params import choice_param, float_param
from playground.tasks.base import TaskContext, TaskType, evaluating, register_task, to_tensor
from playground.tasks.supervised import GradientTask
from playground.training.losses import PROB_EPS


def reconstruction_loss(out: torch.Tensor, target: torch.Tensor, loss: str, kind: str,
                        reduction: str) -> torch.Tensor:
    """Reconstruction term of the ELBO.

    Parameters
    ----------
    out, target : Tensor
        (N, *shape) model output and the clean input.
    loss : {"bce", "mse"}
    kind : str
        The output kind (:func:`~playground.tasks.supervised.output_kind`): BCE
        reads probabilities when the graph ends in a sigmoid, logits otherwise.
    reduction : {"sum", "mean"}
        Sum over a sample's values then mean over the batch, or mean over all.

    Returns
    -------
    Tensor
        Scalar.
    """
    if loss == "mse":
        per_value = (out - target).pow(2)
    elif kind == "probabilities":
        per_value = F.binary_cross_entropy(out.clamp(PROB_EPS, 1.0 - PROB_EPS), target,
                                           reduction="none")
    else:
        per_value = F.binary_cross_entropy_with_logits(out, target, reduction="none")
    if reduction == "mean":
        return per_value.mean()
    return per_value.flatten(1).sum(dim=1).mean()  # (N, D) -> (N,) -> scalar


def find_sampling_node(compiled: CompiledGraph, graph_types: dict[str, str]) -> str:
    """Id of the one Sampling node the compiled model uses.

    Raises
    ------
    TrainingError
        When there is none or more than one.
    """
    found = [nid for nid in compiled.attr_names if graph_types.get(nid) == "sampling"]
    if not found:
        raise TrainingError("a VAE needs a Sampling node: feed it two layers of equal size "
                            "(mu and logvar) and connect its output to the decoder",
                            "graphs.model")
    if len(found) > 1:
        raise TrainingError(f"a VAE needs exactly one Sampling node but the graph has "
                            f"{len(found)} ({', '.join(found)}); remove the extra ones",
                            "graphs.model")
    return found[0]


def cut_decoder(compiled: CompiledGraph, node_id: str) -> fx.GraphModule:
    """The part of the model after node ``node_id``, as a module taking that node's output.

    The result shares its submodules (and so its weights) with
    ``compiled.module``: it is a new ``forward`` over the same layers.

    Raises
    ------
    TrainingError
        When a layer after the cut also reads values from before it (a skip
        connection around the Sampling node), or the Output is not after it.
    """
    gm = compiled.module
    target = compiled.attr_names[node_id]
    nodes = list(gm.graph.nodes)  # already in topological order
    start = next(n for n in nodes if n.op == "call_module" and n.target == target)
    downstream = {start}
    for n in nodes:
        if any(a in downstream for a in n.all_input_nodes):
            downstream.add(n)
    g = fx.Graph()
    env = {start: g.placeholder("z")}
    result = None
    for n in nodes:
        if n is start or n not in downstream:
            continue
        if n.op == "output":
            value = n.args[0]
            result = value.get(compiled.output_nodes[0]) if isinstance(value, dict) else value
            continue
        outside = [a.name for a in n.all_input_nodes if a not in env]
        if outside:
            raise TrainingError(f"the decoder layer {n.name!r} also reads {outside[0]!r}, which "
                                f"comes before the Sampling node; a VAE decoder must be fed by "
                                f"z alone", f"node '{node_id}'")
        env[n] = g.node_copy(n, lambda a: env[a])
    if result is None or result not in env:
        raise TrainingError("the Output is not fed by the Sampling node; connect the decoder "
                            "between them", f"node '{node_id}'")
    g.output(env[result])
    return fx.GraphModule(gm, g, class_name="Decoder")


def traversal_codes(n: int, span: float) -> np.ndarray:
    """Latent codes of an n x n traversal grid over [-span, span]^2, shape (n, n, 2).

    Row i, column j holds ``(z1, z2) = (x_j, y_i)`` with x rising left to right
    and y falling top to bottom, so the grid reads like a plot of the latent plane.
    """
    xs = np.linspace(-span, span, n, dtype=np.float32)
    ys = xs[::-1]
    z1, z2 = np.meshgrid(xs, ys)  # each (n, n): z1 varies along columns, z2 along rows
    return np.stack([z1, z2], axis=-1)


class VAETask(GradientTask):
    """Train a VAE: minimise reconstruction + beta * KL over mini-batches of inputs."""

    def __init__(self, ctx: TaskContext):
        super().__init__(ctx)
        compiled = self.compiled["model"]
        data = ctx.require_dataset()
        if tuple(self.out_shape) != tuple(data.input_shape):
            raise TrainingError(
                f"a VAE must output the input's shape "
                f"(N, {', '.join(map(str, data.input_shape))}) but the Output gets "
                f"(N, {', '.join(map(str, self.out_shape))})",
                f"node '{compiled.output_nodes[0]}'")
        types = {nid: node.type for nid, node in ctx.graphs["model"].nodes.items()}
        self.sampling_node = find_sampling_node(compiled, types)
        sampler = compiled.node_module(self.sampling_node)
        assert isinstance(sampler, Sampling)  # find_sampling_node found one
        self.sampler = sampler
        self.latent_shape = tuple(compiled.report.nodes[self.sampling_node].output or ())
        self.latent_dim = math.prod(self.latent_shape)
        self.decoder = cut_decoder(compiled, self.sampling_node)
        self.beta = ctx.params["beta"]
        # The untrained model's numbers, so presets can check that the losses fall.
        self._initial = {f"initial_{k}": v for k, v in self.evaluate().items()}

    # -- GradientTask hooks ------------------------------------------------------------------
    def _tensors(self, name: str):
        part = self.ctx.require_dataset().split(name)
        if len(part) == 0:
            return None
        x = to_tensor(part.x, self.ctx.device)
        return (x, x)

    def _make_loss(self):
        loss, reduction = self.ctx.params["loss"], self.ctx.params["reduction"]
        return lambda out, x: reconstruction_loss(out, x, loss, self.kind, reduction)

    def _targets(self, y):  # unused: targets are the inputs
        raise AssertionError

    # -- the Task interface ------------------------------------------------------------------
    def train_step(self) -> torch.Tensor:
        x, target = self.batches.next()
        self.optimizer.zero_grad(set_to_none=True)
        recon = self.loss_fn(self.model(x), target)
        loss = recon + self.beta * self._kl()
        self._with_penalty(loss).backward()
        self.sampler.release()
        self._release_activity()
        if self._clip is not None:
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), self._clip)
        self.optimizer.step()
        return loss.detach()

    def evaluate(self) -> dict[str, float]:
        metrics = {}
        with evaluating(self.model):
            for name, tensors in self.splits.items():
                if tensors is None:
                    continue
                x, target = tensors
                out = self.model(x)
                recon, kl = float(self.loss_fn(out, target)), float(self._kl())
                metrics[f"{name}_loss"] = recon + self.beta * kl
                metrics[f"{name}_recon"] = recon
                metrics[f"{name}_kl"] = kl
                metrics[f"{name}_mse"] = float((out - target).pow(2).mean())
        return metrics

    def _kl(self) -> torch.Tensor:
        """The KL term of the last forward pass."""
        kl = self.sampler.kl
        assert kl is not None, "the model ran no forward pass yet"
        return kl

    def final_metrics(self) -> dict[str, float]:
        """The untrained model's metrics, as ``initial_train_recon`` etc."""
        return dict(self._initial)

    def arrays(self) -> dict[str, np.ndarray]:
        """For ``array`` checks: the training split's ``inputs``, its ``targets`` (when the
        dataset has any: dlpi Ex 7.9.1's complete values), the ``reconstruction`` of the
        inputs by the mean code, and the dataset's ``mask`` when it has one."""
        train = self.ctx.dataset.train
        out = {"inputs": np.asarray(train.x),
               "reconstruction": self.decode(self.encode(train.x))}
        if train.y is not None:
            out["targets"] = np.asarray(train.y)
        if "mask" in self.ctx.dataset.meta:
            out["mask"] = np.asarray(self.ctx.dataset.meta["mask"])
        return out

    # -- hooks for views ---------------------------------------------------------------------
    def decode(self, z: np.ndarray) -> np.ndarray:
        """Decoder outputs for latent codes ``z`` (n, *latent) -> (n, *input_shape)."""
        codes = to_tensor(np.asarray(z, np.float32).reshape(-1, *self.latent_shape),
                          self.ctx.device)
        with evaluating(self.model, self.decoder):
            return self.decoder(codes).cpu().numpy()

    def encode(self, x: np.ndarray) -> np.ndarray:
        """Latent means ``mu`` (n, *latent) for inputs ``x`` (n, *input_shape)."""
        with evaluating(self.model):
            self.model(to_tensor(np.asarray(x, np.float32), self.ctx.device))
            mu = self.sampler.last_mu
            assert mu is not None  # set by the forward pass just run
            return mu.cpu().numpy()

    def fixed_noise(self, n: int = 64) -> np.ndarray:
        """n latent codes z ~ N(0, I), the same on every call (seeded by the config)."""
        gen = torch.Generator().manual_seed(self.ctx.config.seed * 7919 + 23)
        return torch.randn((n, *self.latent_shape), generator=gen).numpy()

    def generate(self, noise: np.ndarray | None = None) -> np.ndarray:
        """New samples: codes ``noise`` (default :meth:`fixed_noise`) through the decoder."""
        return self.decode(self.fixed_noise() if noise is None else noise)

    def decoder_grid(self, n: int = 15, span: float = 4.0) -> np.ndarray:
        """Decoded n x n traversal of a 2-D latent over [-span, span]^2.

        Returns
        -------
        ndarray
            (n, n, *input_shape); cell (i, j) decodes ``traversal_codes(n, span)[i, j]``.

        Raises
        ------
        TrainingError
            When the latent is not 2-D.
        """
        if self.latent_shape != (2,):
            raise TrainingError(f"the traversal grid needs a 2-D latent but the Sampling node "
                                f"gives (N, {', '.join(map(str, self.latent_shape))})",
                                f"node '{self.sampling_node}'")
        images = self.decode(traversal_codes(n, span).reshape(-1, 2))
        return images.reshape(n, n, *images.shape[1:])


register_task(TaskType(
    "vae", "Variational autoencoder",
    (choice_param("loss", "bce", ("bce", "mse"),
                  help="Reconstruction term: binary cross-entropy for values in [0, 1], or "
                       "squared error."),
     choice_param("reduction", "sum", ("sum", "mean"),
                  help="sum: over a sample's values (the ELBO; the books' scaling); mean: over "
                       "values too, which makes the KL weigh more."),
     float_param("beta", 1.0, 0.0, 1000.0,
                 help="Weight of the KL term (1 is the plain VAE; dlpi Ex 7.9.1 uses 0.1).")),
    VAETask, targets=("class", "regression", "none"),
    views=("loss", "samples", "latent"),
    doc="Encode to a distribution, sample it, decode: reconstruction + beta * KL."))
