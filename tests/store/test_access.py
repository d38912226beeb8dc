"""Who may change what: no key allows everything; with one, a run's own session or the teacher."""

from lstm_core.store.access import key_matches, may_manage_run, may_teach, owner_tag


def test_without_a_key_everyone_may_teach_and_manage_every_run():
    assert may_teach(None, unlocked=False)
    assert may_manage_run(None, False, run_owner=owner_tag("a"), session_owner=owner_tag("b"))


def test_with_a_key_a_session_manages_its_own_runs_and_the_teacher_all():
    mine, theirs = owner_tag("my token"), owner_tag("their token")
    assert not may_teach("key", unlocked=False) and may_teach("key", unlocked=True)
    assert may_manage_run("key", False, run_owner=mine, session_owner=mine)
    assert not may_manage_run("key", False, run_owner=theirs, session_owner=mine)
    assert not may_manage_run("key", False, run_owner=None, session_owner=mine)  # older runs
    assert may_manage_run("key", True, run_owner=theirs, session_owner=mine)


def test_the_owner_tag_hides_the_token_and_the_key_must_match_exactly():
    assert "my token" not in owner_tag("my token") and owner_tag("a") != owner_tag("b")
    assert key_matches("s3cret", "s3cret") and not key_matches("s3cret ", "s3cret")
