// The scope a view reports on: the user's own, or a zone or center an organization (or zone)
// user narrowed it to. Shared by the report and the drilldowns, and named in CSV exports.

import { exportTime, slug } from "./csv.js";
import {
  DEFAULT_PRESET,
  formatDate,
  formatInstant,
  presetLabel,
  resolveRange,
  todayIn,
} from "./dates.js";

export function scopeOf(viewer, state) {
  const zone = state.zone ? viewer.zones.find((z) => z.id === state.zone) : null;
  const center = state.center ? viewer.centers.find((c) => c.id === state.center) : null;
  if (center) return { zoneId: null, centerId: center.id, name: center.name, kind: "center" };
  if (zone) return { zoneId: zone.id, centerId: null, name: zone.name, kind: "zone" };
  // An id this user cannot see (a link from someone with a wider scope) is still sent, so the
  // API answers "not found" rather than silently widening the report.
  if (state.center || state.zone) {
    return {
      zoneId: state.center ? null : state.zone,
      centerId: state.center || null,
      name: state.center || state.zone,
      kind: state.center ? "center" : "zone",
    };
  }
  const own = viewer.center ?? viewer.zone ?? viewer.organization;
  return {
    zoneId: null,
    centerId: null,
    name: own.name,
    kind: viewer.scopeKind.toLowerCase(),
    own: true,
  };
}

export function scopeSlug(scope) {
  return scope.kind === "organization" ? slug(scope.name) : `${scope.kind}-${slug(scope.name)}`;
}

export function organizationToday(viewer) {
  return todayIn(viewer.organization.timezone);
}

/** The window a `{preset, start, end}` choice means today; null is all time. */
export function windowOf(choice, today) {
  if (choice.preset === "all-time") return null;
  return resolveRange(choice, today) ?? resolveRange({ preset: DEFAULT_PRESET }, today);
}

export function rangeSlug(window) {
  return window ? `${window.start}_to_${window.end}` : "all-time";
}

/**
 * What every view says about its dates: which calendar presets use, which one rows use, and,
 * once the view has answered, when the newest message in its scope was sent (`dataUpTo`, an
 * ISO instant: undefined while unknown, null when the scope has no messages at all).
 */
export function timeZoneNote(viewer, today, dataUpTo) {
  const zone = viewer.organization.timezone;
  const reach =
    dataUpTo === undefined
      ? ""
      : dataUpTo === null
        ? " No messages are recorded in this scope yet."
        : ` Messages are recorded up to ${formatInstant(dataUpTo, zone)} (${zone}).`;
  return (
    `Presets end today, ${formatDate(today)}, in ${zone} (the organization's time zone); ` +
    `each message counts on its center's local date.${reach}`
  );
}

/** The `label,value` lines that open an export: scope, dates and when it was made. */
export function exportFacts({ viewer, scope, window, preset }) {
  const zone = viewer.organization.timezone;
  const range = window ? `${window.start} to ${window.end}` : "All time";
  const named = preset && preset !== "custom" ? ` (${presetLabel(preset)})` : "";
  return [
    ["Scope", `${scope.name} (${scope.kind})`],
    ["Date range", range + named],
    ["Dates", `Business dates: each message counts on its center's local date; presets in ${zone}`],
    ["Exported at", `${exportTime(zone)} (${zone})`],
  ];
}
