import { StoredSettings } from "../../../schemas/settings";
import { memoParse, parseStoredJson, type Db } from "./db";

/** The `settings` table: one row, the admin's settings as JSON (absent keys fall back to the platform). */
const parseSettings = memoParse((text) => parseStoredJson(StoredSettings, text));

export const settings = {
  get(db: Db): StoredSettings {
    const row = db.one<{ value: string }>(`SELECT value FROM settings WHERE key = 'settings'`);
    return (row ? parseSettings(row.value) : undefined) ?? {};
  },
  put(db: Db, value: StoredSettings): void {
    db.run(
      `INSERT INTO settings (key, value) VALUES ('settings', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`,
      JSON.stringify(value),
    );
  },
};
