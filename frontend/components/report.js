// <cr-report>: Marketing > Credit consumption. Scope, date range, filters and search above
// the campaign table; totals, paging and CSV export around it. Everything it shows comes from
// the URL state it is given; every change it wants goes up as a `cr-navigate` event.

import { ApiError, graphql } from "../api.js";
import { downloadCsv, toCsv } from "../lib/csv.js";
import { describeRange } from "../lib/dates.js";
import { CHANNELS, CREATED_FROM, STATUSES, TYPES, formatDecimal, formatInt, label } from "../lib/format.js";
import { html, render } from "../lib/html.js";
import { organizationToday, rangeSlug, scopeOf, scopeSlug, windowOf } from "../lib/scope.js";
import { QUERY_CAMPAIGN_REPORT } from "../queries.js";
import { DEFAULTS, NAVIGATE, toSearch } from "../router.js";
import { CAMPAIGN_COLUMNS, firstDirection } from "./campaign-table.js";

const PAGE_SIZES = ["10", "25", "50", "100"];
const EXPORT_PAGE_SIZE = 200; // the API's maximum page
const SEARCH_DELAY_MS = 300;
const FILTERS = [
  { key: "channel", title: "Channel", all: "All channels", values: () => CHANNELS.map((v) => [v, label(v)]) },
  { key: "type", title: "Campaign type", all: "All types", values: () => TYPES.map((v) => [v, label(v)]) },
  { key: "createdFrom", title: "Created from", all: "Any level", values: () => CREATED_FROM.map((v) => [v, label(v)]) },
  { key: "status", title: "Status", all: "All statuses", values: () => STATUSES.map((v) => [v, label(v)]) },
  { key: "source", title: "Credit source", all: "All sources", values: (viewer) => viewer.creditSources.map((s) => [s.id, s.name]) },
];
const FILTER_KEYS = [...FILTERS.map((f) => f.key), "q", "active"];

class Report extends HTMLElement {
  #viewer = null;
  #state = { ...DEFAULTS };
  #today = "";
  #built = false;
  #queryKey = "";
  #request = 0;
  #result = null; // {campaigns, variables, scope, window}
  #error = null;
  #loading = false;
  #searchTimer = 0;

  set viewer(viewer) {
    this.#viewer = viewer;
    this.#today = organizationToday(viewer);
  }

  set state(state) {
    this.#state = state;
    this.#build();
    this.#syncControls();
    this.#load();
  }

  focusHeading() {
    this.querySelector("h1")?.focus();
  }

  #navigate(patch, options = {}) {
    this.dispatchEvent(new CustomEvent(NAVIGATE, { bubbles: true, detail: { patch, ...options } }));
  }

  /** A change to what is reported starts again at page 1. */
  #refine(patch, options) {
    this.#navigate({ ...patch, after: "" }, options);
  }

  #scopeOptions() {
    const viewer = this.#viewer;
    if (viewer.scopeKind === "CENTER") return "";
    const own = viewer.zone ?? viewer.organization;
    return html`<div class="field">
      <label for="report-scope">Scope</label>
      <select id="report-scope" data-control="scope">
        <option value="">${viewer.scopeKind === "ORGANIZATION" ? "Whole organization" : `All of ${own.name}`}</option>
        ${viewer.scopeKind === "ORGANIZATION" && viewer.zones.length
          ? html`<optgroup label="Zones">${viewer.zones.map((z) => html`<option value="zone:${z.id}">${z.name}</option>`)}</optgroup>`
          : ""}
        <optgroup label="Centers">${viewer.centers.map((c) => html`<option value="center:${c.id}">${c.name}</option>`)}</optgroup>
      </select>
    </div>`;
  }

  #build() {
    if (this.#built) return;
    this.#built = true;
    const viewer = this.#viewer;
    render(
      this,
      html`<section class="view" aria-labelledby="report-title">
        <header class="view-head">
          <p class="eyebrow">Marketing</p>
          <h1 id="report-title" tabindex="-1">Credit consumption</h1>
          <p class="muted" data-slot="subtitle"></p>
        </header>
        <form class="toolbar" role="search" aria-label="Report filters">
          ${this.#scopeOptions()}
          <cr-date-range label="Date range" data-control="range"></cr-date-range>
          <div class="field field-search">
            <label for="report-search">Campaign name</label>
            <input id="report-search" type="search" placeholder="Search campaigns" autocomplete="off" data-control="q">
          </div>
          ${FILTERS.map(
            (f) => html`<div class="field">
              <label for="filter-${f.key}">${f.title}</label>
              <select id="filter-${f.key}" data-filter="${f.key}">
                <option value="">${f.all}</option>
                ${f.values(viewer).map(([value, text]) => html`<option value="${value}">${text}</option>`)}
              </select>
            </div>`,
          )}
          <label class="check"><input type="checkbox" data-control="active"> Only campaigns with activity</label>
          <button type="button" class="button button-quiet" data-action="clear" hidden>Clear filters</button>
        </form>
        <div class="tiles" data-slot="tiles" aria-live="polite"></div>
        <div class="table-actions">
          <p class="muted" data-slot="status" role="status"></p>
          <button type="button" class="button" data-action="export" disabled>Export CSV</button>
        </div>
        <div data-slot="body"></div>
        <cr-campaign-table hidden></cr-campaign-table>
        <nav class="pager" aria-label="Pages" data-slot="pager"></nav>
        <p class="note">
          <strong>Why rows can add up to more guests than a total:</strong> Targeted Guests counts
          distinct guests. A guest messaged by two campaigns, at two centers or on several days
          counts once in each row but once only in the total, so rows may add up to more than the
          total. Processed and Credits Consumed always add up exactly.
        </p>
      </section>`,
    );
    const form = this.querySelector("form");
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.#commitSearch();
    });
    form.addEventListener("change", (event) => this.#onControlChange(event));
    this.querySelector("[data-control=q]").addEventListener("input", () => {
      clearTimeout(this.#searchTimer);
      this.#searchTimer = setTimeout(() => this.#commitSearch(), SEARCH_DELAY_MS);
    });
    this.querySelector("[data-control=range]").addEventListener("cr-range-change", (event) => {
      event.stopPropagation();
      const { preset, start, end } = event.detail;
      this.#refine({ range: preset, from: preset === "custom" ? start : "", to: preset === "custom" ? end : "" });
    });
    this.querySelector("[data-action=clear]").addEventListener("click", () => {
      this.#refine(Object.fromEntries(FILTER_KEYS.map((k) => [k, ""])));
      this.querySelector("[data-control=q]").focus();
    });
    this.querySelector("[data-action=export]").addEventListener("click", () => this.#export());
    this.addEventListener("cr-sort", (event) => {
      const { field } = event.detail;
      const dir = this.#state.sort === field ? (this.#state.dir === "ASC" ? "DESC" : "ASC") : firstDirection(field);
      this.#refine({ sort: field, dir });
    });
    this.querySelector("[data-slot=pager]").addEventListener("click", (event) => this.#onPager(event));
    this.querySelector("[data-slot=pager]").addEventListener("change", (event) => {
      if (event.target.dataset.control === "size") this.#refine({ size: event.target.value });
    });
    this.querySelector("[data-slot=body]").addEventListener("click", (event) => {
      if (event.target.closest("[data-action=retry]")) this.#load({ force: true });
      if (event.target.closest("[data-action=reset-scope]")) this.#refine({ zone: "", center: "" });
      if (event.target.closest("[data-action=clear]")) this.querySelector("[data-action=clear]").click();
    });
  }

  #commitSearch() {
    clearTimeout(this.#searchTimer);
    const q = this.querySelector("[data-control=q]").value.trim();
    if (q !== this.#state.q) this.#refine({ q }, { replace: true });
  }

  #onControlChange(event) {
    const target = event.target;
    if (target.dataset.filter) {
      this.#refine({ [target.dataset.filter]: target.value });
    } else if (target.dataset.control === "scope") {
      const [kind, id] = target.value.split(":");
      this.#refine({ zone: kind === "zone" ? id : "", center: kind === "center" ? id : "" });
    } else if (target.dataset.control === "active") {
      this.#refine({ active: target.checked ? "1" : "" });
    }
  }

  #onPager(event) {
    const button = event.target.closest("button[data-page]");
    if (!button) return;
    const chain = this.#state.after ? this.#state.after.split(",") : [];
    if (button.dataset.page === "next") {
      chain.push(this.#result.campaigns.pageInfo.endCursor);
    } else {
      chain.pop();
    }
    this.#navigate({ after: chain.join(",") });
    this.querySelector("h1").scrollIntoView({ block: "nearest" });
  }

  /** Put the state into the controls (after a reload, Back, or a link). */
  #syncControls() {
    const state = this.#state;
    const scope = this.querySelector("[data-control=scope]");
    if (scope) scope.value = state.center ? `center:${state.center}` : state.zone ? `zone:${state.zone}` : "";
    const range = this.querySelector("[data-control=range]");
    range.today = this.#today;
    range.value = { preset: state.range, start: state.from, end: state.to };
    const search = this.querySelector("[data-control=q]");
    if (document.activeElement !== search) search.value = state.q;
    for (const f of FILTERS) this.querySelector(`[data-filter=${f.key}]`).value = state[f.key];
    this.querySelector("[data-control=active]").checked = state.active === "1";
    this.querySelector("[data-action=clear]").hidden = !FILTER_KEYS.some((k) => state[k]);
  }

  #variables() {
    const state = this.#state;
    const scope = scopeOf(this.#viewer, state);
    const window = windowOf({ preset: state.range, start: state.from, end: state.to }, this.#today);
    const list = (value) => (value ? [value] : null);
    const chain = state.after ? state.after.split(",") : [];
    const size = PAGE_SIZES.includes(state.size) ? Number(state.size) : Number(DEFAULTS.size);
    return {
      scope,
      window,
      page: chain.length + 1,
      variables: {
        dateRange: window,
        zoneId: scope.zoneId,
        centerId: scope.centerId,
        filter: {
          channels: list(state.channel),
          types: list(state.type),
          createdFrom: list(state.createdFrom),
          statuses: list(state.status),
          creditSourceIds: list(state.source),
          nameContains: state.q || null,
          withActivity: state.active === "1",
        },
        orderBy: { field: state.sort, direction: state.dir === "ASC" ? "ASC" : "DESC" },
        first: size,
        after: chain.at(-1) ?? null,
      },
    };
  }

  async #load({ force = false } = {}) {
    if (this.hidden) return;
    const query = this.#variables();
    const key = JSON.stringify(query.variables);
    if (key === this.#queryKey && !force) return;
    this.#queryKey = key;
    const request = (this.#request += 1);
    this.#loading = true;
    this.#error = null;
    this.#renderResult();
    try {
      const data = await graphql(QUERY_CAMPAIGN_REPORT, query.variables);
      if (request !== this.#request) return;
      this.#result = { ...query, campaigns: data.campaigns };
    } catch (error) {
      if (request !== this.#request) return;
      this.#error = error;
      this.#queryKey = "";
    }
    this.#loading = false;
    this.#renderResult();
  }

  #linkFor = (campaign, view) => {
    const s = this.#state;
    return `/${toSearch({ ...s, view, campaign: campaign.id, drange: s.range, dfrom: s.from, dto: s.to })}`;
  };

  #renderResult() {
    const result = this.#result;
    const pending = this.#variables();
    const table = this.querySelector("cr-campaign-table");
    const body = this.querySelector("[data-slot=body]");
    const status = this.querySelector("[data-slot=status]");
    const exportButton = this.querySelector("[data-action=export]");
    render(
      this.querySelector("[data-slot=subtitle]"),
      html`${describeRange(pending.window)} · ${pending.scope.name}${pending.window ? html` · dates in each center's time zone` : ""}`,
    );
    this.setAttribute("aria-busy", String(this.#loading));
    if (this.#error) {
      table.hidden = true;
      render(this.querySelector("[data-slot=tiles]"), "");
      render(this.querySelector("[data-slot=pager]"), "");
      status.textContent = "";
      exportButton.disabled = true;
      const message = this.#error instanceof ApiError ? this.#error.message : String(this.#error);
      const outsideScope = this.#error.code === "NOT_FOUND" && (this.#state.zone || this.#state.center);
      const own = this.#viewer.center ?? this.#viewer.zone ?? this.#viewer.organization;
      render(
        body,
        html`<div class="state state-error" role="alert">
          <p><strong>The report could not be loaded.</strong> ${message}</p>
          ${outsideScope
            ? html`<p>The link names a zone or center you do not see.</p>
                <button type="button" class="button" data-action="reset-scope">Show ${own.name}</button>`
            : html`<button type="button" class="button" data-action="retry">Retry</button>`}
        </div>`,
      );
      return;
    }
    if (!result) {
      table.hidden = true;
      render(body, html`<div class="state state-loading"><span class="spinner" aria-hidden="true"></span> Loading campaigns…</div>`);
      status.textContent = "Loading…";
      return;
    }
    const { campaigns, page } = result;
    const rows = campaigns.edges.map((e) => e.node);
    status.textContent = this.#loading ? "Updating…" : "";
    table.classList.toggle("stale", this.#loading);
    this.#renderTiles(campaigns);
    if (rows.length === 0) {
      table.hidden = true;
      exportButton.disabled = true;
      const filtered = FILTER_KEYS.some((k) => this.#state[k]);
      render(
        body,
        html`<div class="state state-empty">
          <p><strong>No campaigns ${filtered ? "match these filters" : "in this scope"}.</strong>
            ${filtered ? "Try another date range, or clear the filters." : "Try another date range or scope."}</p>
          ${filtered ? html`<button type="button" class="button" data-action="clear">Clear filters</button>` : ""}
        </div>`,
      );
      render(this.querySelector("[data-slot=pager]"), "");
      return;
    }
    render(body, "");
    table.hidden = false;
    exportButton.disabled = this.#loading;
    table.data = {
      rows,
      totals: campaigns.totals,
      totalCount: campaigns.totalCount,
      sort: { field: this.#state.sort, dir: this.#state.dir },
      linkFor: this.#linkFor,
    };
    this.#renderPager(campaigns, page, rows.length, result.variables.first);
  }

  #renderTiles(campaigns) {
    const { totals, totalCount } = campaigns;
    render(
      this.querySelector("[data-slot=tiles]"),
      html`<div class="tile"><span class="tile-label">Campaigns</span><span class="tile-value" data-total="campaigns">${formatInt(totalCount)}</span></div>
        <div class="tile"><span class="tile-label">Targeted guests</span><span class="tile-value" data-total="targetedGuests">${formatInt(totals.targetedGuests)}</span></div>
        <div class="tile"><span class="tile-label">Processed</span><span class="tile-value" data-total="processed">${formatInt(totals.processed)}</span></div>
        <div class="tile tile-main"><span class="tile-label">Credits consumed</span><span class="tile-value" data-total="creditsConsumed">${formatDecimal(totals.creditsConsumed)}</span></div>`,
    );
  }

  #renderPager(campaigns, page, shown, size) {
    const first = (page - 1) * size + 1;
    const pages = Math.max(1, Math.ceil(campaigns.totalCount / size));
    render(
      this.querySelector("[data-slot=pager]"),
      html`<label class="page-size">Rows per page
          <select data-control="size" data-focus="size">
            ${PAGE_SIZES.map((n) => html`<option value="${n}" ${String(size) === n ? "selected" : ""}>${n}</option>`)}
          </select>
        </label>
        <span class="page-text" data-testid="page-text">${formatInt(first)}–${formatInt(first + shown - 1)} of ${formatInt(campaigns.totalCount)} · page ${page} of ${pages}</span>
        <span class="page-buttons">
          <button type="button" class="button" data-page="previous" data-focus="previous" ${page > 1 ? "" : "disabled"}>‹ Previous</button>
          <button type="button" class="button" data-page="next" data-focus="next" ${campaigns.pageInfo.hasNextPage ? "" : "disabled"}>Next ›</button>
        </span>`,
    );
  }

  async #export() {
    const { variables, scope, window } = this.#result;
    const button = this.querySelector("[data-action=export]");
    const status = this.querySelector("[data-slot=status]");
    button.disabled = true;
    status.textContent = "Preparing the CSV…";
    try {
      const rows = [];
      let after = null;
      let campaigns;
      do {
        campaigns = (await graphql(QUERY_CAMPAIGN_REPORT, { ...variables, first: EXPORT_PAGE_SIZE, after })).campaigns;
        rows.push(...campaigns.edges.map((e) => e.node));
        after = campaigns.pageInfo.endCursor;
      } while (campaigns.pageInfo.hasNextPage);
      const { totals } = campaigns;
      const csv = toCsv([
        CAMPAIGN_COLUMNS.map((c) => c.title),
        ...rows.map((campaign) => CAMPAIGN_COLUMNS.map((c) => c.value(campaign))),
        ["Total", "", "", totals.targetedGuests, totals.processed, totals.creditsConsumed, "", "", ""],
      ]);
      downloadCsv(`credit-consumption_${scopeSlug(scope)}_${rangeSlug(window)}.csv`, csv);
      status.textContent = `Exported ${formatInt(rows.length)} campaigns.`;
    } catch (error) {
      status.textContent = `The CSV could not be made: ${error.message}`;
    } finally {
      button.disabled = false;
    }
  }
}

export function registerReport() {
  customElements.define("cr-report", Report);
}
