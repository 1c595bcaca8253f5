"""Configuration kept in memory between pages, checked against one version row per page.

Record pages read configuration an admin rarely changes: a pipeline's stages and their exit
criteria, lost reasons, custom field definitions, question sets and questions, checklists, the
objection library, the competitor and product catalogues. Each process keeps what it read in
`_cache`, under the token of the `ConfigVersion` row it read at the time.

- **Invalidation: the models' job, not the callers'.** Every write of configuration calls
  `config_changed()` on the database written, in the write's own transaction. The models
  registered with `config_models_register` do it for every ORM write: `post_save` and
  `post_delete` signals for `save()`, `delete()` and `create()`, and their default manager,
  built from `ConfigQuerySet`, for the writes that send no signal (`QuerySet.update()`,
  `bulk_update()`, `bulk_create()`, and `QuerySet.delete()`). Related managers
  (`stage.requirements.update(...)`) are built from the default manager and do the same.
  `config_models_register` refuses a model whose default manager is not a `ConfigQuerySet`.
  `config_changed()` stores a new random token: a process that reads the row next sees another
  token and forgets everything it cached. The change and the new token commit (or roll back)
  together, and a token is never used twice, so a rolled-back write cannot leave a cache that a
  later token would accept.
- **Where it is used.** Only while a record page is drawn (`salesflow.core.panels.page_config`):
  the page reads the token once (`config_token`), and every cached read on that page uses the
  same answer. Services, the API and commands read the database as before, so a move, a close or
  any other write validates against the configuration as committed.
- **The limit.** What does not go through these models' managers or signals: SQL by hand (an
  SQL console, `cursor.execute`), a data migration (its historical models have plain managers),
  and the `on_delete=SET_NULL` updates Django makes through the base manager when a referenced
  row (a user, a team) is deleted. Such a change is seen by a process only after the next change
  that bumps the token, or after a restart; call `config_changed()` after it. Writes are not
  affected (they do not read the cache).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Hashable
from contextvars import ContextVar
from typing import Any, TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, router, transaction
from django.db.models import Model, QuerySet, Subquery
from django.db.models.signals import post_delete, post_save

from salesflow.core.models import ConfigVersion

# (token, {key: value}) of this process; replaced whole, so readers never see half of it.
_cache: tuple[str | None, dict[Hashable, Any]] = (None, {})
_lock = threading.Lock()
# True while a ConfigQuerySet write runs: it changes the version once, at its end.
_deferred: ContextVar[bool] = ContextVar("salesflow_config_changed_deferred", default=False)
_T = TypeVar("_T")


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


def config_changed(using: str | None = None, **_signal: Any) -> None:
    """Mark the configuration as changed: every process forgets what it cached on its next page.
    Call it inside the transaction of the change, on the database of the change (`using`; signal
    receivers and `ConfigQuerySet` do both). Inside a `ConfigQuerySet` write it does nothing:
    that write calls it once when it is done."""
    if _deferred.get():
        return
    versions = ConfigVersion.objects.using(using) if using else ConfigVersion.objects
    if not versions.filter(pk=1).update(token=_new_token()):
        versions.update_or_create(pk=1, defaults={"token": _new_token()})
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


class ConfigQuerySet(QuerySet):
    """The queryset (and, through `ConfigQuerySet.as_manager()`, the default manager) of every
    configuration model: its bulk writes, which send no `post_save`/`post_delete` per row, call
    `config_changed()` themselves, on the database they wrote to and in the same transaction
    (the write and the new token commit or roll back together). A write that changed no row
    leaves the token alone. A model with a queryset of its own subclasses this one."""

    def _write_db(self) -> str:
        return self._db or router.db_for_write(self.model, **self._hints)

    def _changing(self, write: Callable[[], _T], changed: Callable[[_T], bool]) -> _T:
        """`write()`, then one new token if `changed(result)`, in one transaction. Bumps that
        Django's own code would make meanwhile (`bulk_update` runs `update()` per batch, a
        queryset `delete()` sends `post_delete` per row) wait for this one."""
        using = self._write_db()
        with transaction.atomic(using=using, savepoint=False):
            outer = _deferred.set(True)
            try:
                result = write()
            finally:
                _deferred.reset(outer)
            if changed(result):
                config_changed(using=using)
        return result

    def update(self, **kwargs: Any) -> int:
        return self._changing(lambda: super(ConfigQuerySet, self).update(**kwargs), bool)

    def bulk_update(self, objs: Any, fields: Any, batch_size: int | None = None) -> int:
        return self._changing(
            lambda: super(ConfigQuerySet, self).bulk_update(objs, fields, batch_size=batch_size),
            bool,
        )

    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> list[Any]:
        return self._changing(
            lambda: super(ConfigQuerySet, self).bulk_create(objs, *args, **kwargs), bool
        )

    def delete(self) -> tuple[int, dict[str, int]]:
        return self._changing(
            lambda: super(ConfigQuerySet, self).delete(), lambda deleted: bool(deleted[0])
        )

    # As on QuerySet: templates may not call them, and a manager has no delete().
    update.alters_data = True  # type: ignore[attr-defined]
    bulk_update.alters_data = True  # type: ignore[attr-defined]
    bulk_create.alters_data = True  # type: ignore[attr-defined]
    delete.alters_data = True  # type: ignore[attr-defined]
    delete.queryset_only = True  # type: ignore[attr-defined]


def config_models_register(*models: type[Model]) -> None:
    """Configuration models: any save or delete of one of them, and any bulk write through their
    default manager (which must be built from `ConfigQuerySet`), calls `config_changed()`.
    Called from the owning app's `AppConfig.ready()`."""
    for model in models:
        queryset = model._default_manager.get_queryset()
        if not isinstance(queryset, ConfigQuerySet):
            raise ImproperlyConfigured(
                f"{model._meta.label} is registered as configuration but its default manager "
                "is not built from salesflow.core.config_cache.ConfigQuerySet: its update(), "
                "bulk_update(), bulk_create() and delete() would not change the version."
            )
        uid = f"config_changed:{model._meta.label}"
        post_save.connect(config_changed, sender=model, dispatch_uid=f"{uid}:save")
        post_delete.connect(config_changed, sender=model, dispatch_uid=f"{uid}:delete")
