// <cr-report>: Marketing > Credit consumption. Filters above the campaign table; totals,
// paging and CSV export around it. Everything it shows follows from the URL state it is
// given; every change it wants goes up as a `cr-navigate` event.

import { ApiError, graphql } from "../api.js";
import { downloadCsv, exportRows, toCsv } from "../lib/csv.js";
import { daysIn, describeRange } from "../lib/dates.js";
import { change, previousPeriodName } from "../lib/flow.js";
import { formatDecimal, formatInt, plainDecimal } from "../lib/format.js";
import { html, render } from "../lib/html.js";
import { REPORT_RANGE, reportLinkProblems } from "../lib/problems.js";
import {
  exportFacts,
  organizationToday,
  rangeSlug,
  scopeOf,
  scopeSlug,
  timeZoneNote,
  windowOf,
} from "../lib/scope.js";
import { QUERY_CAMPAIGN_REPORT } from "../queries.js";
import { FLOW_EVENT, flowVariables } from "./report-flow.js";
import { DEFAULTS, NAVIGATE, toSearch } from "../router.js";
import { CAMPAIGN_COLUMNS, firstDirection } from "./campaign-table.js";
import { PAGE_SIZES } from "./pager.js";
import {
  handleProblemActions,
  linkProblemState,
  problemState,
  requestProblemState,
} from "./problem-state.js";
import { skeletonTable, skeletonTiles } from "./skeleton.js";
import { clearFilters, filterSummary, refine } from "./report-filters.js";

const EXPORT_PAGE_SIZE = 200; // the API's largest page
const SORT_FIELDS = CAMPAIGN_COLUMNS.map((c) => c.field);
// What "Reset this view" goes back to: the defaults of everything but the scope.
const RESET = Object.fromEntries(
  Object.entries(DEFAULTS).filter(([key]) => !["view", "zone", "center"].includes(key)),
);
const ROWS_NOTE =
  "Targeted Guests counts distinct guests. A guest messaged by two campaigns, at two centers " +
  "or on several days counts once in each row but once only in the total, so rows may add up " +
  "to more than the total. Processed and Credits Consumed always add up exactly.";

class Report extends HTMLElement {
  #viewer = null;
  #state = { ...DEFAULTS };
  #today = "";
  #queryKey = "";
  #request = 0;
  #result = null; // {campaigns, variables, scope, window, page}
  #error = null;
  #problems = []; // what in the link cannot be shown
  #loading = false;
  #previous = null; // {key, previousPeriod}: the flow's, for the tiles' changes

  set viewer(viewer) {
    this.#viewer = viewer;
    this.#today = organizationToday(viewer);
  }

  set state(state) {
    this.#state = state;
    // Presets are relative to today in the organization; an open tab crosses midnight too.
    this.#today = organizationToday(this.#viewer);
    document.title = "Credit consumption · Marketing";
    if (!this.querySelector("section")) this.#build();
    const filters = this.querySelector("cr-report-filters");
    filters.viewer = this.#viewer;
    filters.data = { state, today: this.#today };
    this.#problems = reportLinkProblems(state, {
      today: this.#today,
      sortFields: SORT_FIELDS,
      pageSizes: PAGE_SIZES,
    });
    this.#load();
  }

  focusHeading() {
    this.querySelector("h1")?.focus();
  }

  #build() {
    render(
      this,
      html`<section class="view report-view" aria-labelledby="report-title">
        <header class="view-head">
          <p class="eyebrow">Marketing</p>
          <h1 id="report-title" tabindex="-1">Credit consumption</h1>
          <p class="muted" data-slot="subtitle"></p>
          <p class="time-note muted" data-slot="time-note"></p>
        </header>
        <cr-report-filters></cr-report-filters>
        <cr-report-flow></cr-report-flow>
        <div class="tiles" data-slot="tiles" aria-live="polite"></div>
        <div class="table-actions">
          <p class="muted" data-slot="status" role="status"></p>
          <button type="button" class="button" data-action="export" disabled>Export CSV</button>
        </div>
        <div data-slot="body"></div>
        <cr-campaign-table hidden></cr-campaign-table>
        <cr-pager class="pager"></cr-pager>
        <p class="note"><strong>Why rows can add up to more guests than a total:</strong> ${ROWS_NOTE}</p>
      </section>`,
    );
    this.querySelector("[data-action=export]").addEventListener("click", () => this.#export());
    this.addEventListener("cr-sort", (event) => {
      const { field } = event.detail;
      const { sort, dir } = this.#state;
      const next = sort === field ? (dir === "ASC" ? "DESC" : "ASC") : firstDirection(field);
      refine(this, { sort: field, dir: next });
    });
    this.addEventListener("cr-page", (event) => this.#turnPage(event.detail.direction));
    this.addEventListener(FLOW_EVENT, (event) => {
      this.#previous = event.detail;
      if (this.#result && !this.#error) this.#renderTiles(this.#result.campaigns);
    });
    this.addEventListener("cr-page-size", (event) => refine(this, { size: event.detail.size }));
    const body = this.querySelector("[data-slot=body]");
    handleProblemActions(body, { retry: () => this.#load({ force: true }) });
    body.addEventListener("click", (event) => {
      const action = event.target.closest("[data-action]")?.dataset.action;
      if (action === "include-inactive") refine(this, { active: "0" });
      if (action === "clear") {
        clearFilters(this);
        this.querySelector("cr-report-filters").focusSearch();
      }
    });
  }

  #turnPage(direction) {
    // The cursors of the pages before this one live in the URL, so Previous and a reload
    // both know where they are.
    const chain = this.#state.after ? this.#state.after.split(",") : [];
    if (direction === "next") chain.push(this.#result.campaigns.pageInfo.endCursor);
    else chain.pop();
    this.dispatchEvent(
      new CustomEvent(NAVIGATE, { bubbles: true, detail: { patch: { after: chain.join(",") } } }),
    );
    this.querySelector("h1").scrollIntoView({ block: "nearest" });
  }

  #query() {
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
          withActivity: state.active !== "0",
        },
        orderBy: { field: state.sort, direction: state.dir === "ASC" ? "ASC" : "DESC" },
        first: size,
        after: chain.at(-1) ?? null,
      },
    };
  }

  async #load({ force = false } = {}) {
    if (this.hidden) return;
    if (this.#problems.length) {
      // Nothing to ask the API: the link itself cannot be shown.
      this.querySelector("cr-report-flow").data = null;
      this.#queryKey = "";
      this.#request += 1;
      this.#loading = false;
      this.#render();
      return;
    }
    const query = this.#query();
    this.#showFlow(query);
    const key = JSON.stringify(query.variables);
    if (key === this.#queryKey && !force) return;
    this.#queryKey = key;
    const request = (this.#request += 1);
    this.#loading = true;
    this.#error = null;
    this.#render();
    try {
      const data = await graphql(QUERY_CAMPAIGN_REPORT, query.variables);
      if (request !== this.#request) return; // a newer question is on its way
      this.#result = { ...query, campaigns: data.campaigns, dataUpTo: data.dataUpTo };
    } catch (error) {
      if (request !== this.#request) return;
      this.#error = error;
      this.#queryKey = "";
    }
    this.#loading = false;
    this.#render();
  }

  #linkFor = (campaign, view) => {
    const s = this.#state;
    const drill = { view, campaign: campaign.id, drange: s.range, dfrom: s.from, dto: s.to };
    return `/${toSearch({ ...s, ...drill })}`;
  };

  #render() {
    const pending = this.#query();
    render(
      this.querySelector("[data-slot=subtitle]"),
      html`${describeRange(pending.window)} · ${pending.scope.name}`,
    );
    render(
      this.querySelector("[data-slot=time-note]"),
      timeZoneNote(this.#viewer, this.#today, this.#result?.dataUpTo),
    );
    this.setAttribute("aria-busy", String(this.#loading));
    const table = this.querySelector("cr-campaign-table");
    const body = this.querySelector("[data-slot=body]");
    const tiles = this.querySelector("[data-slot=tiles]");
    const status = this.querySelector("[data-slot=status]");
    const exportButton = this.querySelector("[data-action=export]");
    const pager = this.querySelector("cr-pager");
    table.hidden = true;
    exportButton.disabled = true;
    tiles.classList.toggle("stale", this.#loading);
    tiles.setAttribute("aria-busy", String(this.#loading));
    if (this.#problems.length || this.#error) {
      render(tiles, "");
      pager.data = null;
      status.textContent = "";
      render(body, this.#problems.length ? this.#linkProblemState() : this.#errorState());
      return;
    }
    if (!this.#result) {
      status.textContent = "Loading campaigns…";
      render(tiles, skeletonTiles());
      render(body, skeletonTable());
      return;
    }
    const { campaigns, page, variables } = this.#result;
    const rows = campaigns.edges.map((e) => e.node);
    status.textContent = this.#loading ? "Updating…" : "";
    this.#renderTiles(campaigns);
    if (rows.length === 0) {
      pager.data = null;
      render(body, this.#emptyState());
      return;
    }
    render(body, "");
    table.hidden = false;
    table.classList.toggle("stale", this.#loading);
    table.data = {
      rows,
      totals: campaigns.totals,
      totalCount: campaigns.totalCount,
      sort: { field: this.#state.sort, dir: this.#state.dir },
      linkFor: this.#linkFor,
    };
    exportButton.disabled = this.#loading;
    pager.data = {
      page,
      size: variables.first,
      shown: rows.length,
      totalCount: campaigns.totalCount,
      hasNextPage: campaigns.pageInfo.hasNextPage,
    };
  }

  #linkProblemState() {
    return linkProblemState(this.#problems, "report");
  }

  #errorState() {
    const error = this.#error;
    const message = error instanceof ApiError ? error.message : String(error);
    const title = "The report could not be loaded.";
    if (error.code === "NOT_FOUND" && (this.#state.zone || this.#state.center)) {
      const own = this.#viewer.center ?? this.#viewer.zone ?? this.#viewer.organization;
      return problemState({
        title,
        message: `${message} The link names a zone or center you do not see.`,
        actions: [{ label: `Show ${own.name}`, patch: { zone: "", center: "", after: "" } }],
      });
    }
    return requestProblemState(error, title, { keys: REPORT_RANGE, reset: RESET });
  }

  #emptyState() {
    const state = this.#state;
    const others = filterSummary(state, this.#viewer).filter((f) => f.key !== "active");
    const onlyActive = state.active !== "0";
    const headline = others.length
      ? "No campaigns match these filters."
      : onlyActive
        ? "No campaigns with activity in this window."
        : "No campaigns in this scope.";
    return html`<div class="state state-empty">
      <p>
        <strong>${headline}</strong>
        Try another date range${others.length ? ", or clear the filters" : " or scope"}.
      </p>
      <div class="state-actions">
        ${
          others.length
            ? html`<button type="button" class="button" data-action="clear">Clear filters</button>`
            : ""
        }
        ${
          onlyActive
            ? html`<button type="button" class="button" data-action="include-inactive">Include campaigns without activity</button>`
            : ""
        }
      </div>
    </div>`;
  }

  /** The flow asks with the report's filters and scope, not its sort or page. */
  #showFlow({ variables, window, scope }) {
    const flow = flowVariables(variables);
    const key = JSON.stringify(flow);
    this.querySelector("cr-report-flow").data = {
      key,
      variables: flow,
      window,
      scope,
      viewer: this.#viewer,
      preset: this.#state.range,
    };
  }

  /** "+12% vs previous 30 days" under a tile, once the flow answered for these filters. */
  #changeOf(key, totals) {
    const { window, variables } = this.#result;
    const previous = this.#previous;
    if (!window || !previous?.previousPeriod) return "";
    if (previous.key !== JSON.stringify(flowVariables(variables))) return "";
    const { text, trend } = change(totals[key], previous.previousPeriod[key]);
    const days = daysIn(window.start, window.end);
    return html`<span class="tile-change tile-change-${trend}" data-change="${key}">${text} vs ${previousPeriodName(days)}</span>`;
  }

  #renderTiles({ totals, totalCount }) {
    const tiles = [
      ["Campaigns", "campaigns", formatInt(totalCount)],
      ["Targeted Guests", "targetedGuests", formatInt(totals.targetedGuests)],
      ["Processed", "processed", formatInt(totals.processed)],
      ["Credits Consumed", "creditsConsumed", formatDecimal(totals.creditsConsumed)],
    ];
    const changeOf = (key) => (key === "campaigns" ? "" : this.#changeOf(key, totals));
    render(
      this.querySelector("[data-slot=tiles]"),
      tiles.map(
        ([
          title,
          key,
          value,
        ]) => html`<div class="tile ${key === "creditsConsumed" ? "tile-main" : ""}">
          <span class="tile-label">${title}</span>
          <span class="tile-value" data-total="${key}">${value}</span>
          ${changeOf(key)}
        </div>`,
      ),
    );
  }

  /** Every matching campaign, not just this page, with the columns on screen and their ids. */
  async #export() {
    const { variables, scope, window } = this.#result;
    const button = this.querySelector("[data-action=export]");
    const status = this.querySelector("[data-slot=status]");
    button.disabled = true;
    status.textContent = "Preparing the CSV…";
    try {
      const campaigns = [];
      let after = null;
      let connection;
      do {
        const page = { ...variables, first: EXPORT_PAGE_SIZE, after };
        connection = (await graphql(QUERY_CAMPAIGN_REPORT, page)).campaigns;
        campaigns.push(...connection.edges.map((e) => e.node));
        after = connection.pageInfo.endCursor;
      } while (connection.pageInfo.hasNextPage);
      downloadCsv(
        `credit-consumption_${scopeSlug(scope)}_${rangeSlug(window)}.csv`,
        toCsv(this.#csvRows(campaigns, connection.totals, scope, window)),
      );
      status.textContent = `Exported ${formatInt(campaigns.length)} campaigns.`;
    } catch (error) {
      status.textContent = `The CSV could not be made: ${error.message}`;
    } finally {
      button.disabled = false;
    }
  }

  #csvRows(campaigns, totals, scope, window) {
    const cellOf = (column, campaign) => {
      const value = column.value(campaign);
      return column.kind === "decimal" ? plainDecimal(value) : value;
    };
    const filters = filterSummary(this.#state, this.#viewer).map((f) => f.text);
    const what = campaigns.length === 1 ? "campaign" : "campaigns";
    const total = CAMPAIGN_COLUMNS.map((c) => {
      if (c.field === "TARGETED_GUESTS") return totals.targetedGuests;
      if (c.field === "PROCESSED") return totals.processed;
      if (c.field === "CREDITS_CONSUMED") return plainDecimal(totals.creditsConsumed);
      return "";
    });
    return exportRows({
      title: "Credit consumption by campaign",
      facts: [
        ...exportFacts({ viewer: this.#viewer, scope, window, preset: this.#state.range }),
        ["Filters", filters.length ? filters.join("; ") : "None"],
      ],
      header: ["Campaign ID", ...CAMPAIGN_COLUMNS.map((c) => c.title)],
      rows: campaigns.map((c) => [c.id, ...CAMPAIGN_COLUMNS.map((column) => cellOf(column, c))]),
      total: [`Total (${campaigns.length} ${what})`, ...total],
      notes: [["Note", ROWS_NOTE]],
    });
  }
}

export function registerReport() {
  customElements.define("cr-report", Report);
}
