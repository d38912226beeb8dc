"""The study in a search directory: its journal, the pruning step, the seeded sampler."""

import optuna

from lstm_core.config import RunConfig
from lstm_core.search.space import SearchSpace
from lstm_core.search.study import STUDY_FILE, open_study, read_trials, report_epochs


def epochs(*accuracies: float) -> list[dict]:
    return [{"event": "epoch", "epoch": n, "val_accuracy": a, "val_loss": 1 - a}
            for n, a in enumerate(accuracies, start=1)]


def finish(study, trial, curve: list[dict]) -> None:
    assert not report_epochs(trial, curve, set(), last_epoch=len(curve))
    study.tell(trial, max(e["val_accuracy"] for e in curve))


def test_a_trial_worse_than_the_earlier_ones_at_an_epoch_is_pruned_there(tmp_path):
    study = open_study(tmp_path, seed=0, create=True)
    finish(study, study.ask(), epochs(0.70, 0.75, 0.80, 0.82))

    tie, reported = study.ask(), set()
    assert not report_epochs(tie, epochs(0.70, 0.71), reported, last_epoch=4)
    assert reported == {1, 2}

    poor, reported = study.ask(), set()
    # Three epochs seen at once: judged epoch by epoch, so it stops at the first.
    assert report_epochs(poor, epochs(0.50, 0.55, 0.60), reported, last_epoch=4)
    assert reported == {1}
    assert report_epochs(poor, epochs(0.50), reported, last_epoch=4) is False  # nothing new
    stored = {t.number: t.intermediate_values for t in read_trials(tmp_path)}
    assert stored[2] == {1: 0.50}
    assert (tmp_path / STUDY_FILE).is_file()


def test_a_trial_at_its_last_epoch_has_finished_and_is_never_pruned(tmp_path):
    study = open_study(tmp_path, seed=0, create=True)
    finish(study, study.ask(), epochs(0.90))
    assert not report_epochs(study.ask(), epochs(0.40), set(), last_epoch=1)


def test_the_sampler_is_seeded_and_a_resumed_session_proposes_new_settings(tmp_path):
    space = SearchSpace.around(RunConfig())

    def first_two(path):
        path.mkdir()
        study = open_study(path, seed=7, create=True)
        return [space.sample(study.ask()) for _ in range(2)]

    first = first_two(tmp_path / "a")
    assert first_two(tmp_path / "b") == first  # the same search samples the same settings
    for trial in read_trials(tmp_path / "a"):
        open_study(tmp_path / "a", seed=7).tell(trial.number, 0.5)
    resumed = space.sample(open_study(tmp_path / "a", seed=7).ask())
    assert resumed not in first
    assert optuna.__version__ == "5.1.0"  # requirements.txt pins the journal's format
