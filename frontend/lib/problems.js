// What a view says when it cannot show what was asked, and the way back to one it can. Asking
// again is offered only when it may work (the network, a server hiccup); a link or a choice
// that can never work gets its reason and buttons to valid views instead. A fix is a `patch`
// of the URL state, so the buttons are plain navigations.

import { CHANNELS, CREATED_FROM, STATUSES, TYPES } from "./format.js";
import { DEFAULT_PRESET, GROUPINGS, customRangeProblem, isPreset } from "./dates.js";

const TRANSIENT = new Set([
  "NETWORK_ERROR",
  "BAD_RESPONSE",
  "UNAVAILABLE",
  "INTERNAL_SERVER_ERROR",
  "CONCURRENT_UPDATE",
  "TOO_MANY_REQUESTS",
]);

/** The URL keys of a date range: the report's, or a drilldown's own. */
export const REPORT_RANGE = { range: "range", from: "from", to: "to" };
export const DRILLDOWN_RANGE = { range: "drange", from: "dfrom", to: "dto" };

function rangePatch(keys, preset) {
  return { [keys.range]: preset, [keys.from]: "", [keys.to]: "" };
}

/** Problems with the date range a link asks for: `[{message, patch}]`. */
export function rangeProblems(state, keys, today) {
  const preset = state[keys.range];
  if (!preset) return [];
  const reset = rangePatch(keys, DEFAULT_PRESET);
  if (!isPreset(preset)) {
    return [{ message: `The date range “${preset}” is not one this report knows.`, patch: reset }];
  }
  if (preset !== "custom") return [];
  const problem = customRangeProblem(state[keys.from], state[keys.to], today);
  if (!problem) return [];
  const asked = `${state[keys.from] || "?"} to ${state[keys.to] || "?"}`;
  return [{ message: `The custom range (${asked}) cannot be shown. ${problem}`, patch: reset }];
}

function oneOf(state, key, values, what, fallback = "") {
  if (!state[key] || values.includes(state[key])) return [];
  return [{ message: `${what} “${state[key]}” does not exist.`, patch: { [key]: fallback } }];
}

/** Everything in a report link the API would refuse or the app cannot show. */
export function reportLinkProblems(state, { today, sortFields, pageSizes }) {
  return [
    ...rangeProblems(state, REPORT_RANGE, today),
    ...oneOf(state, "sort", sortFields, "The sort column", "CREDITS_CONSUMED"),
    ...oneOf(state, "dir", ["ASC", "DESC"], "The sort direction", "DESC"),
    ...oneOf(state, "size", pageSizes, "The page size", "25"),
    ...oneOf(state, "channel", CHANNELS, "The channel"),
    ...oneOf(state, "type", TYPES, "The campaign type"),
    ...oneOf(state, "createdFrom", CREATED_FROM, "The level"),
    ...oneOf(state, "status", STATUSES, "The status"),
    ...oneOf(state, "active", ["0", "1"], "The activity filter", "1"),
  ];
}

/** Everything in a drilldown link the app cannot show. */
export function drilldownLinkProblems(state, { today }) {
  const groups = GROUPINGS.map((g) => g.key);
  return [
    ...rangeProblems(state, DRILLDOWN_RANGE, today),
    ...oneOf(state, "group", groups, "The grouping"),
  ];
}

/** Every fix at once: what "show a valid view" navigates to. */
export function fixOf(problems) {
  return Object.assign({}, ...problems.map((p) => p.patch));
}

/**
 * What to offer for an error the API answered: `{retry, actions: [{label, patch}]}`.
 * `keys` names the date range the view sends; `reset` is the patch of the view's defaults.
 */
export function apiProblem(error, { keys, reset }) {
  if (TRANSIENT.has(error.code)) return { retry: true, actions: [] };
  switch (error.code) {
    case "DATE_RANGE_TOO_LONG":
      return {
        retry: false,
        actions: [
          { label: "Show all time", patch: rangePatch(keys, "all-time") },
          { label: "Show the last 30 days", patch: rangePatch(keys, DEFAULT_PRESET) },
        ],
      };
    case "INVALID_DATE_RANGE":
      return {
        retry: false,
        actions: [{ label: "Show the last 30 days", patch: rangePatch(keys, DEFAULT_PRESET) }],
      };
    case "INVALID_CURSOR":
      return { retry: false, actions: [{ label: "Go to the first page", patch: { after: "" } }] };
    case "SEARCH_TOO_LONG":
      return { retry: false, actions: [{ label: "Clear the search", patch: { q: "", after: "" } }] };
    default:
      return { retry: false, actions: [{ label: "Reset this view", patch: reset }] };
  }
}
