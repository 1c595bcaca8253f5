"""The panel registry of the lead page (see `salesflow.core.panels`).

Apps above `leads` register what they show there from their `AppConfig.ready()`: the pipeline
the deals converted from the lead and the form that converts it, activities the timeline.
Slots: `converted` (inside the "Converted" banner), `main`, `aside` (after the owner card).
"""

from __future__ import annotations

from salesflow.core.panels import PanelRegistry

lead_panels = PanelRegistry("lead")
