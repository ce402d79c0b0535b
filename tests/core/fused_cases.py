"""Projects for the fast-path oracle tests: every activation, loss, optimizer and penalty.

A case is a small network on a small dataset, built twice: once on the fast path and once
with ``fast_path`` off (plain autograd: ``loss.backward()`` and ``optimizer.step()``), the
oracle. Batches of 8 over 45-105 samples leave a short last batch (iris: a single sample).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import torch

from playground.project.schema import project_from_dict
from playground.run.session import Session, build_session

#: Hidden-layer activations (SELU and Leaky ReLU included).
ACTIVATIONS = ("identity", "relu", "leaky_relu", "elu", "selu", "gelu", "tanh", "sigmoid",
               "softplus")

#: Loss variants: (task, loss, output activation, dataset, output units, Features node).
LOSSES = {
    "mse": ("regression", "mse", "identity", "reg_plane", 1, False),
    "half_mse_tanh": ("classification", "half_mse", "tanh", "circle", 1, True),
    "mse_softmax": ("classification", "mse", "softmax", "iris", 3, False),
    "bce_probabilities": ("classification", "bce", "sigmoid", "circle", 1, True),
    "bce_logits": ("classification", "bce", "identity", "circle", 1, False),
    "cross_entropy_probabilities": ("classification", "cross_entropy", "softmax", "iris", 3,
                                    False),
    "cross_entropy_logits": ("classification", "cross_entropy", "identity", "iris", 3, True),
}

#: Optimizers with the options that change their update.
OPTIMIZERS = {
    "sgd": {"type": "sgd", "params": {"lr": 0.05}},
    "momentum": {"type": "sgd", "params": {"lr": 0.01, "momentum": 0.9, "dampening": 0.1}},
    "nesterov": {"type": "sgd", "params": {"lr": 0.01, "momentum": 0.9, "nesterov": True}},
    "sgd_decay": {"type": "sgd", "params": {"lr": 0.02, "momentum": 0.5, "weight_decay": 0.01}},
    "adam": {"type": "adam", "params": {"lr": 0.005}},
    "adam_keras": {"type": "adam", "params": {"lr": 0.005, "eps": 1e-7, "amsgrad": True,
                                              "weight_decay": 0.01}},
    "adamw": {"type": "adamw", "params": {"lr": 0.005, "weight_decay": 0.05}},
}

#: Penalties and clipping.
REGULARISATION = {
    "none": {},
    "l1": {"l1": 1e-3},
    "l2": {"l2": 1e-3},
    "clip": {"grad_clip": 0.5},
    "all": {"l1": 1e-3, "l2": 1e-3, "grad_clip": 0.5},
}

_DATA = {
    "circle": {"type": "circle", "params": {"n_samples": 60}, "seed": 0, "split": {"val": 0.25}},
    "iris": {"type": "iris", "params": {"features": "petal"}, "seed": 0,
             "split": {"val": 0.3}, "standardize": "standard"},
    "reg_plane": {"type": "reg_plane", "params": {"n_samples": 60}, "seed": 0,
                  "split": {"val": 0.25}},
}


@dataclass(frozen=True)
class Case:
    """One combination."""

    activation: str
    loss: str
    optimizer: str
    regularisation: str

    @property
    def id(self) -> str:
        return f"{self.activation}-{self.loss}-{self.optimizer}-{self.regularisation}"

    def project_dict(self, seed: int = 0, fast_path: bool = True, epochs: int = 100) -> dict:
        task, loss, out_act, data, units, features = LOSSES[self.loss]
        nodes = [{"id": "x", "type": "input", "params": {}}]
        if features:
            nodes.append({"id": "features", "type": "features",
                          "params": {"x1": True, "x2": True, "x1_x2": True, "sin_x1": True}})
        nodes += [{"id": "h1", "type": "dense", "params": {"units": 5,
                                                           "activation": self.activation}},
                  {"id": "h2", "type": "dense", "params": {"units": 4,
                                                           "activation": self.activation}},
                  {"id": "out", "type": "dense", "params": {"units": units,
                                                            "activation": out_act}},
                  {"id": "y", "type": "output", "params": {}}]
        ids = [n["id"] for n in nodes]
        return {
            "format_version": 1,
            "graphs": {"model": {"nodes": nodes, "edges": [{"src": a, "dst": b}
                                                           for a, b in zip(ids, ids[1:])]}},
            "data": _DATA[data],
            "task": {"type": task, "params": {"loss": loss}},
            "training": {"optimizer": OPTIMIZERS[self.optimizer], "batch_size": 8,
                         "epochs": epochs, "seed": seed, "device": "cpu",
                         "fast_path": fast_path, **REGULARISATION[self.regularisation]},
        }

    @property
    def folds_into_backward(self) -> bool:
        """Plain SGD: the fused backward steps the weights itself (see
        :func:`~playground.training.fused.optim.folds_into_backward`)."""
        return self.optimizer == "sgd" and not REGULARISATION[self.regularisation]

    def session(self, seed: int = 0, fast_path: bool = True) -> Session:
        return build_session(project_from_dict(self.project_dict(seed, fast_path)))


def all_cases() -> list[Case]:
    """The full product: activations x losses x optimizers x regularisation."""
    return [Case(*combo) for combo in itertools.product(ACTIVATIONS, LOSSES, OPTIMIZERS,
                                                         REGULARISATION)]


def covering_cases() -> list[Case]:
    """Every activation with every loss once; optimizers and regularisations cycled so
    each appears with many activations and losses (and every pair of the two at least once)."""
    pairs = list(itertools.product(OPTIMIZERS, REGULARISATION))
    cases = []
    for i, (activation, loss) in enumerate(itertools.product(ACTIVATIONS, LOSSES)):
        optimizer, regularisation = pairs[i % len(pairs)]
        cases.append(Case(activation, loss, optimizer, regularisation))
    return cases


def run_steps(session: Session, steps: int) -> np.ndarray:
    """``steps`` batch updates through the session's Trainer; the batch losses."""
    trainer = session.trainer
    stepper = trainer.fused if trainer.fused is not None else session.task
    losses = []
    original = stepper.train_step

    def recording() -> torch.Tensor:
        loss = original()
        losses.append(float(loss))
        return loss

    stepper.train_step = recording  # type: ignore[method-assign]
    try:
        for _ in range(steps):
            trainer.step_batch()
    finally:
        del stepper.train_step
    return np.asarray(losses)


def relative_gap(a: torch.Tensor | np.ndarray, b: torch.Tensor | np.ndarray) -> float:
    """max |a - b| over max |b|: the gap relative to the oracle's scale."""
    a, b = torch.as_tensor(a, dtype=torch.float64), torch.as_tensor(b, dtype=torch.float64)
    assert a.shape == b.shape, (a.shape, b.shape)
    scale = float(b.abs().max()) if b.numel() else 0.0
    return float((a - b).abs().max()) / max(scale, 1e-30) if b.numel() else 0.0


def model_gap(fast: dict[str, torch.Tensor], oracle: dict[str, torch.Tensor]) -> float:
    """max |fast - oracle| over every tensor, over the largest |oracle| value: the gap
    relative to the model's scale (a near-zero scalar's own scale would say nothing)."""
    assert fast.keys() == oracle.keys()
    diff = max(float((torch.as_tensor(fast[k]) - oracle[k]).abs().max()) for k in oracle)
    scale = max(float(v.abs().max()) for v in oracle.values())
    return diff / max(scale, 1e-30)


def weights(session: Session) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in session.task.models["model"].state_dict().items()}


def optimizer_state(session: Session) -> dict:
    return session.task.optimizers[0].state_dict()["state"]


def state_gaps(fast: dict, oracle: dict, per_tensor: bool = True) -> dict[str, float]:
    """Relative gaps of the optimizer states (``state_dict()["state"]``), which must hold the
    same entries and step counts: per tensor, or per kind of state over every parameter
    (:func:`model_gap`'s scale)."""
    assert fast.keys() == oracle.keys(), (sorted(fast), sorted(oracle))
    gaps = {}
    for index, entry in oracle.items():
        assert fast[index].keys() == entry.keys(), (index, sorted(fast[index]), sorted(entry))
        for name, value in entry.items():
            if name == "step":
                assert float(fast[index][name]) == float(value), (index, name)
            elif per_tensor:
                gaps[f"{index}.{name}"] = relative_gap(fast[index][name], value)
    if not per_tensor:
        names = {name for entry in oracle.values() for name in entry if name != "step"}
        for name in names:
            gaps[name] = model_gap({str(i): fast[i][name] for i in oracle if name in oracle[i]},
                                   {str(i): oracle[i][name] for i in oracle if name in oracle[i]})
    return gaps


#: Activations whose gradient jumps at 0: which side of the kink a pre-activation within
#: rounding of 0 falls on decides whether (or how much) gradient passes.
KINKED = (torch.nn.ReLU, torch.nn.LeakyReLU, torch.nn.ELU, torch.nn.SELU)


@dataclass
class KinkTrace:
    """K copies stepped in lockstep beside their autograd runs, step by step.

    Attributes
    ----------
    straddle : str or None
        The first step at which a copy and its run sat on two sides of a kink (an L1
        penalty's sign(w) of a weight near 0, or a kinked activation's pre-activation
        near 0), and where.
    gap_before : float
        The largest weight gap (:func:`model_gap`) up to and including that step, each
        step's gap divided by the run's own amplification of rounding at that step (at
        least 1; see :func:`kink_trace`).
    first_gap : tuple of (int, float) or None
        The first step after which some copy's gap passed the tolerance, and that gap.
    amplification : float
        The largest amplification of rounding met before the straddle.
    """

    straddle: str | None
    gap_before: float
    first_gap: tuple[int, float] | None
    amplification: float = 1.0


#: The relative size of the rounding-sized nudge :func:`kink_trace` gives a second
#: autograd run's initial weights (float32 rounds at about 6e-8).
NUDGE = 1e-7


def kink_trace(case: Case, seeds: tuple[int, ...], epochs: int,
               tolerance: float) -> KinkTrace:
    """Step :func:`~playground.training.fused.copies.train_copies`'s lockstep (white box)
    and an autograd run per seed side by side, and find where they first straddle a kink.

    Before a straddle the copies must equal their runs to rounding; after one, a copy and
    its run are two different (both correct) runs: the gradient jumped by the penalty's
    2 * l1 or by the whole gradient of a ReLU unit, and optimizers like Adam turn that into
    a full step.

    "To rounding" is measured, not assumed: beside each autograd run steps a second one
    whose initial weights were nudged by :data:`NUDGE` (relative, a rounding's size). Where
    the training itself amplifies rounding (near a kink, Adam's moments of gradients near
    zero), the two autograd runs part too: their gap over the nudge is that step's
    amplification, and a copy's gap is judged over it (found on leaky_relu, bce_logits,
    adam_keras, l1, seed 3: two autograd runs 1e-7 apart at the start are 3.6e-6 apart at
    step 116, where the copy is 1.0e-5 from its run).
    """
    from playground.training.fused.copies import _Lockstep, initial_weights
    from playground.training.fused.plan import plan_for

    task = case.session(seeds[0]).task
    config = task.ctx.config
    run = _Lockstep(task, plan_for(task, config), config, list(seeds),
                    initial_weights(task, seeds))
    oracles = [case.session(s, fast_path=False) for s in seeds]
    nudged = [_nudged(case.session(s, fast_path=False), s) for s in seeds]
    batches = [_recorded_batches(o) for o in oracles]
    straddle, gap_before, first_gap, step, most = None, 0.0, None, 0, 1.0
    for _ in range(epochs):
        run._begin_epoch()
        for j in range(run.steps):
            before = [(run.copy_weights(k), weights(o)) for k, o in enumerate(oracles)]
            # Each seed's amplification of rounding so far (>= 1): its nudged run's gap.
            amplified = [max(1.0, model_gap(weights(n), oracle) / NUDGE)
                         for n, (_, oracle) in zip(nudged, before)]
            run._step(j)
            for o in (*oracles, *nudged):
                o.trainer.step_batch()
            for k, (fused, oracle) in enumerate(before):
                where = straddle or _straddles(oracles[k], fused, oracle, batches[k][-1],
                                               config.l1)
                if where and straddle is None:
                    straddle = f"step {step}, seed {seeds[k]}: {where}"
            gaps = [model_gap(run.copy_weights(k), weights(o)) for k, o in enumerate(oracles)]
            if straddle is None or straddle.startswith(f"step {step},"):
                most = max(most, *amplified)
                gap_before = max(gap_before, *(model_gap(f, o) / a
                                               for (f, o), a in zip(before, amplified)))
            if first_gap is None and max(gaps) >= tolerance:
                first_gap = (step, max(gaps))
            step += 1
    return KinkTrace(straddle, gap_before, first_gap, most)


def folded_trace(case: Case, seed: int, steps: int) -> dict[str, float]:
    """Step a K = 1 fused run, its autograd run and a nudged autograd run side by side
    (:data:`NUDGE`); the largest gap of the fused run's weights (:func:`model_gap`) and batch
    loss (over the run's largest loss) from autograd's, each step's gap divided by that
    step's amplification of rounding: the nudged run's gap over the nudge, at least 1.

    For plain SGD, whose folded update rounds once where autograd rounds twice: a training
    that amplifies rounding parts the two runs as it parts two autograd runs a rounding
    apart (found on leaky_relu, half_mse_tanh, sgd: batch losses 1.29e-5 apart at step 173,
    where the nudged run's loss is 53 nudges from its run's).
    """
    fast, oracle = case.session(seed, fast_path=True), case.session(seed, fast_path=False)
    nudged = _nudged(case.session(seed, fast_path=False), seed)
    rows = []
    for _ in range(steps):
        losses = [float(run_steps(s, 1)[0]) for s in (fast, oracle, nudged)]
        w_fast, w_oracle, w_nudged = weights(fast), weights(oracle), weights(nudged)
        rows.append((losses, model_gap(w_fast, w_oracle), model_gap(w_nudged, w_oracle)))
    scale = max(max(abs(losses[1]) for losses, _, _ in rows), 1e-30)
    loss_over, weights_over = 0.0, 0.0
    for (fast_loss, oracle_loss, nudged_loss), gap, nudged_gap in rows:
        loss_amplified = max(1.0, abs(nudged_loss - oracle_loss) / scale / NUDGE)
        loss_over = max(loss_over, abs(fast_loss - oracle_loss) / scale / loss_amplified)
        weights_over = max(weights_over, gap / max(1.0, nudged_gap / NUDGE))
    return {"loss": loss_over, "weights": weights_over}


def _nudged(session: Session, seed: int) -> Session:
    """``session`` with every initial weight scaled by 1 + NUDGE * N(0, 1)."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in session.task.models["model"].parameters():
            p.mul_(1 + NUDGE * torch.randn(p.shape, generator=generator))
    return session


def _recorded_batches(session: Session) -> list[torch.Tensor]:
    """The inputs of every batch ``session``'s task trains on from now on (appended)."""
    seen: list[torch.Tensor] = []
    batches = session.task.batches  # type: ignore[attr-defined]
    original = batches.next

    def recording() -> tuple[torch.Tensor, ...]:
        got = original()
        seen.append(got[0])
        return got

    batches.next = recording
    return seen


def _straddles(session: Session, fused: dict[str, torch.Tensor],
               oracle: dict[str, torch.Tensor], x: torch.Tensor, l1: float) -> str:
    """Where weights ``fused`` and ``oracle`` sit on two sides of a kink for batch ``x``
    ("" nowhere): a weight's sign under L1, a kinked activation's pre-activation sign."""
    if l1:
        for name, w in oracle.items():
            if w.dim() > 1 and (torch.sign(fused[name]) != torch.sign(w)).any():
                return f"sign of a weight of {name} under L1"
    model = session.task.models["model"]
    inputs = [_kink_inputs(model, state, x) for state in (fused, oracle)]
    for name, a in inputs[0].items():
        if (torch.sign(a) != torch.sign(inputs[1][name])).any():
            return f"pre-activation sign at {name}"
    return ""


@torch.no_grad()
def _kink_inputs(model: torch.nn.Module, state: dict[str, torch.Tensor],
                 x: torch.Tensor) -> dict[str, torch.Tensor]:
    """The inputs of ``model``'s kinked activations for ``x`` with weights ``state``."""
    import copy

    scratch = copy.deepcopy(model)
    scratch.load_state_dict(state)
    seen: dict[str, torch.Tensor] = {}
    for name, module in scratch.named_modules():
        if isinstance(module, KINKED):
            module.register_forward_hook(
                lambda m, args, out, name=name: seen.__setitem__(name, args[0].clone()))
    scratch.eval()
    scratch(x)
    return seen
