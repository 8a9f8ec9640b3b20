// <cr-report-filters>: what the report covers — scope, date range, name search, filters.
// Built once and then only synchronised with the state, so typing and focus are never lost.
// Every change goes up as `cr-navigate`, back to page 1. On a phone the filters fold behind
// one button that says what is applied, so the numbers come first.

import { presetLabel } from "../lib/dates.js";
import { CHANNELS, CREATED_FROM, STATUSES, TYPES, label } from "../lib/format.js";
import { html, render } from "../lib/html.js";
import { DEFAULTS, NAVIGATE } from "../router.js";

const SEARCH_DELAY_MS = 300;
const FILTERS = [
  {
    key: "channel",
    title: "Channel",
    all: "All channels",
    values: () => CHANNELS.map((v) => [v, label(v)]),
  },
  {
    key: "type",
    title: "Campaign Type",
    all: "All types",
    values: () => TYPES.map((v) => [v, label(v)]),
  },
  {
    key: "createdFrom",
    title: "Created From",
    all: "Any level",
    values: () => CREATED_FROM.map((v) => [v, label(v)]),
  },
  {
    key: "status",
    title: "Status",
    all: "All statuses",
    values: () => STATUSES.map((v) => [v, label(v)]),
  },
  {
    key: "source",
    title: "Credit Source",
    all: "All sources",
    values: (viewer) => viewer.creditSources.map((s) => [s.id, s.name]),
  },
];
/** The state keys that narrow the report within its scope and window. */
export const FILTER_KEYS = [...FILTERS.map((f) => f.key), "q", "active"];

/** Whether any filter differs from the report's defaults (what "Clear filters" undoes). */
export function hasFilters(state) {
  return FILTER_KEYS.some((key) => state[key] !== DEFAULTS[key]);
}

/** The filters that apply, in words: `[{key, text}]` ("Channel: SMS"). */
export function filterSummary(state, viewer) {
  const applied = FILTERS.filter((f) => state[f.key]).map((f) => {
    const value = f.values(viewer).find(([v]) => v === state[f.key])?.[1] ?? state[f.key];
    return { key: f.key, text: `${f.title}: ${value}` };
  });
  if (state.q) applied.unshift({ key: "q", text: `Campaign Name contains “${state.q}”` });
  if (state.active !== "0") applied.push({ key: "active", text: "Only campaigns with activity" });
  return applied;
}

/** Ask for a report with these changes, from page 1. */
export function refine(element, patch, options = {}) {
  element.dispatchEvent(
    new CustomEvent(NAVIGATE, {
      bubbles: true,
      detail: { patch: { ...patch, after: "" }, ...options },
    }),
  );
}

export function clearFilters(element) {
  refine(element, Object.fromEntries(FILTER_KEYS.map((key) => [key, DEFAULTS[key]])));
}

class ReportFilters extends HTMLElement {
  #viewer = null;
  #state = null;
  #today = "";
  #searchTimer = 0;

  set viewer(viewer) {
    this.#viewer = viewer;
  }

  /** `{state, today}` */
  set data({ state, today }) {
    this.#state = state;
    this.#today = today;
    if (!this.querySelector("form")) this.#build();
    this.#sync();
  }

  focusSearch() {
    this.#fold(false);
    this.querySelector("[data-control=q]").focus();
  }

  /** Phones only: fold the filters away (or open them); wider screens always show them. */
  #fold(folded) {
    this.classList.toggle("folded", folded);
    this.querySelector("[data-action=toggle]").setAttribute("aria-expanded", String(!folded));
  }

  #scopeField() {
    const viewer = this.#viewer;
    if (viewer.scopeKind === "CENTER") return "";
    const own = viewer.zone ?? viewer.organization;
    const zones = viewer.scopeKind === "ORGANIZATION" ? viewer.zones : [];
    return html`<div class="field">
      <label for="report-scope">Scope</label>
      <select id="report-scope" data-control="scope">
        <option value="">${viewer.scopeKind === "ORGANIZATION" ? "Whole organization" : `All of ${own.name}`}</option>
        ${
          zones.length
            ? html`<optgroup label="Zones">
              ${zones.map((z) => html`<option value="zone:${z.id}">${z.name}</option>`)}
            </optgroup>`
            : ""
        }
        <optgroup label="Centers">
          ${viewer.centers.map((c) => html`<option value="center:${c.id}">${c.name}</option>`)}
        </optgroup>
      </select>
    </div>`;
  }

  #build() {
    render(
      this,
      html`<button type="button" class="filters-toggle" data-action="toggle"
          aria-expanded="false" aria-controls="report-filter-form">
          <span class="filters-toggle-title">Filters</span>
          <span class="filters-toggle-text muted" data-slot="toggle-text"></span>
          <span class="filters-toggle-icon" aria-hidden="true">▾</span>
        </button>
        <form class="toolbar" id="report-filter-form" role="search" aria-label="Report filters">
        ${this.#scopeField()}
        <cr-date-range label="Date Range" data-control="range"></cr-date-range>
        <div class="field field-search">
          <label for="report-search">Campaign Name</label>
          <input id="report-search" type="search" placeholder="Search campaigns"
            autocomplete="off" data-control="q">
        </div>
        ${FILTERS.map(
          (f) => html`<div class="field">
            <label for="filter-${f.key}">${f.title}</label>
            <select id="filter-${f.key}" data-filter="${f.key}">
              <option value="">${f.all}</option>
              ${f.values(this.#viewer).map(([value, text]) => html`<option value="${value}">${text}</option>`)}
            </select>
          </div>`,
        )}
        <label class="check">
          <input type="checkbox" data-control="active"> Only campaigns with activity
        </label>
        <button type="button" class="button button-quiet" data-action="clear" hidden>
          Clear filters
        </button>
      </form>`,
    );
    this.#fold(true);
    this.querySelector("[data-action=toggle]").addEventListener("click", () =>
      this.#fold(!this.classList.contains("folded")),
    );
    const form = this.querySelector("form");
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.#commitSearch();
    });
    form.addEventListener("change", (event) => this.#onChange(event.target));
    this.querySelector("[data-control=q]").addEventListener("input", () => {
      clearTimeout(this.#searchTimer);
      this.#searchTimer = setTimeout(() => this.#commitSearch(), SEARCH_DELAY_MS);
    });
    this.querySelector("[data-control=range]").addEventListener("cr-range-change", (event) => {
      event.stopPropagation();
      const { preset, start, end } = event.detail;
      const custom = preset === "custom";
      refine(this, { range: preset, from: custom ? start : "", to: custom ? end : "" });
    });
    this.querySelector("[data-action=clear]").addEventListener("click", () => {
      clearFilters(this);
      this.focusSearch();
    });
  }

  #commitSearch() {
    clearTimeout(this.#searchTimer);
    const q = this.querySelector("[data-control=q]").value.trim();
    // Typing replaces the history entry: Back should not replay every keystroke.
    if (q !== this.#state.q) refine(this, { q }, { replace: true });
  }

  #onChange(target) {
    if (target.dataset.filter) {
      refine(this, { [target.dataset.filter]: target.value });
    } else if (target.dataset.control === "scope") {
      const [kind, id] = target.value.split(":");
      refine(this, { zone: kind === "zone" ? id : "", center: kind === "center" ? id : "" });
    } else if (target.dataset.control === "active") {
      refine(this, { active: target.checked ? "1" : "0" });
    }
  }

  /** Put the state into the controls (after a reload, Back, or a link). */
  #sync() {
    const state = this.#state;
    const scope = this.querySelector("[data-control=scope]");
    if (scope) {
      scope.value = state.center
        ? `center:${state.center}`
        : state.zone
          ? `zone:${state.zone}`
          : "";
    }
    const range = this.querySelector("[data-control=range]");
    range.today = this.#today;
    range.value = { preset: state.range, start: state.from, end: state.to };
    const search = this.querySelector("[data-control=q]");
    if (document.activeElement !== search) search.value = state.q;
    for (const f of FILTERS) this.querySelector(`[data-filter=${f.key}]`).value = state[f.key];
    this.querySelector("[data-control=active]").checked = state.active !== "0";
    this.querySelector("[data-action=clear]").hidden = !hasFilters(state);
    const changed = FILTER_KEYS.filter((key) => state[key] !== DEFAULTS[key]).length;
    const scopeName = scope?.selectedOptions[0]?.textContent.trim();
    render(
      this.querySelector("[data-slot=toggle-text]"),
      [presetLabel(state.range), scopeName, changed ? `${changed} changed` : ""]
        .filter(Boolean)
        .join(" · "),
    );
  }
}

export function registerReportFilters() {
  customElements.define("cr-report-filters", ReportFilters);
}
