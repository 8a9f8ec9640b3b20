// Calendar dates as ISO strings (`2026-03-01`). Report windows are business dates, so "today"
// is today in the organization's time zone, not the browser's. Every date the app shows is
// written one way, `4 Sep 2026`, from fixed month names (Intl's en-GB writes "Sept", en-US
// "Sep 4"), and a range shares what its ends share: `3 – 30 Nov 2026`, `28 Oct – 3 Nov 2026`.

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
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

export function isIsoDate(text) {
  if (typeof text !== "string" || !ISO_DATE.test(text)) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === text;
}

export function isPreset(key) {
  return PRESETS.some((p) => p.key === key);
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
/** Days in the inclusive window `start`..`end`. */
export function daysIn(start, end) {
  return Math.round((toUtc(end) - toUtc(start)) / 86_400_000) + 1;
}
function firstOfMonth(iso) {
  return `${iso.slice(0, 7)}-01`;
}
function lastOfMonth(iso) {
  const date = toUtc(firstOfMonth(iso));
  date.setUTCMonth(date.getUTCMonth() + 1);
  date.setUTCDate(0);
  return toIso(date);
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

/** Why a custom window cannot be shown, or "" when it can. */
export function customRangeProblem(start, end, today) {
  if (!isIsoDate(start) || !isIsoDate(end)) return "Choose a start and an end date.";
  if (start > end) return "The start date must not be after the end date.";
  if (end > today) return `The end date must not be after today (${formatDate(today)}).`;
  return "";
}

export function presetLabel(key) {
  return PRESETS.find((p) => p.key === key)?.label ?? key;
}

function parts(iso) {
  const date = toUtc(iso);
  return {
    day: date.getUTCDate(),
    month: MONTHS[date.getUTCMonth()],
    year: date.getUTCFullYear(),
    weekday: WEEKDAYS[date.getUTCDay()],
  };
}

/** `1 Mar 2026` */
export function formatDate(iso) {
  const { day, month, year } = parts(iso);
  return `${day} ${month} ${year}`;
}
/** `1 Mar 2026, 14:05`: an instant as the clock in `timeZone` read it. */
export function formatInstant(isoInstant, timeZone) {
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
      .formatToParts(new Date(isoInstant))
      .map((p) => [p.type, p.value]),
  );
  return `${formatDate(`${fields.year}-${fields.month}-${fields.day}`)}, ${fields.hour}:${fields.minute}`;
}
/** `1 Mar`, for chart labels where the year is in the title. */
export function formatDayMonth(iso) {
  const { day, month } = parts(iso);
  return `${day} ${month}`;
}
/** `Mar 2026` */
export function formatMonth(iso) {
  const { month, year } = parts(iso);
  return `${month} ${year}`;
}
export function weekday(iso) {
  return parts(iso).weekday;
}

/** `3 – 30 Nov 2026`, `28 Oct – 3 Nov 2026`, `28 Dec 2026 – 3 Jan 2027`, `3 Nov 2026`. */
export function formatSpan(start, end) {
  if (start === end) return formatDate(start);
  const a = parts(start);
  const b = parts(end);
  if (a.year !== b.year) return `${formatDate(start)} – ${formatDate(end)}`;
  if (a.month !== b.month) return `${a.day} ${a.month} – ${formatDate(end)}`;
  return `${a.day} – ${formatDate(end)}`;
}

export function describeRange(range) {
  return range ? formatSpan(range.start, range.end) : "All time";
}

// Date drilldowns group long windows: a row a day up to two months, a row a week up to a
// year (weeks start on Monday), a row a month beyond. A period is clipped to the window.
export const GROUPINGS = [
  { key: "day", label: "Days" },
  { key: "week", label: "Weeks" },
  { key: "month", label: "Months" },
];
export function autoGrouping(days) {
  if (days <= 62) return "day";
  return days <= 371 ? "week" : "month";
}

/** The periods of `unit` covering `start`..`end`: `[{start, end, full}]`, in order. */
export function periodsOf(start, end, unit) {
  const periods = [];
  let from = start;
  while (from <= end) {
    let last;
    if (unit === "month") last = lastOfMonth(from);
    else if (unit === "week") last = addDays(from, (7 - toUtc(from).getUTCDay()) % 7);
    else last = from;
    const to = last < end ? last : end;
    const full =
      unit === "month"
        ? from === firstOfMonth(from) && to === last
        : unit === "week"
          ? daysIn(from, to) === 7
          : true;
    periods.push({ start: from, end: to, full });
    from = addDays(to, 1);
  }
  return periods;
}

/** How a period reads in a table: `Mon 2 Nov 2026`, `2 – 8 Nov 2026`, `Nov 2026`. */
export function describePeriod(period, unit) {
  if (unit === "day") return `${weekday(period.start)} ${formatDate(period.start)}`;
  if (unit === "month" && period.full) return formatMonth(period.start);
  return formatSpan(period.start, period.end);
}
