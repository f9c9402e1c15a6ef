"""The single-use codes that bind a browser's session cookie (analysis/access/binding.py)."""

from __future__ import annotations

from analysis.access import binding


def test_a_code_is_redeemed_once():
    code = binding.issue("token-1", now=100.0)
    assert binding.pending(code, now=100.0)
    assert binding.redeem(code, now=101.0) == "token-1"
    assert binding.redeem(code, now=101.0) is None
    assert not binding.pending(code, now=101.0)


def test_a_code_expires():
    code = binding.issue("token-2", now=100.0)
    assert binding.redeem(code, now=100.0 + binding.CODE_SECONDS + 1) is None


def test_only_hashes_are_kept_and_rubbish_is_refused():
    code = binding.issue("token-3", now=100.0)
    assert code not in binding._CODES and "token-3" not in binding._CODES
    for rubbish in (None, "", "x" * 500, 42, "not-a-code"):
        assert binding.redeem(rubbish, now=100.0) is None
    assert binding.redeem(code, now=100.0) == "token-3"
