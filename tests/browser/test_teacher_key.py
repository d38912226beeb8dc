"""The teacher's key in a real browser: a student cannot delete another's run, the teacher can.

A server of its own, started with the key set, so the other browser tests keep a keyless one.
"""

from __future__ import annotations

import pytest

pytest.importorskip("playwright")
from playwright.sync_api import expect  # noqa: E402

from lstm_core.settings import TEACHER_KEY  # noqa: E402
from lstm_core.store import runs  # noqa: E402
from lstm_core.store.access import owner_tag  # noqa: E402
from tests.app_server import start_app_server  # noqa: E402

pytestmark = pytest.mark.browser
KEY = "s3cret-for-the-class"
RUN_ID = "20990101-000000-another-student"


@pytest.fixture(scope="module")
def keyed(tmp_path_factory):
    """A server with a teacher's key and one finished run that another session started."""
    from lstm_core.training.train import create_run
    from tests.helpers import demo_examples, tiny_config

    root = tmp_path_factory.mktemp("keyed-runs")
    run_dir = create_run(tiny_config(), demo_examples(100), run_dir=root / RUN_ID,
                         author="Bo", owner=owner_tag("another browser"))
    runs.write_status(run_dir, status="finished")
    try:
        server = start_app_server(root, root.parent / "keyed.log", env={TEACHER_KEY.name: KEY})
    except RuntimeError as exc:
        pytest.fail(str(exc))
    try:
        yield server
    finally:
        server.stop()


def test_a_student_cannot_delete_another_run_until_the_teacher_key_is_given(browser, keyed):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(30_000)
    page = context.new_page()
    try:
        page.goto(f"{keyed.url}/runs?runs={RUN_ID}")
        delete = page.get_by_role("button", name="Delete")
        expect(delete).to_be_disabled()
        page.get_by_label("Teacher's key", exact=True).fill(KEY)
        page.get_by_role("button", name="Unlock").click()
        expect(page.get_by_role("button", name="Lock")).to_be_visible()
        assert KEY not in page.url
        expect(delete).to_be_enabled()
        delete.click()
        page.get_by_role("button", name="Confirm delete").click()
        expect(page.get_by_text("No runs yet")).to_be_visible()
        assert not (keyed.runs / RUN_ID).exists()
        assert KEY not in keyed.log_tail(100_000)
    finally:
        context.close()
