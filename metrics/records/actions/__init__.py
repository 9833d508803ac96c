"""The OPSG action log: actions like the minutes' ("OPSG 29/01"), their history, and overdue rules.

An action is due on its revised target date if one was set, else on its last target date; it is
overdue when still open after that day. This package's public surface is below; its modules are
validate (fields and rules), reads, writes (every change kept in ``action_revisions`` and the
audit trail, in the same transaction) and file_import (CSV/XLSX action logs, all or nothing).
"""
from metrics.records.actions.file_import import IMPORT_COLUMNS, ImportReport, import_actions, parse_actions
from metrics.records.actions.reads import (get_action, histories, history, list_actions, log_version,
                                           open_by_metric, owners)
from metrics.records.actions.validate import (CLOSED, EDITABLE, LABELS, MAX_OWNER, MAX_TEXT, OPEN, STATUSES,
                                              ActionError, clean_fields, days_overdue, dmy, due_on,
                                              is_overdue, judgement_day, metric_lookup, normalise_ref,
                                              parse_status, ref_key)
from metrics.records.actions.writes import add_action, edit_action, set_status, upsert

__all__ = ["IMPORT_COLUMNS", "ImportReport", "import_actions", "parse_actions", "get_action",
           "histories", "history", "list_actions", "log_version", "open_by_metric", "owners", "CLOSED",
           "EDITABLE", "LABELS", "MAX_OWNER", "MAX_TEXT", "OPEN", "STATUSES", "ActionError",
           "clean_fields", "days_overdue", "dmy", "due_on", "is_overdue", "judgement_day",
           "metric_lookup", "normalise_ref", "parse_status", "ref_key", "add_action", "edit_action",
           "set_status", "upsert"]
