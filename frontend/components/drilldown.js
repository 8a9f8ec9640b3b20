// <cr-drilldown>: one campaign's numbers per center (`view=centers`, opened from its name) or
// per business date (`view=dates`, opened from its status), with a chart, a table, CSV export
// and a date range of its own (`drange`/`dfrom`/`dto`, starting from the report's).

import { ApiError, graphql } from "../api.js";
import { downloadCsv, slug, toCsv } from "../lib/csv.js";
import { chartHeight, centerChart, dateChart } from "../lib/charts.js";
import { describeRange } from "../lib/dates.js";
import { formatInt, label } from "../lib/format.js";
import { html, render } from "../lib/html.js";
import { organizationToday, rangeSlug, scopeOf, scopeSlug, windowOf } from "../lib/scope.js";
import { queryCampaignBreakdown } from "../queries.js";
import { DEFAULTS, NAVIGATE, toSearch } from "../router.js";
import { NUMBER_COLUMNS, breakdownCsvRows, breakdownTable, showNumber } from "./breakdown-table.js";

const KINDS = {
  centers: { title: "Credits by center", tab: "By center", file: "by-center" },
  dates: { title: "Credits by date", tab: "By date", file: "by-date" },
};

class Drilldown extends HTMLElement {
  #viewer = null;
  #state = { ...DEFAULTS };
  #today = "";
  #built = false;
  #queryKey = "";
  #request = 0;
  #result = null; // {kind, campaign, rows, scope, window}
  #error = null;
  #loading = false;

  set viewer(viewer) {
    this.#viewer = viewer;
    this.#today = organizationToday(viewer);
  }

  set state(state) {
    this.#state = state;
    // Presets are relative to today in the organization; an open tab crosses midnight too.
    this.#today = organizationToday(this.#viewer);
    this.#build();
    const range = this.querySelector("cr-date-range");
    range.today = this.#today;
    range.value = this.#choice();
    this.#load();
  }

  focusHeading() {
    this.querySelector("h1")?.focus();
  }

  get #kind() {
    return this.#state.view === "dates" ? "dates" : "centers";
  }

  /** The drilldown's own range; until one is chosen, the report's. */
  #choice() {
    const s = this.#state;
    return s.drange
      ? { preset: s.drange, start: s.dfrom, end: s.dto }
      : { preset: s.range, start: s.from, end: s.to };
  }

  #build() {
    if (this.#built) return;
    this.#built = true;
    render(
      this,
      html`<section class="view" aria-labelledby="drilldown-title">
        <nav class="crumbs" aria-label="Breadcrumb">
          <a data-slot="back" href="/" data-internal>‹ Credit consumption</a>
        </nav>
        <header class="view-head">
          <p class="eyebrow" data-slot="eyebrow"></p>
          <h1 id="drilldown-title" tabindex="-1" data-slot="title">Campaign</h1>
          <p class="muted" data-slot="subtitle"></p>
        </header>
        <dl class="facts" data-slot="facts"></dl>
        <nav class="tabs" aria-label="Breakdown" data-slot="tabs"></nav>
        <div class="toolbar">
          <cr-date-range label="Drilldown dates"></cr-date-range>
        </div>
        <div class="tiles" data-slot="tiles" aria-live="polite"></div>
        <div class="table-actions">
          <p class="muted" data-slot="status" role="status"></p>
          <button type="button" class="button" data-action="export" disabled>Export CSV</button>
        </div>
        <div data-slot="body"></div>
        <p class="note">
          <strong>Why rows can add up to more guests than the campaign total:</strong> Targeted
          Guests counts distinct guests. A guest messaged at two centers, or on several days,
          counts once in each of those rows but once only in the campaign total. Processed and
          Credits Consumed always add up exactly.
        </p>
      </section>`,
    );
    this.querySelector("cr-date-range").addEventListener("cr-range-change", (event) => {
      event.stopPropagation();
      const { preset, start, end } = event.detail;
      this.#navigate({
        drange: preset,
        dfrom: preset === "custom" ? start : "",
        dto: preset === "custom" ? end : "",
      });
    });
    this.querySelector("[data-action=export]").addEventListener("click", () => this.#export());
    this.querySelector("[data-slot=body]").addEventListener("click", (event) => {
      if (event.target.closest("[data-action=retry]")) this.#load({ force: true });
    });
  }

  #navigate(patch, options = {}) {
    this.dispatchEvent(new CustomEvent(NAVIGATE, { bubbles: true, detail: { patch, ...options } }));
  }

  async #fetch(kind, id, scope, window) {
    const data = await graphql(queryCampaignBreakdown(kind), {
      id,
      dateRange: window,
      zoneId: scope.zoneId,
      centerId: scope.centerId,
    });
    return data.campaign;
  }

  async #load({ force = false } = {}) {
    if (this.hidden) return;
    const kind = this.#kind;
    const id = this.#state.campaign;
    const scope = scopeOf(this.#viewer, this.#state);
    const window = windowOf(this.#choice(), this.#today);
    const key = JSON.stringify([kind, id, scope.zoneId, scope.centerId, window]);
    this.#renderFrame(scope, window);
    if (key === this.#queryKey && !force) return;
    this.#queryKey = key;
    const request = (this.#request += 1);
    if (this.#result && (this.#result.campaign?.id !== id || this.#result.kind !== kind))
      this.#result = null;
    this.#loading = true;
    this.#error = null;
    this.#renderResult();
    try {
      const campaign = id ? await this.#fetch(kind, id, scope, window) : null;
      if (request !== this.#request) return;
      const rows = campaign
        ? kind === "centers"
          ? campaign.centerBreakdown
          : campaign.dateBreakdown
        : [];
      this.#result = { kind, campaign, rows, scope, window };
    } catch (error) {
      if (request !== this.#request) return;
      this.#error = error;
      this.#queryKey = "";
    }
    this.#loading = false;
    this.#renderResult();
  }

  /** What does not need the answer: links, tabs and the window described. */
  #renderFrame(scope, window) {
    const s = this.#state;
    const kind = this.#kind;
    this.querySelector("[data-slot=back]").href =
      `/${toSearch({ ...s, view: "report", campaign: "", drange: "", dfrom: "", dto: "" })}`;
    render(
      this.querySelector("[data-slot=eyebrow]"),
      html`Marketing › Credit consumption › ${KINDS[kind].title}`,
    );
    render(
      this.querySelector("[data-slot=subtitle]"),
      html`${describeRange(window)} · ${scope.name}${window ? " · dates in each center's time zone" : ""}`,
    );
    render(
      this.querySelector("[data-slot=tabs]"),
      Object.entries(KINDS).map(
        ([view, k]) =>
          html`<a href="/${toSearch({ ...s, view })}" data-internal ${view === kind ? html`aria-current="page"` : ""}>${k.tab}</a>`,
      ),
    );
  }

  #renderResult() {
    const body = this.querySelector("[data-slot=body]");
    const status = this.querySelector("[data-slot=status]");
    const exportButton = this.querySelector("[data-action=export]");
    const result = this.#result;
    this.setAttribute("aria-busy", String(this.#loading));
    exportButton.disabled = true;
    if (this.#error) {
      render(this.querySelector("[data-slot=tiles]"), "");
      const message = this.#error instanceof ApiError ? this.#error.message : String(this.#error);
      status.textContent = "";
      render(
        body,
        html`<div class="state state-error" role="alert">
          <p><strong>This breakdown could not be loaded.</strong> ${message}</p>
          <button type="button" class="button" data-action="retry">Retry</button>
        </div>`,
      );
      return;
    }
    if (!result) {
      status.textContent = "Loading…";
      render(
        body,
        html`<div class="state state-loading"><span class="spinner" aria-hidden="true"></span> Loading…</div>`,
      );
      return;
    }
    status.textContent = this.#loading ? "Updating…" : "";
    const { campaign, rows, kind } = result;
    if (!campaign) {
      render(this.querySelector("[data-slot=title]"), "Campaign not found");
      render(this.querySelector("[data-slot=facts]"), "");
      render(this.querySelector("[data-slot=tiles]"), "");
      render(
        body,
        html`<div class="state state-empty" role="alert">
          <p><strong>There is no such campaign in ${result.scope.name}.</strong> It may reach other
          centers only, or the link may be for another organization.</p>
        </div>`,
      );
      return;
    }
    document.title = `${campaign.name} · ${KINDS[kind].title}`;
    render(this.querySelector("[data-slot=title]"), campaign.name);
    render(
      this.querySelector("[data-slot=facts]"),
      html`<div><dt>Type</dt><dd>${label(campaign.type)}</dd></div>
        <div><dt>Created from</dt><dd>${label(campaign.createdFrom)}</dd></div>
        <div><dt>Channel</dt><dd>${label(campaign.channel)}</dd></div>
        <div><dt>Credit source</dt><dd>${campaign.creditSource.name}</dd></div>
        <div><dt>Status</dt><dd><span class="status status-${campaign.status.toLowerCase()}">${label(campaign.status)}</span></dd></div>`,
    );
    render(
      this.querySelector("[data-slot=tiles]"),
      NUMBER_COLUMNS.map(
        (c) => html`<div class="tile ${c.kind === "decimal" ? "tile-main" : ""}">
          <span class="tile-label">${c.title}</span>
          <span class="tile-value" data-total="${c.key}">${showNumber(c.kind, campaign[c.key])}</span>
        </div>`,
      ),
    );
    if (rows.length === 0) {
      render(
        body,
        html`<div class="state state-empty"><p><strong>No messages from this campaign in this window.</strong>
          Try a longer date range.</p></div>`,
      );
      return;
    }
    exportButton.disabled = this.#loading;
    const title = KINDS[kind].title;
    render(
      body,
      html`<figure class="chart-box">
          <cr-chart label="${title} for ${campaign.name}; the table below lists the numbers."></cr-chart>
        </figure>
        ${breakdownTable({ kind, title, campaign, rows, zoneName: this.#zoneName })}`,
    );
    // Set through the CSSOM: the Content-Security-Policy refuses inline style attributes.
    this.querySelector(".chart-box").style.height = `${chartHeight(kind, rows)}px`;
    this.querySelector("cr-chart").config =
      kind === "centers" ? centerChart(rows) : dateChart(rows);
  }

  #zoneName = (zoneId) =>
    this.#viewer.zones.find((z) => z.id === zoneId)?.name ?? (zoneId ? zoneId : "—");

  #export() {
    const { kind, campaign, rows, scope, window } = this.#result;
    const csv = toCsv(breakdownCsvRows({ kind, campaign, rows, zoneName: this.#zoneName }));
    const name = [slug(campaign.name), KINDS[kind].file, scopeSlug(scope), rangeSlug(window)];
    downloadCsv(`credit-consumption_${name.join("_")}.csv`, csv);
    this.querySelector("[data-slot=status]").textContent =
      `Exported ${formatInt(rows.length)} rows.`;
  }
}

export function registerDrilldown() {
  customElements.define("cr-drilldown", Drilldown);
}
