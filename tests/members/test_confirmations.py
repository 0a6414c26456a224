"""Pending deletions: one-time codes that expire and are dropped."""

from bot.members.confirmations import CONFIRM_SECONDS, ConfirmationKind, Confirmations


def test_a_code_finds_its_deletion_until_it_expires():
    pending = Confirmations()
    code = pending.ask(ConfirmationKind.RESET, 1, "lantern", now=100.0)
    found = pending.find(code, now=100.0 + CONFIRM_SECONDS)
    assert found is not None and (found.kind, found.user_id, found.story_id) == (
        ConfirmationKind.RESET, 1, "lantern")
    assert pending.find(code, now=101.0 + CONFIRM_SECONDS) is None
    assert len(pending) == 0


def test_codes_are_one_time_and_unknown_codes_find_nothing():
    pending = Confirmations()
    first = pending.ask(ConfirmationKind.FORGET, 1, None, now=0.0)
    second = pending.ask(ConfirmationKind.FORGET, 1, None, now=0.0)
    assert first != second
    pending.settle(first)
    assert pending.find(first, now=0.0) is None
    assert pending.find(second, now=0.0) is not None
    assert pending.find("0" * 16, now=0.0) is None


def test_expired_questions_are_dropped_when_a_new_one_is_asked():
    pending = Confirmations()
    for user in range(3):
        pending.ask(ConfirmationKind.FORGET, user, None, now=0.0)
    pending.ask(ConfirmationKind.FORGET, 9, None, now=CONFIRM_SECONDS + 1.0)
    assert len(pending) == 1
