import json

from lstm_core.store.events import events_frame, mean_samples_per_s, read_events


def test_a_half_written_last_line_is_skipped(tmp_path):
    lines = [
        {"event": "start", "epochs": 2},
        {"event": "batch", "epoch": 1, "batch": 5, "loss": 0.7},
        {"event": "epoch", "epoch": 1, "loss": 0.6, "samples_per_s": 100.0},
        {"event": "epoch", "epoch": 2, "loss": 0.5, "samples_per_s": 200.0},
    ]
    text = "".join(json.dumps(e) + "\n" for e in lines) + '{"event": "batch", "lo'
    (tmp_path / "events.jsonl").write_text(text)
    events = read_events(tmp_path)
    assert events == lines
    assert list(events_frame(events, "epoch")["loss"]) == [0.6, 0.5]
    assert mean_samples_per_s(events) == 150.0


def test_no_file_yet_means_no_events(tmp_path):
    assert read_events(tmp_path) == [] and mean_samples_per_s([]) is None
