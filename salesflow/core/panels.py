"""Record pages drawn from panels that other apps register.

A record page (the deal page, the lead page, an account or a contact) belongs to the app that
owns the record, but shows parts of other apps: quotes and playbooks on the deal page, deals and
activities on an account. The owning app creates a `PanelRegistry` for its page; every app that
has something to show there registers a `Panel` from its `AppConfig.ready()`, so the page's app
imports none of them (the same way the exit-criteria registry works).

A panel is a template (usually a named partial, `"quotes/deal_panels.html#panel-quotes"`), a
context function that reads what the template needs, a slot on the page (`main`, `aside`, ...)
and an order within it. The page's view builds its own context, adds the panels' contexts and
draws each slot's panels in order; for an htmx request it can draw a single panel.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from salesflow.core.config_cache import config_cached, config_token, config_token_expression


@dataclass(frozen=True)
class PanelCall:
    """What a panel's context function gets: who is looking at which record.

    `forms` holds the forms the user just submitted (with their errors), by the key the panel
    chose, so the panel shows them instead of blank ones.
    """

    request: HttpRequest
    record: Any
    can_edit: bool
    forms: dict[Any, Any] = field(default_factory=dict)

    @property
    def user(self) -> Any:
        return self.request.user

    def form(self, key: Any, blank: Callable[[], Any]) -> Any:
        """The submitted form under `key`, else a blank one; none for people who may only
        read the record (they get no forms)."""
        if not self.can_edit:
            return None
        return self.forms.get(key) or blank()


@dataclass(frozen=True)
class Panel:
    """One region of a record page.

    `name` is the panel's id on its page; the template's root element has the id `anchor`
    (by default `panel-<name>`), which links and htmx swaps target. `label` lists it in the
    page's section navigation (empty: not listed). `fresh` panels are drawn again after every
    panel action on the page (the deal's stage playbook, which any change may unlock).
    `meets` names the exit-criteria kinds the user satisfies in this panel, so a refused move
    can link to it. `annotate` gives expressions (name: expression on the record's model) that
    the page adds to its read of the record, so that a panel's small look-up (is there any?)
    costs no query of its own; the context function finds them as the record's attributes
    (and must read them itself when they are missing).
    """

    name: str
    template: str
    context: Callable[[PanelCall], dict[str, Any]] | None = None
    slot: str = "main"
    order: int = 100
    label: str = ""
    fresh: bool = False
    meets: tuple[str, ...] = ()
    anchor_id: str = ""
    annotate: Callable[[], dict[str, Any]] | None = None

    @property
    def anchor(self) -> str:
        return self.anchor_id or f"panel-{self.name}"


class PanelRegistry:
    """The panels of one record page, in slot and order."""

    def __init__(self, page: str) -> None:
        self.page = page
        self._panels: dict[str, Panel] = {}

    def register(self, panel: Panel) -> Panel:
        """Add a panel; registering a name again replaces it (so `ready()` may run twice)."""
        self._panels[panel.name] = panel
        return panel

    def unregister(self, name: str) -> None:
        self._panels.pop(name, None)

    def get(self, name: str) -> Panel:
        try:
            return self._panels[name]
        except KeyError:
            raise LookupError(f"The {self.page} page has no panel named {name!r}.") from None

    def panels(self, slot: str | None = None) -> list[Panel]:
        chosen = [p for p in self._panels.values() if slot is None or p.slot == slot]
        return sorted(chosen, key=lambda panel: (panel.order, panel.name))

    def slots(self) -> dict[str, list[Panel]]:
        """Every slot with its panels in order, for the page template."""
        slots: dict[str, list[Panel]] = {}
        for panel in self.panels():
            slots.setdefault(panel.slot, []).append(panel)
        return slots

    def fresh(self) -> list[Panel]:
        return [panel for panel in self.panels() if panel.fresh]

    def anchor_meeting(self, kind: str) -> str:
        """The `#anchor` of the panel where an exit criterion of `kind` is met, or ""."""
        for panel in self.panels():
            if kind in panel.meets:
                return f"#{panel.anchor}"
        return ""

    def annotations(self) -> dict[str, Any]:
        """What the page adds to its read of the record: the panels' `annotate`, and the
        configuration's version (`page_config`)."""
        annotations = {PAGE_CONFIG_TOKEN: config_token_expression()}
        for panel in self.panels():
            if panel.annotate is not None:
                annotations.update(panel.annotate())
        return annotations

    def context(self, call: PanelCall, names: Iterable[str] | None = None) -> dict[str, Any]:
        """The merged contexts of the named panels (all when `names` is None). A context
        function that several panels share runs once."""
        panels = self.panels() if names is None else [self.get(name) for name in names]
        context: dict[str, Any] = {}
        done: set[Callable[..., Any]] = set()
        for panel in panels:
            if panel.context is None or panel.context in done:
                continue
            done.add(panel.context)
            context.update(panel.context(call))
        return context


def record_page_context(
    request: HttpRequest, record: Any, registry: PanelRegistry, *, can_edit: bool, **forms: Any
) -> dict[str, Any]:
    """The context of a plain record page: the record (under its model name), whether the user
    may change it, the time, and the registered panels with their contexts."""
    call = PanelCall(request=request, record=record, can_edit=can_edit, forms=forms)
    return {
        record._meta.model_name: record,
        "can_edit": can_edit,
        "now": timezone.now(),
        "panels": registry.slots(),
        **registry.context(call),
    }


# Reads shared by the parts of one record page -------------------------------------------------
# Several panels, the exit criteria and the warnings of a deal page read the same rows (the
# pipeline's stages, the stakeholders, the quotes, the objections). While a page is drawn its
# view calls `page_memo_start(record)`; `page_memo(record, key, read)` then runs `read` once per
# key and gives the same answer to every later caller. Outside a page (a service, the API) no
# memo is started and `read` runs every time, so nothing there can see stale rows.
#
# Configuration (stages, exit criteria, custom fields, catalogues...) is read through
# `page_config(record, key, read)` instead: on a page it comes from the process's cache
# (`salesflow.core.config_cache`), checked once per page against the configuration's version;
# outside a page it is read every time, like `page_memo`.

_MEMO = "_page_memo"
_CONFIG_TOKEN = "_config_token"  # noqa: S105 (a memo key, not a secret)
# The configuration's version, read with the record when the page's read of it adds the
# registry's `annotations()` (no query of its own then).
PAGE_CONFIG_TOKEN = "page_config_token"  # noqa: S105


def page_memo_start(record: Any) -> None:
    """Start (or restart, forgetting earlier reads) the page memo of `record`."""
    record.__dict__[_MEMO] = {}
    token = record.__dict__.pop(PAGE_CONFIG_TOKEN, None)
    if token is not None:
        record.__dict__[_MEMO][_CONFIG_TOKEN] = token


def page_memo_started(record: Any) -> bool:
    """Whether the record's page is being drawn (its memo started)."""
    return _MEMO in record.__dict__


def page_memo(record: Any, key: str, read: Callable[[], Any]) -> Any:
    """`read()`, run once per key while the record's page is drawn (every time otherwise)."""
    memo = record.__dict__.get(_MEMO)
    if memo is None:
        return read()
    if key not in memo:
        memo[key] = read()
    return memo[key]


def page_config(record: Any, key: Hashable, read: Callable[[], Any]) -> Any:
    """Configuration `read()` on the record's page: from the process's cache, valid while the
    configuration's version (read once per page, on the first call) is unchanged. Outside a
    page, `read()` every time. Not for rows of the record itself (see `page_memo`); the value
    is shared between pages, so callers must not change it."""
    memo = record.__dict__.get(_MEMO)
    if memo is None:
        return read()
    token = memo.get(_CONFIG_TOKEN)
    if token is None:
        token = memo[_CONFIG_TOKEN] = config_token()
    return config_cached(token, key, read)
