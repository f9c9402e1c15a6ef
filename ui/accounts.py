"""Widgets of the account pages (我的账户, 账户与审计)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from analysis.access import auth


@contextmanager
def refusal_shown(rules_broken: str = "密码不符合要求：") -> Iterator[None]:
    """Run an account change; show its refusal as an error message instead of a traceback.

    The rest of the ``with`` block (its success message, a rerun) is skipped on a refusal.
    ``rules_broken`` starts the message listing a new password's broken rules.
    """
    try:
        yield
    except auth.PasswordRuleError as exc:
        st.error(rules_broken + "；".join(exc.problems))
    except (auth.AuthError, ValueError, PermissionError) as exc:
        st.error(str(exc))
