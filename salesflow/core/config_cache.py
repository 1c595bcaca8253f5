"""Configuration kept in memory between pages, checked against one version row per page.

Record pages read configuration an admin rarely changes: a pipeline's stages and their exit
criteria, lost reasons, custom field definitions, question sets and questions, checklists, the
objection library, the competitor and product catalogues. Each process keeps what it read in
`_cache`, under the token of the `ConfigVersion` row it read at the time.

- **Invalidation.** Every write of configuration calls `config_changed()` in its own transaction
  (the models registered with `config_models_register` do it from their `post_save` and
  `post_delete` signals; code that changes them with `QuerySet.update()`, `bulk_create` or raw
  SQL calls it itself). It stores a new random token: a process that reads the row next sees
  another token and forgets everything it cached. The change and the new token commit (or roll
  back) together, and a token is never used twice, so a rolled-back write cannot leave a cache
  that a later token would accept.
- **Where it is used.** Only while a record page is drawn (`salesflow.core.panels.page_config`):
  the page reads the token once (`config_token`), and every cached read on that page uses the
  same answer. Services, the API and commands read the database as before, so a move, a close or
  any other write validates against the configuration as committed.
- **The limit.** A change of configuration that bypasses `config_changed()` (an SQL console, a
  `QuerySet.update()` somebody forgot to follow with it) is seen by a process only after the next
  change that bumps the token, or after a restart. Writes are not affected (they do not read the
  cache).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Hashable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Model, Subquery
from django.db.models.signals import post_delete, post_save

from salesflow.core.models import ConfigVersion

# (token, {key: value}) of this process; replaced whole, so readers never see half of it.
_cache: tuple[str | None, dict[Hashable, Any]] = (None, {})
_lock = threading.Lock()


def _new_token() -> str:
    return uuid.uuid4().hex


def config_token() -> str:
    """The configuration's current token (one query; the row is created on first use)."""
    token = ConfigVersion.objects.filter(pk=1).values_list("token", flat=True).first()
    if token is not None:
        return token
    try:
        with transaction.atomic():
            row, _ = ConfigVersion.objects.get_or_create(pk=1, defaults={"token": _new_token()})
    except IntegrityError:  # another process created it meanwhile
        row = ConfigVersion.objects.get(pk=1)
    return row.token


def config_token_expression() -> Subquery:
    """The token as an expression, for a page to read it with its record (None without row)."""
    return Subquery(ConfigVersion.objects.filter(pk=1).values("token")[:1])


def config_changed(**_signal: Any) -> None:
    """Mark the configuration as changed: every process forgets what it cached on its next page.
    Call it inside the transaction of the change (signal receivers are)."""
    if not ConfigVersion.objects.filter(pk=1).update(token=_new_token()):
        ConfigVersion.objects.update_or_create(pk=1, defaults={"token": _new_token()})
    config_forget()


def config_forget() -> None:
    """Forget this process's cache (the next cached read asks the database)."""
    global _cache
    with _lock:
        _cache = (None, {})


def config_cached(token: str, key: Hashable, read: Callable[[], Any]) -> Any:
    """`read()` cached under `key` for as long as the configuration's token is `token`.

    The value is shared by every later page of this process: callers must not change it (copy
    a list before sorting or appending to it)."""
    global _cache
    cached_token, values = _cache
    if cached_token == token and key in values:
        return values[key]
    value = read()
    with _lock:
        cached_token, values = _cache
        if cached_token != token:
            values = {}
        _cache = (token, {**values, key: value})
    return value


def config_models_register(*models: type[Model]) -> None:
    """Configuration models: any save or delete of one of them calls `config_changed()`.
    Called from the owning app's `AppConfig.ready()`."""
    for model in models:
        uid = f"config_changed:{model._meta.label}"
        post_save.connect(config_changed, sender=model, dispatch_uid=f"{uid}:save")
        post_delete.connect(config_changed, sender=model, dispatch_uid=f"{uid}:delete")
