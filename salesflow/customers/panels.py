"""The panel registries of the account and contact pages (see `salesflow.core.panels`).

Apps above `customers` (deals, activities) register what they show on these pages from their
`AppConfig.ready()`.
"""

from __future__ import annotations

from salesflow.core.panels import PanelRegistry

account_panels = PanelRegistry("account")
contact_panels = PanelRegistry("contact")
