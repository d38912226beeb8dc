"""The runs table: status, data, model and scores, newest first."""

import pandas as pd
import streamlit as st

from lstm_core.store.runs import RunSummary
from lstm_core.store.testset import short

STATUS_ICONS = {"queued": "⏳", "running": "🏃", "finished": "✅", "stopped": "⏹",
                "failed": "❌", "interrupted": "⚠️", "broken": "🧩"}


def run_rows(summaries: list[RunSummary]) -> pd.DataFrame:
    return pd.DataFrame([{
        "run": s.run_id,
        "status": f"{STATUS_ICONS.get(s.status, '')} {s.status}",
        "created": s.created.replace("T", " ")[:19],
        "data": s.source,
        "cell": s.cell,
        "epochs": s.epochs_done,
        "val acc": s.val_accuracy,
        "test acc": s.test_accuracy,
        "bag-of-words": s.baseline_accuracy,
        "test set": short(s.test_set),
        "author": s.author or "",
        "device": s.device,
        "message": s.message,
    } for s in summaries])


def show_run_table(container, summaries: list[RunSummary]) -> None:
    if not summaries:
        container.info("No runs yet: train the demo model above, or start on the Data page.")
        return
    active = [s for s in summaries if s.status in ("queued", "running")]
    for summary in active:
        container.page_link("pages/train.py", label=f"Watch {summary.run_id} ({summary.status})",
                            icon="🏃", query_params={"run": summary.run_id})
    container.dataframe(
        run_rows(summaries), hide_index=True, width="stretch",
        column_config={
            name: st.column_config.NumberColumn(format="percent")
            for name in ("val acc", "test acc", "bag-of-words")
        },
    )
