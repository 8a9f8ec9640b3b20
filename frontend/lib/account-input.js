// What an administrator types into the account forms, as the API takes it: credits stay the
// decimal text that was typed (never a binary float), a time read on the organization's clocks
// becomes an instant with its offset, and each new transaction gets its idempotency key here.
// Also how the forms say what the API refused: its message, each bad row, and its code.

import { ApiError } from "../api.js";

/** Fired (bubbling) by a form after it changed an account: `detail.message` says what. */
export const ACCOUNT_CHANGED = "cr-account-changed";
/** Fired (bubbling) by a form its user closed. */
export const FORM_CLOSED = "cr-form-closed";

// The API's own rule for credits and thresholds: ASCII digits, at most 4 places, a minus sign
// where a value may be negative. Anything else is refused here with the same words.
const SIGNED_DECIMAL = /^-?\d+(\.\d{1,4})?$/;
const UNSIGNED_DECIMAL = /^\d+(\.\d{1,4})?$/;

/** `"  -12.5 "` -> `"-12.5"`, or null when it is not a decimal the API accepts. */
export function decimalText(text, { signed = true } = {}) {
  const trimmed = String(text).trim();
  return (signed ? SIGNED_DECIMAL : UNSIGNED_DECIMAL).test(trimmed) ? trimmed : null;
}

/**
 * A fresh idempotency key. Made once per transaction and kept until it is recorded, so a retry
 * after a lost answer (or a second click) stores it once. `randomUUID` needs a secure context;
 * an app served over plain HTTP on a private network gets the same 122 random bits another way.
 */
export function newExternalId() {
  if (typeof crypto.randomUUID === "function") return `web-${crypto.randomUUID()}`;
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `web-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

function offsetMinutes(timeZone, epochMs) {
  const name = new Intl.DateTimeFormat("en-US", { timeZone, timeZoneName: "longOffset" })
    .formatToParts(new Date(epochMs))
    .find((p) => p.type === "timeZoneName").value; // "GMT+05:30", "GMT-04:00" or "GMT"
  const match = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  if (!match) return 0;
  const minutes = Number(match[2]) * 60 + Number(match[3]);
  return match[1] === "-" ? -minutes : minutes;
}

function offsetText(minutes) {
  const size = Math.abs(minutes);
  const hours = String(Math.floor(size / 60)).padStart(2, "0");
  return `${minutes < 0 ? "-" : "+"}${hours}:${String(size % 60).padStart(2, "0")}`;
}

/** Now on the clocks of `timeZone`, as a `datetime-local` input holds it: `2026-03-01T09:30`. */
export function localNow(timeZone, now = new Date()) {
  const fields = Object.fromEntries(
    new Intl.DateTimeFormat("en-CA", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
    })
      .formatToParts(now)
      .map((p) => [p.type, p.value]),
  );
  return `${fields.year}-${fields.month}-${fields.day}T${fields.hour}:${fields.minute}`;
}

/**
 * `"2026-03-01T09:30"` read on the clocks of `timeZone` -> `"2026-03-01T09:30:00+05:30"`. The
 * offset in force is guessed from the time read as UTC, then confirmed at the instant that
 * guess gives; the two differ only beside a daylight-saving change.
 */
export function zonedInstant(local, timeZone) {
  const withSeconds = local.length === 16 ? `${local}:00` : local;
  const asUtc = Date.parse(`${withSeconds}Z`);
  if (Number.isNaN(asUtc)) return null;
  const guess = offsetMinutes(timeZone, asUtc);
  const offset = offsetMinutes(timeZone, asUtc - guess * 60_000);
  return `${withSeconds}${offsetText(offset)}`;
}

/**
 * What a form shows for a refused change: `{message, details, code}`. A refused batch names its
 * rows (`extensions.rows`); the form sends one, so its reasons are the details and the batch's
 * summary is not repeated.
 */
export function refusal(error) {
  if (!(error instanceof ApiError)) return { message: String(error), details: [], code: "" };
  const rows = Array.isArray(error.extensions?.rows) ? error.extensions.rows : [];
  if (rows.length) {
    return {
      message: "Nothing was stored.",
      details: rows.map((row) => row.reason),
      code: error.code,
    };
  }
  return { message: error.message, details: [], code: error.code };
}
