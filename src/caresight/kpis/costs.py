"""(being written)"""

from __future__ import annotations

from caresight.kpis.group import KpiGroup

GROUPS: tuple[KpiGroup, ...] = ()
