"""Custom item-data roles shared by the models and their delegates."""

from __future__ import annotations

from PySide6.QtCore import Qt

USER = int(Qt.ItemDataRole.UserRole)
OBJECT_ROLE = USER  # the domain object behind the row
TIER_ROLE = USER + 1  # "preferred" | "alternative" | "avoid" | "off-pathway" | None
WHY_ROLE = USER + 2  # one-line reason
CURRENT_ROLE = USER + 3  # bool: the row is the current step
HYPOTHETICAL_ROLE = USER + 4  # bool: a what-if line
FUTURE_ROLE = USER + 5  # bool: after the current step (dimmed)
ID_ROLE = USER + 6  # regimen id
ORDER_ROLE = USER + 7  # str: the option's place in the list ("1."; ties share it)
TIE_ROLE = USER + 8  # str: "not ranked by the guidelines" for a tie, else ""
