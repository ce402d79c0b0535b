"""Training options against hand computations: penalties, clipping, schedules, losses, tasks."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from playground.project.schema import FORMAT_VERSION, MIGRATIONS, project_from_dict
from playground.run.orchestrator import run_session
from playground.run.session import build_session
from playground.tasks.base import weight_penalty
from playground.training.losses import make_loss
from playground.training.metrics import classification_metrics, regression_metrics
from tests.helpers import make_project, mlp_graph, project_dict


def one_sgd_step(**training) -> tuple[dict, dict]:
    """Weights before and after one full-batch SGD step of the XOR MLP."""
    session = build_session(make_project(training={
        "optimizer": {"type": "sgd", "params": {"lr": 0.5}}, "batch_size": "full",
        "epochs": 1, **training}))
    model = session.task.model
    before = {k: v.clone() for k, v in model.state_dict().items()}
    session.trainer.step_batch()
    after = {k: v.clone() for k, v in model.state_dict().items()}
    return before, after, session


def test_l1_l2_penalty_matches_hand_gradient():
    before, after, session = one_sgd_step(l1=0.01, l2=0.1)
    # Repeat the step by hand: gradient of loss + l1*sum|W| + l2*sum W^2 on weights only.
    model = session.task.model
    model.load_state_dict(before)
    model.zero_grad(set_to_none=True)
    x, y = session.task.splits["train"]
    loss = session.task.loss_fn(model(x), y)
    weights = [p for p in model.parameters() if p.dim() > 1]
    loss = loss + sum(0.01 * w.abs().sum() + 0.1 * w.pow(2).sum() for w in weights)
    loss.backward()
    for (name, p), old in zip(model.named_parameters(), before.values()):
        torch.testing.assert_close(after[name], old - 0.5 * p.grad)
    with torch.no_grad():
        assert float(weight_penalty(model, 0.0, 0.1)) == pytest.approx(
            0.1 * sum(float(w.pow(2).sum()) for w in weights), rel=1e-5)


def test_gradient_clipping_limits_the_step():
    before, after, _ = one_sgd_step(grad_clip=1e-3)
    step = torch.sqrt(sum(((after[k] - before[k]) ** 2).sum() for k in before))
    assert float(step) == pytest.approx(0.5 * 1e-3, rel=1e-3)


@pytest.mark.parametrize("schedule, expected", [
    ({"type": "step", "params": {"step_size": 2, "gamma": 0.5}}, [0.1, 0.1, 0.05, 0.05]),
    ({"type": "exponential", "params": {"gamma": 0.9}}, [0.1, 0.09, 0.081, 0.0729]),
])
def test_schedules_change_the_rate_each_epoch(schedule, expected):
    """The rate in force during each epoch (the schedule steps after it)."""
    session = build_session(make_project(training={
        "optimizer": {"type": "sgd", "params": {"lr": 0.1}}, "epochs": 4, "schedule": schedule}))
    rates = []
    session.trainer.events.metrics.connect(
        lambda r: rates.append(session.task.optimizer.param_groups[0]["lr"]))
    session.trainer._eval_each_epoch = True  # one metrics event per epoch
    run_session(session)
    assert rates == pytest.approx(expected)


def test_losses_match_torch():
    out = torch.tensor([[0.2], [0.9]])
    y = torch.tensor([[0.0], [1.0]])
    assert make_loss("bce", {}, "probabilities")(out, y) == pytest.approx(
        float(F.binary_cross_entropy(out, y)))
    logits = torch.tensor([[1.0, -1.0, 0.5]])
    assert make_loss("cross_entropy", {}, "linear")(logits, torch.tensor([2])) == pytest.approx(
        float(F.cross_entropy(logits, torch.tensor([2]))))
    probs = torch.softmax(logits, dim=1)
    assert make_loss("cross_entropy", {}, "probabilities")(probs, torch.tensor([2])) == \
        pytest.approx(float(F.cross_entropy(logits, torch.tensor([2]))), rel=1e-5)
    assert make_loss("half_mse", {}, "linear")(out, y) == pytest.approx(
        0.5 * float(F.mse_loss(out, y)))
    signed = torch.tensor([[-1.0], [1.0]])
    assert make_loss("hinge", {}, "linear")(torch.tensor([[0.5], [2.0]]), signed) == \
        pytest.approx((1.5 + 0.0) / 2)


def test_metrics_against_hand_counts():
    y = np.array([0, 0, 1, 1, 1])
    pred = np.array([0, 1, 1, 1, 0])
    m = classification_metrics(y, pred, 2)
    assert m == pytest.approx({"accuracy": 0.6, "precision": 2 / 3, "recall": 2 / 3,
                               "f1": 2 / 3})
    r = regression_metrics(np.array([[1.0], [2.0], [3.0]]), np.array([[1.0], [2.0], [4.0]]))
    assert r == pytest.approx({"mse": 1 / 3, "mae": 1 / 3, "r2": 0.5})


def test_tanh_output_uses_signed_targets_and_zero_threshold():
    graph = mlp_graph(out_activation="tanh")
    session = build_session(make_project(graphs={"model": graph},
                                         task={"type": "classification",
                                               "params": {"loss": "mse"}}))
    assert session.task.threshold == 0.0
    assert sorted(session.task.splits["train"][1].flatten().tolist()) == [-1, -1, 1, 1]


def test_denoising_autoencoder_learns_to_reconstruct():
    graph = {"nodes": [{"id": "x", "type": "input"},
                       {"id": "flat", "type": "flatten"},
                       {"id": "code", "type": "dense", "params": {"units": 16,
                                                                  "activation": "relu"}},
                       {"id": "dec", "type": "dense", "params": {"units": 64,
                                                                 "activation": "sigmoid"}},
                       {"id": "img", "type": "reshape", "params": {"shape": [1, 8, 8]}},
                       {"id": "y", "type": "output"}],
             "edges": [{"src": a, "dst": b} for a, b in
                       [("x", "flat"), ("flat", "code"), ("code", "dec"), ("dec", "img"),
                        ("img", "y")]]}
    project = make_project(graphs={"model": graph},
                           data={"type": "digits", "params": {"as_image": True},
                                 "split": {"val": 0.2}},
                           task={"type": "autoencoder",
                                 "params": {"loss": "mse", "noise": "gaussian",
                                            "noise_level": 0.2}},
                           training={"optimizer": {"type": "adam", "params": {"lr": 0.01}},
                                     "batch_size": 64, "epochs": 15})
    session = build_session(project)
    start = session.task.evaluate()["val_loss"]
    result = run_session(session)
    assert result.metrics["val_loss"] < 0.5 * start
    assert session.task.noisy_inputs("val").shape == (len(session.dataset.val), 1, 8, 8)


def test_migration_hook_upgrades_old_files(monkeypatch):
    import playground.project.schema as project_module
    monkeypatch.setattr(project_module, "FORMAT_VERSION", FORMAT_VERSION + 1)

    def rename_views(raw):
        raw["views"] = {"layout": raw.pop("views_old")}
        return raw
    monkeypatch.setitem(MIGRATIONS, FORMAT_VERSION, rename_views)
    raw = project_dict()
    raw["views_old"] = ["boundary"]
    project = project_from_dict(raw)
    assert project.views == {"layout": ["boundary"]}
