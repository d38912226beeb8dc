"""load_run and what it answers, on real tiny runs trained once per module."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from lstm_core import load_run
from lstm_core.config import ModelConfig, RunConfig, TextConfig, TrainConfig
from lstm_core.errors import StudioError
from lstm_core.training.train import create_run, train_run
from tests.helpers import demo_examples


def trained(tmp_path_factory, name: str, **model) -> str:
    config = RunConfig(
        text=TextConfig(max_len=40, vocab_size=500),
        model=ModelConfig(**{"embed_dim": 8, "units": 6, **model}),
        train=TrainConfig(epochs=2, batch_size=32, seed=1),
    )
    run_dir = create_run(config, demo_examples(400), run_dir=tmp_path_factory.mktemp(name) / "r")
    train_run(run_dir)
    return str(run_dir)


@pytest.fixture(scope="module")
def lstm_run(tmp_path_factory):
    return load_run(trained(tmp_path_factory, "lstm"))


@pytest.fixture(scope="module")
def bilstm_run(tmp_path_factory):
    return load_run(trained(tmp_path_factory, "bilstm", layers=2, bidirectional=True,
                            pooling="max"))


@pytest.fixture(scope="module")
def gru_run(tmp_path_factory):
    return load_run(trained(tmp_path_factory, "gru", cell="gru"))


TEXTS = ["The food was not good, but the service was great.", "the plot was dull",
         "Honestly, the battery was very disappointing and we talked about the weather."]


def test_predict_gives_a_label_and_a_probability_per_class(lstm_run):
    results = lstm_run.predict(TEXTS)
    assert [r.text for r in results] == TEXTS
    for result in results:
        assert set(result.probabilities) == {"negative", "positive"}
        assert sum(result.probabilities.values()) == pytest.approx(1.0, abs=1e-5)
        assert result.label == max(result.probabilities, key=result.probabilities.get)
        assert result.flag is None
    assert lstm_run.predict("the plot was dull")[0].probabilities == results[1].probabilities


def test_batched_prediction_equals_one_by_one_and_the_models_own_output(lstm_run):
    together = [r.probabilities["positive"] for r in lstm_run.predict(TEXTS)]
    alone = [lstm_run.predict([t])[0].probabilities["positive"] for t in TEXTS]
    np.testing.assert_allclose(together, alone, atol=1e-6)
    _, ids = lstm_run.encode(TEXTS[0])
    keras_out = np.asarray(lstm_run.model(np.array([ids + [0, 0, 0]], dtype="int32")))[0]
    assert together[0] == pytest.approx(float(keras_out[1]), abs=1e-6)


def test_empty_and_unknown_texts_are_flagged_not_refused(lstm_run):
    empty, unknown = lstm_run.predict(["!!! ???", "zzxq qqwv"])
    assert empty.flag == "empty" and empty.tokens == []
    assert unknown.flag == "all_unknown" and unknown.unknown_tokens == 2
    assert sum(unknown.probabilities.values()) == pytest.approx(1.0, abs=1e-5)


def test_long_texts_are_cut_as_in_training(lstm_run):
    tokens, ids = lstm_run.encode(" ".join(f"w{i}" for i in range(100)))
    assert len(tokens) == 40 and tokens[-1] == "w99" and len(ids) == 40


def test_trajectory_ends_at_the_prediction_and_is_exact_for_last_state(lstm_run):
    text = TEXTS[0]
    trajectory = lstm_run.trajectory(text)
    assert trajectory.probabilities.shape == (len(trajectory.tokens), 2)
    final = lstm_run.predict(text)[0].probabilities
    np.testing.assert_allclose(trajectory.probabilities[-1], [final["negative"],
                                                              final["positive"]], atol=1e-6)
    # Exact: the classifier applied to the hidden state after each token.
    hidden = lstm_run.gates(text).layers[0].values["hidden"]
    kernel, bias = lstm_run.model.get_layer("classifier").get_weights()
    logits = hidden @ kernel + bias
    softmax = np.exp(logits - logits.max(1, keepdims=True))
    softmax /= softmax.sum(1, keepdims=True)
    np.testing.assert_allclose(trajectory.probabilities, softmax, atol=1e-5)
    assert "hidden state after each token" in trajectory.meaning


def test_trajectory_of_a_max_pooled_bidirectional_run_says_what_it_means(bilstm_run):
    trajectory = bilstm_run.trajectory("the service was great")
    assert "verdict on the text cut after each token" in trajectory.meaning
    assert trajectory.probabilities.shape == (4, 2)


def test_importance_is_the_drop_when_a_token_is_removed(lstm_run):
    importance = lstm_run.importance("the food was not good")
    assert importance.tokens == ["the", "food", "was", "not", "good"]
    label = importance.label
    without_not = lstm_run.predict("the food was good")[0].probabilities[label]
    assert importance.scores[3] == pytest.approx(importance.probability - without_not, abs=1e-6)


def test_gates_json_has_every_gate_per_token_for_each_layer_and_direction(bilstm_run):
    trace = bilstm_run.gates("the food was not good")
    data = json.loads(json.dumps(trace.to_dict()))
    assert data["tokens"] == ["the", "food", "was", "not", "good"]
    assert len(data["token_ids"]) == 5
    assert [(d["layer"], d["direction"]) for d in data["layers"]] == [
        ("recurrent_1", "forward"), ("recurrent_1", "backward"),
        ("recurrent_2", "forward"), ("recurrent_2", "backward")]
    for layer in data["layers"]:
        for gate in ("input_gate", "forget_gate", "candidate", "output_gate", "cell", "hidden"):
            assert np.array(layer[gate]).shape == (5, 6)


def test_gru_runs_show_update_and_reset_gates(gru_run):
    layer = gru_run.gates("the plot was dull").layers[0]
    assert list(layer.values) == ["update_gate", "reset_gate", "candidate", "hidden"]
    stats = gru_run.gate_stats(TEXTS)
    assert set(stats[0]["gates"]) == {"update_gate", "reset_gate"}


def test_gate_stats_are_fractions_per_unit(lstm_run):
    stats = lstm_run.gate_stats(TEXTS)
    assert len(stats) == 1 and stats[0]["tokens"] == sum(len(lstm_run.encode(t)[0])
                                                         for t in TEXTS)
    for gate, sides in stats[0]["gates"].items():
        assert gate in ("input_gate", "forget_gate", "output_gate")
        for side in ("left", "right"):
            assert len(sides[side]) == 6 and all(0 <= f <= 1 for f in sides[side])
        assert all(left + right <= 1 for left, right in zip(sides["left"], sides["right"],
                                                            strict=True))


def test_unit_dictionary_lists_tokens_and_label_correlation_per_unit(lstm_run):
    texts = demo_examples(60)["text"].tolist()
    labels = demo_examples(60)["label"].tolist()
    units = lstm_run.unit_dictionary(texts, labels, top_k=3)
    assert [u["unit"] for u in units] == list(range(6))
    vocabulary = {tok for t in texts for tok in lstm_run.encode(t)[0]}
    for unit in units:
        assert len(unit["top_tokens"]) == 3 and {t for t, _ in unit["top_tokens"]} <= vocabulary
        values = [v for _, v in unit["top_tokens"]]
        assert values == sorted(values, reverse=True)
        for r in unit["correlation"].values():
            assert r is None or -1 <= r <= 1
        assert unit["correlation"]["positive"] == pytest.approx(-unit["correlation"]["negative"])


def test_compare_aligns_tokens_and_leaves_the_inserted_negation_unpaired(lstm_run):
    result = lstm_run.compare("the food was good", "the food was not good")
    assert result["pairs"] == [(0, 0), (1, 1), (2, 2), (None, 3), (3, 4)]
    diff = result["layers"][0]["diff"]
    assert diff["hidden"][3] is None and len(diff["hidden"][4]) == 6
    np.testing.assert_allclose(diff["hidden"][0], 0, atol=1e-7)  # same prefix, same state
    a, b = result["a"].layers[0].values["hidden"], result["b"].layers[0].values["hidden"]
    np.testing.assert_allclose(diff["hidden"][4], b[4] - a[3], atol=1e-7)
    assert result["probability_diff"][3] is None


def test_load_run_refuses_what_is_not_a_finished_run(tmp_path):
    with pytest.raises(StudioError, match="not a run directory"):
        load_run(tmp_path)
    run_dir = create_run(RunConfig(), demo_examples(100), run_dir=tmp_path / "queued")
    with pytest.raises(StudioError, match="no saved model yet"):
        load_run(run_dir)


def test_sample_texts_come_from_the_held_out_split_and_rank_units(lstm_run):
    from lstm_core.inspect.gates import most_active_units, most_correlated_units

    texts, labels = lstm_run.sample_texts(10)
    assert len(texts) == len(labels) == 10
    assert lstm_run.sample_texts(10) == (texts, labels)
    trace = lstm_run.gates(texts[0]).layers[0]
    active = most_active_units(trace, 3)
    means = np.abs(trace.values["hidden"]).mean(axis=0)
    assert list(active) == list(np.argsort(-means)[:3])
    units = lstm_run.unit_dictionary(texts, labels)
    ranked = most_correlated_units(units, "positive", 6)
    strengths = [abs(units[u]["correlation"]["positive"] or 0) for u in ranked]
    assert strengths == sorted(strengths, reverse=True)


LEGACY_RUNS = Path(__file__).parents[1] / "fixtures" / "runs_v1"


@pytest.mark.parametrize(("name", "language"), [("demo-en-lstm", "en"), ("demo-zh-bigru", "zh")])
def test_a_runs_language_comes_from_its_demo_source_else_from_its_vocabulary(tmp_path, name,
                                                                               language):
    run_dir = tmp_path / name
    shutil.copytree(LEGACY_RUNS / name, run_dir)
    assert load_run(run_dir).language == language
    config = json.loads((run_dir / "config.json").read_text(encoding="utf-8"))
    assert config["data"]["source"] == f"demo-{language}"
    # An uploaded file says nothing of its language: the most frequent tokens tell it.
    config["data"]["source"] = "uploads/reviews.csv"
    (run_dir / "config.json").write_text(json.dumps(config), encoding="utf-8")
    assert load_run(run_dir).language == language


# ---- the run as it learned ------------------------------------------------------------------


def restored(run, snapshot: dict):
    """The run loaded afresh, its model given a snapshot file's weights by hand."""
    from lstm_core.store.snapshots import read_snapshot, snapshot_file

    fresh = load_run(run.path)
    fresh.model.set_weights(read_snapshot(snapshot_file(run.path, snapshot["step"])))
    return fresh


def test_snapshots_run_from_the_initial_weights_through_the_first_epoch_to_the_last(lstm_run):
    from lstm_core.store.events import read_events
    from lstm_core.store.runs import read_status

    snapshots = lstm_run.snapshots()
    epochs = [s["epoch"] for s in snapshots]
    assert [s["index"] for s in snapshots] == list(range(len(snapshots)))
    assert epochs[0] == 0.0 and epochs[-2:] == [1.0, 2.0]
    assert len([e for e in epochs if 0 < e < 1]) >= 2 and epochs == sorted(epochs)
    assert all(isinstance(e, float) for e in epochs)
    steps_per_epoch = snapshots[-1]["step"] // 2
    assert [s["step"] / steps_per_epoch for s in snapshots] == epochs
    logged = [e for e in read_events(lstm_run.path) if e["event"] == "epoch"]
    assert [(s["loss"], s["val_loss"]) for s in snapshots[-2:]] == \
        [(e["loss"], e["val_loss"]) for e in logged]
    assert [s["epoch"] for s in snapshots if s["best"]] == \
        [float(read_status(lstm_run.path)["best_epoch"])]
    assert json.loads(json.dumps(snapshots)) == snapshots


@pytest.mark.parametrize("pick", [0, 1, -1])
def test_at_epoch_answers_exactly_as_a_model_restored_from_that_snapshot(lstm_run, pick):
    snapshot = lstm_run.snapshots()[pick]
    then = lstm_run.at_epoch(snapshot["epoch"])
    assert then.epoch == snapshot["epoch"] and lstm_run.epoch is None
    by_hand = restored(lstm_run, snapshot)
    for now, saved in zip(then.model.get_weights(), by_hand.model.get_weights(), strict=True):
        np.testing.assert_array_equal(now, saved)
    assert [p.probabilities for p in then.predict(TEXTS)] == \
        [p.probabilities for p in by_hand.predict(TEXTS)]
    np.testing.assert_array_equal(then.gates(TEXTS[1]).layers[0].values["forget_gate"],
                                  by_hand.gates(TEXTS[1]).layers[0].values["forget_gate"])
    assert then.vocab is lstm_run.vocab and then.config == lstm_run.config


def test_a_point_between_snapshots_is_the_last_one_before_it(lstm_run):
    snapshots = lstm_run.snapshots()
    middle = (snapshots[-2]["epoch"] + snapshots[-1]["epoch"]) / 2
    assert lstm_run.at_epoch(middle).snapshot.step == snapshots[-2]["step"]
    assert lstm_run.at_epoch(0).snapshot.step == 0


def test_the_best_epochs_snapshot_is_the_saved_model(lstm_run):
    best = next(s["epoch"] for s in lstm_run.snapshots() if s["best"])
    then = lstm_run.at_epoch(best)
    assert [p.probabilities for p in then.predict(TEXTS)] == \
        [p.probabilities for p in lstm_run.predict(TEXTS)]
    initial = lstm_run.at_epoch(0)
    assert initial.predict(TEXTS[0])[0].probabilities != \
        lstm_run.predict(TEXTS[0])[0].probabilities


def test_an_earlier_point_looks_inside_a_deep_model_too(bilstm_run):
    # Two bidirectional layers and max pooling, cloned and given the first epoch's weights.
    early, late = bilstm_run.at_epoch(1).gates("the food was not good"), \
        bilstm_run.gates("the food was not good")
    assert [(t.layer, t.direction) for t in early.layers] == \
        [(t.layer, t.direction) for t in late.layers]
    assert not np.allclose(early.layers[0].values["hidden"], late.layers[0].values["hidden"])


def test_through_training_gives_each_snapshots_own_answers(lstm_run):
    text = TEXTS[0]
    seen = [(snapshot.step, run.trajectory(text).probabilities)
            for snapshot, run in lstm_run.through_training()]
    assert [step for step, _ in seen] == [s["step"] for s in lstm_run.snapshots()]
    for step, probabilities in seen[::2]:
        epoch = next(s["epoch"] for s in lstm_run.snapshots() if s["step"] == step)
        np.testing.assert_array_equal(probabilities,
                                      lstm_run.at_epoch(epoch).trajectory(text).probabilities)
    assert not np.array_equal(seen[0][1], seen[-1][1])


def test_only_a_run_at_a_snapshot_moves_to_another(lstm_run):
    first, last = lstm_run.snapshots()[0], lstm_run.snapshots()[-1]
    with pytest.raises(StudioError, match="not on the run's best model"):
        lstm_run.move_to(lstm_run.at_epoch(last["epoch"]).snapshot)
    moving = lstm_run.at_epoch(first["epoch"])
    moving.move_to(lstm_run.at_epoch(last["epoch"]).snapshot)
    assert moving.epoch == last["epoch"]
    assert [p.probabilities for p in moving.predict(TEXTS)] == \
        [p.probabilities for p in lstm_run.at_epoch(last["epoch"]).predict(TEXTS)]


@pytest.mark.parametrize("epoch", [-0.1, 2.5, 30])
def test_a_point_outside_the_run_is_refused_naming_the_range(lstm_run, epoch):
    with pytest.raises(StudioError, match=r"no weights at epoch .*; it has epochs 0 to 2\."):
        lstm_run.at_epoch(epoch)


def test_a_damaged_snapshot_is_refused_with_the_reason(lstm_run, tmp_path):
    from lstm_core.store.snapshots import snapshot_file

    run_dir = tmp_path / "copy"
    shutil.copytree(lstm_run.path, run_dir)
    last = lstm_run.snapshots()[-1]
    path = snapshot_file(run_dir, last["step"])
    with np.load(path) as saved:
        arrays = {name: saved[name] for name in saved.files}
    np.savez(path, **{name: value for name, value in arrays.items() if name != "weight_1"})
    with pytest.raises(StudioError, match="snapshot at epoch 2 .* cannot be read"):
        load_run(run_dir).at_epoch(2)


def test_a_timelapse_reads_the_text_at_every_snapshot_as_that_snapshot_would(lstm_run):
    from lstm_core.inspect.timelapse import timelapse

    text = "the food was not good"
    frames = timelapse(lstm_run, text)
    assert [f.snapshot.step for f in frames] == [s["step"] for s in lstm_run.snapshots()]
    for frame in frames[::2]:
        then = lstm_run.at_epoch(frame.snapshot.epoch)
        np.testing.assert_array_equal(frame.trajectory.probabilities,
                                      then.trajectory(text).probabilities)
        np.testing.assert_array_equal(frame.gates.layers[0].values["forget_gate"],
                                      then.gates(text).layers[0].values["forget_gate"])
        assert frame.verdict == then.predict(text)[0].label


def test_when_learned_is_the_first_snapshot_answering_each_example_right(lstm_run):
    from lstm_core.inspect.examples import EXAMPLE_VERDICTS, example_sentences
    from lstm_core.inspect.timelapse import when_learned

    rows = when_learned(lstm_run)
    assert [row.name for row in rows] == ["negation", "double negation", "contrast",
                                          "long range"]
    examples = example_sentences("en")
    answers = {s["epoch"]: {p.text: p.label for p in
                            lstm_run.at_epoch(s["epoch"]).predict(list(examples.values()))}
               for s in lstm_run.snapshots()}
    for row in rows:
        assert row.text == examples[row.name] and row.expected == EXAMPLE_VERDICTS["en"][row.name]
        right = [epoch for epoch, said in answers.items() if said[row.text] == row.expected]
        assert row.first_epoch == (right[0] if right else None)
        assert row.right_at_the_end == (max(answers) in right)


def test_a_run_at_a_snapshot_needs_no_saved_model(lstm_run, tmp_path):
    from lstm_core.inspect.run import load_snapshot

    run_dir = tmp_path / "training"
    shutil.copytree(lstm_run.path, run_dir)
    (run_dir / "model.keras").unlink()  # as in the first epoch of a run still training
    snapshot = lstm_run.snapshots()[1]
    early = load_snapshot(run_dir, snapshot["epoch"])
    assert early.snapshot.step == snapshot["step"]
    assert [p.probabilities for p in early.predict(TEXTS)] == \
        [p.probabilities for p in lstm_run.at_epoch(snapshot["epoch"]).predict(TEXTS)]
    with pytest.raises(StudioError, match="no weights at epoch 3"):
        load_snapshot(run_dir, 3)
