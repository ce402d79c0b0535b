"""The language_model task: targets, loss and perplexity against hand-written PyTorch,
baselines, the look-ahead checks, decoding and attention maps."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from playground.data.text import GENERATED_VOCAB, decode
from playground.errors import GraphError
from playground.probes import attach_probes
from playground.run.session import build_session
from playground.tasks.base import evaluating
from tests.core.text_projects import (
    VOCAB,
    chain,
    lstm_last,
    text_project,
    text_session,
    transformer,
)


@pytest.fixture(scope="module")
def trained():
    """A one-block causal transformer trained for a few epochs (shared: read-only tests)."""
    session = text_session(transformer(dim=32, heads=2), window=16, epochs=6, lr=0.01,
                           data={"corpus_chars": 6000})
    session.trainer.run()
    return session


def test_every_position_predicts_the_next_character():
    session = text_session(transformer())
    task, ds = session.task, session.dataset
    assert task.every and task.window == 12
    x, y = task.splits["train"]
    assert y.shape == x.shape
    # target t is input t + 1, and the last target is the dataset's next character
    assert torch.equal(y[:, :-1], x[:, 1:].long())
    assert np.array_equal(y[:, -1].numpy(), ds.train.y)


def test_loss_and_perplexity_are_mean_cross_entropy_per_character():
    session = text_session(transformer())
    task = session.task
    metrics = task.evaluate()
    x, y = task.splits["train"]
    with evaluating(task.model):
        logits = task.model(x)  # (N, T, V)
    expected = F.cross_entropy(logits.reshape(-1, VOCAB), y.reshape(-1))
    assert metrics["train_loss"] == pytest.approx(float(expected), rel=1e-5)
    assert metrics["train_perplexity"] == pytest.approx(math.exp(float(expected)), rel=1e-5)
    accuracy = (logits.argmax(-1) == y).float().mean()
    assert metrics["train_accuracy"] == pytest.approx(float(accuracy))
    # untrained: about as unsure as a uniform guess over the vocabulary
    assert 0.5 * VOCAB < metrics["train_perplexity"] < 2 * VOCAB


def test_baselines_are_add_one_unigram_and_bigram_perplexities():
    session = text_session(lstm_last())
    task = session.task
    x, y = (t.numpy() for t in task.splits["train"])
    prev, nxt = x[:, -1].astype(int), y
    counts = np.ones((VOCAB, VOCAB))
    for a, b in zip(prev, nxt):
        counts[a, b] += 1
    bigram = counts / counts.sum(axis=1, keepdims=True)
    expected = math.exp(-np.mean([math.log(bigram[a, b]) for a, b in zip(prev, nxt)]))
    assert task.baselines["train_bigram_perplexity"] == pytest.approx(expected)
    unigram = (np.bincount(nxt, minlength=VOCAB) + 1) / (len(nxt) + VOCAB)
    expected = math.exp(-np.mean(np.log(unigram[nxt])))
    assert task.baselines["train_unigram_perplexity"] == pytest.approx(expected)


def test_training_beats_the_bigram_baseline(trained):
    metrics = trained.trainer.metrics
    assert metrics["test_perplexity"] < metrics["test_bigram_perplexity"]
    assert metrics["test_perplexity"] < metrics["test_unigram_perplexity"]


def test_attention_that_sees_the_future_is_refused_naming_the_node():
    with pytest.raises(GraphError, match="node 'block1'.*switch on 'causal'"):
        text_session(transformer(causal=False))


def test_a_bidirectional_layer_is_refused_for_every_position():
    graph = chain(("embed", "embedding", {"vocab_size": VOCAB, "dim": 8}),
                  ("rnn", "gru", {"hidden_size": 8, "return": "sequences", "bidirectional": True}),
                  ("head", "dense", {"units": VOCAB}))
    with pytest.raises(GraphError, match="node 'rnn'.*bidirectional"):
        text_session(graph)


def test_a_network_mixing_all_steps_is_caught_numerically():
    window = 6
    graph = chain(("embed", "embedding", {"vocab_size": VOCAB, "dim": 4}),
                  ("flat", "flatten", {}),
                  ("mix", "dense", {"units": window * VOCAB}),
                  ("shape", "reshape", {"shape": [window, VOCAB]}))
    with pytest.raises(GraphError, match="node 'next'.*looks ahead"):
        text_session(graph, window=window)


def test_a_wrong_output_width_names_the_output_node_and_the_fix():
    graph = chain(("embed", "embedding", {"vocab_size": VOCAB, "dim": 8}),
                  ("lstm", "lstm", {"hidden_size": 8}), ("head", "dense", {"units": 5}))
    with pytest.raises(GraphError, match=f"node 'next': the text has {VOCAB} different "
                                         f"characters but the network predicts 5; give the "
                                         f"last Dense {VOCAB} units"):
        text_session(graph)


def test_an_embedding_too_small_for_the_vocabulary_is_named():
    graph = chain(("embed", "embedding", {"vocab_size": 10, "dim": 8}),
                  ("lstm", "lstm", {"hidden_size": 8}), ("head", "dense", {"units": VOCAB}))
    with pytest.raises(GraphError, match=f"node 'embed'.*set vocab_size to {VOCAB}"):
        text_session(graph)


def test_other_datasets_are_refused():
    from playground.errors import TrainingError
    from playground.run.session import build_session
    from tests.helpers import make_project

    project = make_project(task={"type": "language_model", "params": {}})
    with pytest.raises(TrainingError, match="data.type: the language model needs a text"):
        build_session(project)


# -- decoding -----------------------------------------------------------------------------------

def _greedy_by_hand(task, prompt: str, length: int) -> str:
    ids = task.encode_prompt(prompt)
    for _ in range(length):
        x = torch.tensor([ids[-task.window:]], dtype=torch.float32)
        with evaluating(task.model):
            out = task.model(x)
        ids.append(int(out[0, -1].argmax()) if task.every else int(out[0].argmax()))
    return decode(ids, task.vocab)[len(prompt):]


def test_greedy_decoding_takes_the_most_probable_character_each_time(trained):
    task = trained.task
    result = task.complete("the cat ", 30, "greedy")
    assert result["text"] == _greedy_by_hand(task, "the cat ", 30)
    # the prompt grows past the window: only the last window of characters is read
    assert len(result["text"]) == 30 and task.window == 16


def test_log_likelihood_is_the_sum_of_the_chosen_characters_log_probabilities(trained):
    task = trained.task
    for method in ("greedy", "sample", "beam"):
        result = task.complete("a ", 12, method, temperature=0.7, width=3)
        ids, total = task.encode_prompt("a "), 0.0
        for token in task.encode_prompt(result["text"]):
            total += float(task.next_log_probs([ids])[0, token])
            ids.append(token)
        assert result["log_likelihood"] == pytest.approx(total, abs=1e-6), method


def test_sampling_is_repeatable_and_top_one_or_cold_is_greedy(trained):
    task = trained.task
    greedy = task.complete("the ", 25, "greedy")["text"]
    assert task.complete("the ", 25, "sample", top_k=1, seed=5)["text"] == greedy
    assert task.complete("the ", 25, "sample", temperature=1e-4, seed=5)["text"] == greedy
    first = task.complete("the ", 25, "sample", temperature=1.5, seed=3)["text"]
    assert task.complete("the ", 25, "sample", temperature=1.5, seed=3)["text"] == first


def test_beam_search_keeps_width_paths_best_first_and_width_one_is_greedy(trained):
    task = trained.task
    result = task.complete("the ", 15, "beam", width=4)
    scores = [score for _, score in result["beams"]]
    assert len(scores) == 4 and scores == sorted(scores, reverse=True)
    assert len({text for text, _ in result["beams"]}) == 4
    assert result["beams"][0][1] >= task.complete("the ", 15, "greedy")["log_likelihood"] - 1e-9
    assert task.complete("the ", 15, "beam", width=1)["text"] == \
        task.complete("the ", 15, "greedy")["text"]


def test_a_prompt_character_outside_the_vocabulary_is_named(trained):
    with pytest.raises(ValueError, match="'Q' is not in the text's vocabulary"):
        trained.task.complete("the Q", 5)


def test_a_model_that_needs_whole_windows_gets_the_prompt_padded_on_the_left():
    graph = chain(("embed", "embedding", {"vocab_size": VOCAB, "dim": 4}),
                  ("flat", "flatten", {}), ("head", "dense", {"units": VOCAB}))
    task = text_session(graph, window=8).task
    assert not task.variable_length
    x, pad = task._inputs([task.encode_prompt("the")])
    assert x.shape == (1, 8) and pad == 5
    assert x[0, :5].tolist() == [float(task.pad_id)] * 5
    assert len(task.complete("the", 10, "greedy")["text"]) == 10
    assert task.attention("the")["pad"] == 5


def test_an_lstm_reading_the_last_state_generates_from_short_prompts():
    task = text_session(lstm_last()).task
    assert not task.every and task.variable_length
    assert task.sample_before is not None and len(task.sample_before) == 120
    assert len(task.complete("", 7, "greedy")["text"]) == 7
    assert task.attention("abc")["layers"] == {}


# -- attention maps -------------------------------------------------------------------------

def test_attention_maps_are_causal_rows_of_weights_per_layer_and_head():
    session = text_session(transformer(dim=16, heads=4, blocks=2))
    result = session.task.attention("the cat")
    assert list(result["layers"]) == ["block1", "block2"]
    assert result["tokens"] == ["t", "h", "e", "␣", "c", "a", "t"]
    for weights in result["layers"].values():
        assert weights.shape == (4, 7, 7)
        np.testing.assert_allclose(weights.sum(axis=-1), 1.0, rtol=1e-5)
        assert np.all(np.triu(weights, k=1) == 0.0)  # nothing attends to a later step
    assert result["logits"].shape == (VOCAB,)
    np.testing.assert_allclose(np.exp(result["logits"]).sum(), 1.0, rtol=1e-6)
    assert result["vocab"][GENERATED_VOCAB.index(" ")] == "␣"


def test_attention_weights_are_the_first_blocks_softmax_of_scaled_scores():
    session = text_session(transformer(dim=8, heads=2))
    task = session.task
    block = task.compiled["model"].node_module("block1")
    ids = task.encode_prompt("a red")
    x = torch.tensor([ids], dtype=torch.float32)
    with evaluating(task.model):
        h = task.compiled["model"].node_module("pos")(
            task.compiled["model"].node_module("embed")(x))  # (1, 5, 8): the block's input
    q, k, _ = block.attn.in_proj(h).split(8, dim=-1)
    q, k = q.view(5, 2, 4).transpose(0, 1), k.view(5, 2, 4).transpose(0, 1)  # (heads, T, 4)
    scores = q @ k.transpose(-1, -2) / 2.0
    scores = scores.masked_fill(torch.ones(5, 5, dtype=torch.bool).triu(1), float("-inf"))
    np.testing.assert_allclose(task.attention("a red")["layers"]["block1"],
                               scores.softmax(-1).detach().numpy(), rtol=1e-5, atol=1e-6)


def test_probes_hand_the_views_attention_and_text_with_errors_as_one_line(trained):
    runners = attach_probes(trained, ["attention", "generate"])
    attention, generation = runners["attention"], runners["generation"]
    payload = attention(trained.trainer)
    assert payload["prompt"] == "the " and list(payload["layers"]) == ["block1"]
    attention.configure(prompt="Zebra")
    assert attention(trained.trainer)["error"] == \
        f"prompt: 'Z' is not in the text's vocabulary of {VOCAB} characters"
    text = generation(trained.trainer)
    assert text["method"] == "sample" and len(text["text"]) == 120
    assert text["before"] == trained.task.sample_before != text["text"]
    generation.configure(method="beam", width=2, length=10, live=False)
    beams = generation(trained.trainer)
    assert len(beams["beams"]) == 2 and len(beams["text"]) == 10


def test_the_sampler_draws_from_the_training_seed():
    """--seed reaches the sampled texts: the untrained sample and each Generate draw."""
    project = text_project(lstm_last())
    a, b = build_session(project, seed=0).task, build_session(project, seed=1).task
    assert len({a.sampling_seed(0), b.sampling_seed(0), b.sampling_seed(1)}) == 3
    assert a.sample_before != b.sample_before
    assert build_session(project, seed=1).task.sample_before == b.sample_before
