// The URL is the app's state: view, scope, filters, sort, page and date ranges live in the
// query string of `/`, so a link opens the same view, reload keeps it and Back goes back.

import { DEFAULT_PRESET } from "./lib/dates.js";

export const ROUTE_CHANGED = "cr-route-changed";
// The event views send up to ask for a new state: `detail` is `{patch, replace}`.
export const NAVIGATE = "cr-navigate";

export const DEFAULTS = Object.freeze({
  view: "report", // report | centers | dates | balances | account | templates
  range: DEFAULT_PRESET,
  from: "",
  to: "",
  zone: "",
  center: "",
  channel: "",
  type: "",
  createdFrom: "",
  status: "",
  source: "",
  q: "",
  // Campaigns without a message in the window are left out unless the user asks (`0`).
  active: "1",
  sort: "CREDITS_CONSUMED",
  dir: "DESC",
  size: "25",
  // The cursors of the pages before this one, comma-separated: Previous drops the last.
  after: "",
  // Drilldowns: the campaign and the drilldown's own date range.
  campaign: "",
  drange: "",
  dfrom: "",
  dto: "",
  // The date drilldown's rows: day, week or month; empty picks by the window's length.
  group: "",
  // Balances: the account whose statement is open (its dates are `drange`/`dfrom`/`dto`) and
  // the cursors of its transaction pages before this one.
  account: "",
  tafter: "",
});

export function readState(search = window.location.search) {
  const params = new URLSearchParams(search);
  const state = { ...DEFAULTS };
  for (const key of Object.keys(DEFAULTS)) {
    const value = params.get(key);
    if (value !== null) state[key] = value;
  }
  return state;
}

export function toSearch(state) {
  const params = new URLSearchParams();
  for (const [key, fallback] of Object.entries(DEFAULTS)) {
    const value = state[key] ?? fallback;
    if (value !== fallback) params.set(key, value);
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

/** Move to a new state (a history entry unless `replace`) and tell the app. */
export function navigate(patch, { replace = false } = {}) {
  const state = { ...readState(), ...patch };
  const url = `${window.location.pathname}${toSearch(state)}`;
  if (url !== `${window.location.pathname}${window.location.search}`) {
    if (replace) history.replaceState(null, "", url);
    else history.pushState(null, "", url);
  }
  window.dispatchEvent(new CustomEvent(ROUTE_CHANGED));
}

export function onRouteChange(callback) {
  window.addEventListener("popstate", callback);
  window.addEventListener(ROUTE_CHANGED, callback);
}
