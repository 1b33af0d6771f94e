"""The `setting` table's rows, read and written in plain SQL (the hot path never loads the
table models); `core.settings.Settings.from_stored` validates what they hold."""

from __future__ import annotations

from emdrill.store.db import Store


def stored_settings(store: Store) -> dict[str, str]:
    with store.read() as con:
        return {str(k): str(v) for k, v in con.execute("SELECT key, value FROM setting")}


def save_setting(store: Store, key: str, value: str) -> None:
    # Plain SQL: this module is on the hot path, which never loads the table models.
    with store.transact("save a setting") as con:
        con.execute("INSERT INTO setting (key, value) VALUES (?, ?) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (key, value))
