"""The Predict page's pieces: examples, sentence box, results table, one sentence up close."""

import pandas as pd
import streamlit as st

from lstm_core.errors import StudioError
from lstm_core.figures.tokens import importance_html, trajectory_figure
from lstm_core.inspect.examples import example_sentences
from lstm_core.inspect.run import FLAG_MEANINGS
from pages.components.shared_figures import shared_figure
from pages.components.timelapse_view import snapshots, timelapse_chart

MAX_SENTENCES = 200


def _use_example(sentence: str) -> None:
    st.session_state["sentences"] = sentence
    st.query_params["text"] = sentence


def example_buttons(container, run) -> None:
    """One click fills the box with a sentence that shows negation, contrast or long range."""
    examples = example_sentences(run.language)
    container.caption("Try an example:")
    columns = container.columns(len(examples))
    for column, (name, sentence) in zip(columns, examples.items(), strict=True):
        column.button(name, help=sentence, on_click=_use_example, args=(sentence,),
                      key=f"example-{name}", width="stretch")


def sentence_input(container) -> list[str]:
    """Sentences, one per line; the box's text is kept in the ``text`` query parameter."""
    if "sentences" not in st.session_state:
        st.session_state["sentences"] = st.query_params.get("text", "")
    text = container.text_area("Sentences, one per line", key="sentences", height=120,
                               placeholder="the food was not good")
    if text:
        st.query_params["text"] = text
    elif "text" in st.query_params:
        del st.query_params["text"]
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) > MAX_SENTENCES:
        container.warning(f"Showing the first {MAX_SENTENCES} sentences; score a file below "
                          "for more.")
    return lines[:MAX_SENTENCES]


def show_predictions(container, run, sentences: list[str]) -> str:
    """The verdict table; returns the sentence chosen for the close-up."""
    results = run.predict(sentences)
    baseline = run.predict_baseline(sentences) if run.baseline is not None else [None] * len(
        sentences)
    table = pd.DataFrame({
        "text": sentences,
        "label": [r.label for r in results],
        "confidence": [max(r.probabilities.values()) for r in results],
        **{f"p({label})": [r.probabilities[label] for r in results] for label in run.labels},
        "bag-of-words says": baseline,
        "note": [FLAG_MEANINGS.get(r.flag, "") for r in results],
    })
    columns = {f"p({label})": st.column_config.ProgressColumn(
        f"p({label})", min_value=0.0, max_value=1.0, format="%.3f") for label in run.labels}
    columns["confidence"] = st.column_config.NumberColumn(format="percent")
    container.dataframe(table, hide_index=True, width="stretch", column_config=columns)
    if len(sentences) == 1:
        return sentences[0]
    return container.selectbox("Look closer at", sentences, key="closer")


def show_sentence(container, run, sentence: str) -> None:
    """Tokens coloured by importance, and the probability after each token."""
    importance = run.importance(sentence)
    if not importance.tokens:
        container.info("This sentence has no tokens left after preprocessing.")
        return
    container.markdown("**Which words decided it** (red pushes towards the verdict, blue "
                       "against; removing a word and re-predicting):")
    container.markdown(importance_html(importance), unsafe_allow_html=True)
    figure = shared_figure(run, ("trajectory", sentence),
                           lambda: trajectory_figure(run.trajectory(sentence)))
    container.plotly_chart(figure, key="trajectory")
    show_training(container, run, sentence)


def show_training(container, run, sentence: str) -> None:
    """The same sentence at every snapshot of training, to play through: how the run learned
    to read it. Runs with fewer than two snapshots have nothing to play."""
    if len(snapshots(run.path)) < 2:
        return
    timelapse_chart(container, run.path, sentence, start=run.snapshot, key="trajectory-training")


def score_file(container, run) -> None:
    """Upload a file, score every text, download the result as CSV.

    The scores go in new columns, named as the CLI's ``score`` names them; a file that already
    has one of those columns is refused, so no column of the user's is overwritten.
    """
    from lstm_core.data.examples import suggest_columns
    from lstm_core.data.read import read_table
    from lstm_core.inspect.scoring import score_columns, score_frame

    upload = container.file_uploader("A file of texts (CSV, TSV, JSON, Excel, Parquet)",
                                     key="score-upload")
    if upload is None:
        return
    try:
        table = read_table(upload.getvalue(), name=upload.name)
        added = score_columns(table.columns, run.labels)
    except StudioError as exc:
        container.error(str(exc))
        return
    guess, _ = suggest_columns(table)
    columns = list(map(str, table.columns))
    text_col = container.selectbox("Text column", columns,
                                   index=columns.index(guess) if guess in columns else 0)
    container.caption(f"Adds the columns {', '.join(added.values())}; the file's own columns "
                      "are kept as they are.")
    if not container.button(f"Score {len(table):,} texts", type="primary"):
        return
    bar = container.progress(0.0, text="Scoring...")
    try:
        scored = score_frame(
            run, table, text_col,
            progress=lambda done, total: bar.progress(done / total, text=f"{done:,}/{total:,}"))
    except StudioError as exc:
        container.error(str(exc))
        return
    container.download_button("Download scored CSV", scored.to_csv(index=False).encode("utf-8"),
                              file_name=f"scored-{upload.name.rsplit('.', 1)[0]}.csv",
                              mime="text/csv", on_click="ignore", type="primary")
