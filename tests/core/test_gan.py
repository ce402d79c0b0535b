"""The GAN task: alternating updates, losses, fixed noise, optimizers, missing graphs."""

import json

import numpy as np
import pytest
import torch

from playground.cli import main
from playground.errors import GraphError, TrainingError, ValidationError
from playground.project.schema import project_from_dict
from playground.run.session import build_session
from tests.helpers import project_dict

ADAM = {"type": "adam", "params": {"lr": 0.01, "beta1": 0.5, "beta2": 0.999, "eps": 1e-7,
                                   "weight_decay": 0.0, "amsgrad": False}}


def generator(noise: int = 3, hidden: int = 8, out: int = 1) -> dict:
    return {"nodes": [
        {"id": "z", "type": "input", "params": {"shape": [noise]}},
        {"id": "g1", "type": "dense", "params": {"units": hidden, "activation": "relu"}},
        {"id": "gbn", "type": "batchnorm"},
        {"id": "g2", "type": "dense", "params": {"units": out}},
        {"id": "fake", "type": "output"}],
        "edges": [{"src": "z", "dst": "g1"}, {"src": "g1", "dst": "gbn"},
                  {"src": "gbn", "dst": "g2"}, {"src": "g2", "dst": "fake"}]}


def discriminator(hidden: int = 8, out: int = 1, activation: str = "sigmoid") -> dict:
    return {"nodes": [
        {"id": "x", "type": "input"},
        {"id": "d1", "type": "dense", "params": {"units": hidden, "activation": "leaky_relu"}},
        {"id": "d2", "type": "dense", "params": {"units": out, "activation": activation}},
        {"id": "p", "type": "output"}],
        "edges": [{"src": "x", "dst": "d1"}, {"src": "d1", "dst": "d2"},
                  {"src": "d2", "dst": "p"}]}


def gan_dict(graphs=None, **task_params) -> dict:
    return project_dict(
        graphs=graphs or {"generator": generator(), "discriminator": discriminator()},
        data={"type": "gaussian_samples", "params": {"n_samples": 200}, "seed": 0},
        task={"type": "gan", "params": task_params},
        training={"optimizer": ADAM, "batch_size": 32, "epochs": 2})


def gan_session(graphs=None, **task_params):
    return build_session(project_from_dict(gan_dict(graphs, **task_params)))


def params_of(module: torch.nn.Module) -> list[torch.Tensor]:
    return [p.detach().clone() for p in module.parameters()]


def changed(before: list[torch.Tensor], module: torch.nn.Module) -> bool:
    return any(not torch.equal(b, p) for b, p in zip(before, module.parameters()))


def test_each_step_updates_only_its_own_network():
    task = gan_session().task
    task.begin_epoch(torch.Generator().manual_seed(0))
    g0, d0 = params_of(task.generator), params_of(task.discriminator)
    task.d_step()
    assert changed(d0, task.discriminator)
    assert not changed(g0, task.generator)
    g1, d1 = params_of(task.generator), params_of(task.discriminator)
    task.g_step()
    assert changed(g1, task.generator)
    assert not changed(d1, task.discriminator)


@pytest.mark.parametrize("d_steps,g_steps", [(1, 1), (3, 2)])
def test_one_iteration_runs_d_steps_then_g_steps(d_steps, g_steps, monkeypatch):
    task = gan_session(d_steps=d_steps, g_steps=g_steps).task
    calls = []
    real_d, real_g = task.d_step, task.g_step
    monkeypatch.setattr(task, "d_step", lambda: calls.append("d") or real_d())
    monkeypatch.setattr(task, "g_step", lambda: calls.append("g") or real_g())
    task.begin_epoch(torch.Generator().manual_seed(0))
    task.train_step()
    assert calls == ["d"] * d_steps + ["g"] * g_steps
    assert task.steps_per_epoch() == -(-7 // d_steps)  # 200 samples / batch 32 = 7 batches


def test_generator_loss_is_non_saturating_by_default_and_minimax_on_request():
    for g_loss in ("non_saturating", "minimax"):
        task = gan_session(g_loss=g_loss).task
        state = task._noise_gen.get_state()
        with torch.no_grad():
            d = task.discriminator(task.generator(task.sample_noise(32)))
        expected = -torch.log(d).mean() if g_loss == "non_saturating" \
            else torch.log(1 - d).mean()
        task._noise_gen.set_state(state)
        assert float(task.g_step()) == pytest.approx(float(expected), rel=1e-5)


def test_discriminator_loss_is_the_mean_of_real_and_fake_bce():
    task = gan_session().task
    task.begin_epoch(torch.Generator().manual_seed(0))
    state, batch_state = task._noise_gen.get_state(), task.batches._i
    (real,) = task.batches.next()
    with torch.no_grad():
        fake = task.generator(task.sample_noise(len(real)))
        expected = -0.5 * (torch.log(task.discriminator(real)).mean()
                           + torch.log(1 - task.discriminator(fake)).mean())
    task._noise_gen.set_state(state)
    task.batches._i = batch_state
    assert float(task.d_step()) == pytest.approx(float(expected), rel=1e-5)


def test_logit_discriminator_uses_bce_with_logits():
    graphs = {"generator": generator(), "discriminator": discriminator(activation="identity")}
    session = gan_session(graphs)
    assert not session.task._probabilities
    session.trainer.run()
    metrics = session.trainer.metrics
    assert 0.0 <= metrics["train_d_accuracy"] <= 1.0
    assert 0.0 <= metrics["train_d_real"] <= 1.0  # reported as a probability
    assert session.task.discriminate(np.zeros((3, 1), np.float32)).shape == (3,)


def test_fixed_noise_samples_are_repeatable():
    first = gan_session(samples=16)
    task = first.task
    a, b = task.generate(), task.generate()
    assert a.shape == (16, 1) and np.array_equal(a, b)
    assert np.array_equal(task.fixed_noise(), task.fixed_noise())
    assert task.fixed_noise(5).shape == (5, 3) and task.latent_dim == 3
    assert np.array_equal(task.generate(task.fixed_noise()), a)
    again = gan_session(samples=16).task  # same project and seed: same noise, same weights
    assert np.array_equal(again.generate(), a)
    first.trainer.run()
    assert np.array_equal(task.fixed_noise(), again.fixed_noise())
    assert not np.array_equal(task.generate(), a)  # only the generator changed


def test_noise_distributions():
    uniform = gan_session(noise="uniform", noise_range=[0.0, 1.0]).task.sample_noise(2000)
    assert float(uniform.min()) >= 0.0 and float(uniform.max()) <= 1.0
    assert float(uniform.mean()) == pytest.approx(0.5, abs=0.03)
    normal = gan_session().task.sample_noise(2000)
    assert float(normal.mean()) == pytest.approx(0.0, abs=0.05)
    assert float(normal.std()) == pytest.approx(1.0, abs=0.05)


def test_metrics_for_one_dimensional_data():
    session = gan_session()
    session.trainer.run()
    m = {**session.trainer.metrics, **session.task.final_metrics()}
    for key in ("train_d_loss", "train_g_loss", "train_d_accuracy", "train_gen_mean",
                "train_gen_std", "train_batch_d_accuracy", "peak_batch_d_accuracy"):
        assert key in m and np.isfinite(m[key]), key
    fakes = session.task.generate(session.task._eval_noise.numpy())
    assert m["train_gen_mean"] == pytest.approx(float(fakes.mean()), abs=1e-5)


def test_each_networks_batch_loss_is_its_epoch_mean_in_the_history(monkeypatch):
    session = gan_session()
    task = session.task
    losses: dict[str, list[float]] = {"d": [], "g": []}
    d_step, g_step = task.d_step, task.g_step
    monkeypatch.setattr(task, "d_step", lambda: _kept(losses["d"], d_step()))
    monkeypatch.setattr(task, "g_step", lambda: _kept(losses["g"], g_step()))
    session.trainer.run(1)
    steps = task.steps_per_epoch()
    assert len(losses["d"]) == len(losses["g"]) == steps
    history = session.trainer.history.arrays()
    for key, which in (("train_batch_d_loss", "d"), ("train_batch_g_loss", "g")):
        epochs, values = history[key]
        assert list(epochs) == [1]
        assert values[-1] == pytest.approx(np.mean(losses[which]), rel=1e-5)
    # D's batch loss is what the trainer's own loss curve averages too.
    assert history["loss"][1][-1] == pytest.approx(np.mean(losses["d"]), rel=1e-5)
    assert history["train_batch_d_loss"][1][-1] != history["train_batch_g_loss"][1][-1]


def _kept(store: list, loss: torch.Tensor) -> torch.Tensor:
    store.append(float(loss))
    return loss


def test_separate_optimizers_default_to_the_training_optimizer():
    task = gan_session().task
    assert [type(o).__name__ for o in task.optimizers] == ["Adam", "Adam"]
    assert task.d_optimizer.param_groups[0]["lr"] == 0.01
    sgd = {"type": "sgd", "params": {"lr": 0.05}}
    task = gan_session(d_optimizer=sgd).task
    assert type(task.d_optimizer).__name__ == "SGD"
    assert task.d_optimizer.param_groups[0]["lr"] == 0.05
    assert type(task.g_optimizer).__name__ == "Adam"
    d_params = {id(p) for p in task.discriminator.parameters()}
    assert {id(p) for g in task.d_optimizer.param_groups for p in g["params"]} == d_params


def test_live_learning_rate_change_reaches_both_optimizers():
    session = gan_session()
    session.trainer.set_hyper("lr", 0.123)
    session.trainer.run(epochs=1)
    assert [o.param_groups[0]["lr"] for o in session.task.optimizers] == [0.123, 0.123]


@pytest.mark.parametrize("params,where", [
    ({"d_optimizer": {"type": "adam", "params": {"lr": -1}}},
     "task.params.d_optimizer.params.lr"),
    ({"g_optimizer": {"type": "nope"}}, "task.params.g_optimizer.type"),
    ({"g_optimizer": {"type": "sgd", "extra": 1}}, "task.params.g_optimizer"),
    ({"noise_range": [1.0, 0.0]}, "task.params.noise_range"),
    ({"d_steps": 0}, "task.params.d_steps"),
    ({"unknown": 1}, "task.params"),
])
def test_bad_task_params_name_the_field(params, where):
    with pytest.raises(ValidationError) as info:
        project_from_dict(gan_dict(**params))
    assert info.value.where == where


def test_resolved_params_are_explicit_and_round_trip():
    project = project_from_dict(gan_dict(d_optimizer={"type": "adam", "params": {"lr": 0.002}}))
    saved = project.to_dict()["task"]["params"]
    assert saved["d_optimizer"]["params"]["beta2"] == 0.999  # every hyperparameter stored
    assert saved["g_optimizer"] is None
    assert project_from_dict(project.to_dict()).task_params == project.task_params


@pytest.mark.parametrize("missing", ["generator", "discriminator"])
def test_missing_graph_is_a_validation_error_naming_it(missing):
    graphs = {"generator": generator(), "discriminator": discriminator()}
    del graphs[missing]
    with pytest.raises(ValidationError, match=f"needs a graph called '{missing}'") as info:
        project_from_dict(gan_dict(graphs))
    assert info.value.where == "graphs"


def test_cli_exits_2_with_one_line_for_a_gan_without_discriminator(tmp_path, capsys):
    raw = gan_dict({"generator": generator()})
    path = tmp_path / "gan.json"
    path.write_text(json.dumps(raw))
    assert main(["run", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "task 'gan' needs a graph called 'discriminator'" in err[0]


def test_generator_input_needs_a_shape():
    g = generator()
    g["nodes"][0]["params"] = {}
    with pytest.raises(GraphError) as info:
        gan_session({"generator": g, "discriminator": discriminator()})
    assert info.value.node == "z" and "noise size" in info.value.fix


def test_generator_output_must_match_the_data():
    with pytest.raises(TrainingError, match=r"like the data \(N, 1\) but gives \(N, 2\)"):
        gan_session({"generator": generator(out=2), "discriminator": discriminator()})


def test_discriminator_must_output_one_value():
    with pytest.raises(TrainingError, match=r"one value per sample \(N, 1\) but gives \(N, 2\)"):
        gan_session({"generator": generator(), "discriminator": discriminator(out=2)})


def test_state_dict_round_trip_restores_both_networks():
    session = gan_session()
    task = session.task
    state = task.state_dict()
    before = task.generate()
    session.trainer.run()
    task.load_state_dict(state)
    assert np.array_equal(task.generate(), before)
