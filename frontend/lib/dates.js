// Calendar dates as ISO strings (`2026-03-01`). Report windows are business dates, so "today"
// is today in the organization's time zone, not the browser's.

export const PRESETS = [
  { key: "last-7-days", label: "Last 7 days" },
  { key: "last-30-days", label: "Last 30 days" },
  { key: "last-90-days", label: "Last 90 days" },
  { key: "this-month", label: "This month" },
  { key: "last-month", label: "Last month" },
  { key: "all-time", label: "All time" },
  { key: "custom", label: "Custom range" },
];
export const DEFAULT_PRESET = "last-30-days";
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

export function isIsoDate(text) {
  if (typeof text !== "string" || !ISO_DATE.test(text)) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === text;
}

/** Today's date in an IANA time zone. */
export function todayIn(timeZone, now = new Date()) {
  // en-CA formats as YYYY-MM-DD.
  return new Intl.DateTimeFormat("en-CA", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).format(now);
}

// Plain calendar arithmetic in UTC, where no day is 23 or 25 hours long.
function toUtc(iso) {
  return new Date(`${iso}T00:00:00Z`);
}
function toIso(date) {
  return date.toISOString().slice(0, 10);
}
export function addDays(iso, days) {
  const date = toUtc(iso);
  date.setUTCDate(date.getUTCDate() + days);
  return toIso(date);
}
function firstOfMonth(iso) {
  return `${iso.slice(0, 7)}-01`;
}

/**
 * The window a date-range choice stands for: `{start, end}`, or null for all time (and for a
 * custom range that is incomplete or reversed, which the control reports as invalid).
 */
export function resolveRange({ preset, start, end }, today) {
  switch (preset) {
    case "last-7-days":
      return { start: addDays(today, -6), end: today };
    case "last-30-days":
      return { start: addDays(today, -29), end: today };
    case "last-90-days":
      return { start: addDays(today, -89), end: today };
    case "this-month":
      return { start: firstOfMonth(today), end: today };
    case "last-month": {
      const end = addDays(firstOfMonth(today), -1);
      return { start: firstOfMonth(end), end };
    }
    case "custom":
      return isIsoDate(start) && isIsoDate(end) && start <= end ? { start, end } : null;
    default:
      return null;
  }
}

export function presetLabel(key) {
  return PRESETS.find((p) => p.key === key)?.label ?? key;
}

const LONG_DATE = new Intl.DateTimeFormat("en-GB", {
  day: "numeric",
  month: "short",
  year: "numeric",
  timeZone: "UTC",
});
const WEEKDAY = new Intl.DateTimeFormat("en-GB", { weekday: "short", timeZone: "UTC" });

/** `1 Mar 2026` */
export function formatDate(iso) {
  return LONG_DATE.format(toUtc(iso));
}
export function weekday(iso) {
  return WEEKDAY.format(toUtc(iso));
}
export function describeRange(range) {
  return range ? `${formatDate(range.start)} – ${formatDate(range.end)}` : "All time";
}
