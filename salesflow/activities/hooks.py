"""What happens elsewhere when an activity changes: the extension point of the apps above.

An app above `activities` (follow-up cadences, for one) registers a hook from its
`AppConfig.ready()`:

    from salesflow.activities.hooks import activity_changed_hook_register
    activity_changed_hook_register(account_last_contact_refresh)

Each hook is called as `hook(activity, acting_user=user, deleted=False)` after an activity is
created, changed or completed through the services, and with `deleted=True` after it is deleted
(the instance still carries its links then). Hooks run inside the service's transaction: they
commit or roll back with it, and an exception refuses the change. A hook that sends anything
outside the database must do so from `transaction.on_commit`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

ActivityHook = Callable[..., None]

activity_changed_hooks: list[ActivityHook] = []


def activity_changed_hook_register(hook: ActivityHook) -> None:
    """Add a hook once (registering the same callable again does nothing)."""
    if hook not in activity_changed_hooks:
        activity_changed_hooks.append(hook)


def activity_changed(activity: Any, *, acting_user: Any, deleted: bool = False) -> None:
    for hook in list(activity_changed_hooks):
        hook(activity, acting_user=acting_user, deleted=deleted)
