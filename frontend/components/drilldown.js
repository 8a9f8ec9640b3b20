// <cr-drilldown>: one campaign's numbers per center (`view=centers`, opened from its name) or
// per business date (`view=dates`, opened from its status), with a chart, a table, CSV export
// and a date range of its own (`drange`/`dfrom`/`dto`, starting from the report's). Long
// windows read by week or by month (`group`), each period's numbers asked of the API.

import { graphql } from "../api.js";
import { chartHeight, centerChart, periodChart } from "../lib/charts.js";
import { downloadCsv, exportRows, slug, toCsv } from "../lib/csv.js";
import { GROUPINGS, autoGrouping, daysIn, describeRange, periodsOf } from "../lib/dates.js";
import { formatInt, label } from "../lib/format.js";
import { html, render } from "../lib/html.js";
import { PHONE } from "../lib/media.js";
import { DRILLDOWN_RANGE, drilldownLinkProblems } from "../lib/problems.js";
import {
  exportFacts,
  organizationToday,
  rangeSlug,
  scopeOf,
  scopeSlug,
  timeZoneNote,
  windowOf,
} from "../lib/scope.js";
import { PERIODS_PER_REQUEST, queryCampaignBreakdown, queryCampaignPeriods } from "../queries.js";
import { DEFAULTS, NAVIGATE, toSearch } from "../router.js";
import { NUMBER_COLUMNS, breakdownCsv, breakdownTable, showNumber } from "./breakdown-table.js";
import {
  handleProblemActions,
  linkProblemState,
  requestProblemState,
} from "./problem-state.js";
import { skeletonTable, skeletonTiles } from "./skeleton.js";

const KINDS = {
  centers: { title: "Credits by center", tab: "By center", file: "by-center" },
  dates: { title: "Credits by date", tab: "By date", file: "by-date" },
};
const UNIT_WORDS = { day: "day", week: "week", month: "month" };
const RESET = { drange: "", dfrom: "", dto: "", group: "" };
const ROWS_NOTE =
  "Targeted Guests counts distinct guests. A guest messaged at two centers, or on several " +
  "days, counts once in each of those rows but once only in the campaign total. Processed " +
  "and Credits Consumed always add up exactly.";

class Drilldown extends HTMLElement {
  #viewer = null;
  #state = { ...DEFAULTS };
  #today = "";
  #built = false;
  #queryKey = "";
  #request = 0;
  #result = null; // {kind, unit, campaign, rows, scope, window}
  #error = null;
  #problems = [];
  #loading = false;

  set viewer(viewer) {
    this.#viewer = viewer;
    this.#today = organizationToday(viewer);
  }

  #relayout = () => {
    if (this.#built && !this.hidden) this.#renderResult();
  };

  connectedCallback() {
    PHONE.addEventListener("change", this.#relayout);
  }

  disconnectedCallback() {
    PHONE.removeEventListener("change", this.#relayout);
  }

  set state(state) {
    this.#state = state;
    // Presets are relative to today in the organization; an open tab crosses midnight too.
    this.#today = organizationToday(this.#viewer);
    this.#build();
    const choice = this.#choice();
    const range = this.querySelector("cr-date-range");
    range.today = this.#today;
    range.value = choice;
    this.#problems = drilldownLinkProblems(
      { ...state, drange: choice.preset, dfrom: choice.start, dto: choice.end },
      { today: this.#today },
    );
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
          <p class="time-note muted" data-slot="time-note"></p>
        </header>
        <dl class="facts" data-slot="facts"></dl>
        <nav class="tabs" aria-label="Breakdown" data-slot="tabs"></nav>
        <div class="toolbar">
          <cr-date-range label="Drilldown Dates"></cr-date-range>
          <div class="field" data-slot="grouping" hidden>
            <label for="drilldown-group">Rows</label>
            <select id="drilldown-group" data-control="group">
              ${GROUPINGS.map((g) => html`<option value="${g.key}">${g.label}</option>`)}
            </select>
          </div>
        </div>
        <div class="tiles tiles-3" data-slot="tiles" aria-live="polite"></div>
        <div class="table-actions">
          <p class="muted" data-slot="status" role="status"></p>
          <button type="button" class="button" data-action="export" disabled>Export CSV</button>
        </div>
        <div data-slot="body"></div>
        <cr-cost-explanation></cr-cost-explanation>
        <p class="note"><strong>Why rows can add up to more guests than the campaign total:</strong> ${ROWS_NOTE}</p>
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
    this.querySelector("[data-control=group]").addEventListener("change", (event) =>
      this.#navigate({ group: event.target.value }),
    );
    this.querySelector("[data-action=export]").addEventListener("click", () => this.#export());
    handleProblemActions(this.querySelector("[data-slot=body]"), {
      retry: () => this.#load({ force: true }),
    });
  }

  #navigate(patch, options = {}) {
    this.dispatchEvent(new CustomEvent(NAVIGATE, { bubbles: true, detail: { patch, ...options } }));
  }

  /** The campaign, and its rows: centers, or periods `{start, end, full, …numbers}`. */
  async #fetch(kind, id, scope, window) {
    const where = { id, zoneId: scope.zoneId, centerId: scope.centerId };
    const data = await graphql(queryCampaignBreakdown(kind), { ...where, dateRange: window });
    const { campaign, dataUpTo } = data;
    if (!campaign) return { campaign, dataUpTo, rows: [], unit: "day" };
    if (kind === "centers") {
      return { campaign, dataUpTo, rows: campaign.centerBreakdown, unit: "day" };
    }
    const days = campaign.dateBreakdown;
    // All time spans the campaign's first to last business date.
    const span = window ?? (days.length ? { start: days[0].date, end: days.at(-1).date } : null);
    const unit = this.#state.group || (span ? autoGrouping(daysIn(span.start, span.end)) : "day");
    if (unit === "day" || !span) {
      const rows = days.map((d) => ({ ...d, start: d.date, end: d.date, full: true }));
      return { campaign, dataUpTo, rows, unit };
    }
    const periods = periodsOf(span.start, span.end, unit);
    const chunks = [];
    for (let i = 0; i < periods.length; i += PERIODS_PER_REQUEST) {
      chunks.push(periods.slice(i, i + PERIODS_PER_REQUEST));
    }
    const answers = await Promise.all(
      chunks.map((chunk) => {
        const ranges = Object.fromEntries(
          chunk.map((p, i) => [`r${i}`, { start: p.start, end: p.end }]),
        );
        return graphql(queryCampaignPeriods(chunk.length), { ...where, ...ranges });
      }),
    );
    const rows = chunks.flatMap((chunk, c) =>
      chunk.map((period, i) => ({ ...period, ...answers[c][`p${i}`] })),
    );
    return { campaign, dataUpTo, rows, unit };
  }

  async #load({ force = false } = {}) {
    if (this.hidden) return;
    const kind = this.#kind;
    const id = this.#state.campaign;
    const scope = scopeOf(this.#viewer, this.#state);
    const window = windowOf(this.#choice(), this.#today);
    this.#renderFrame(scope, window);
    if (this.#problems.length) {
      this.#queryKey = "";
      this.#request += 1;
      this.#loading = false;
      this.#renderResult();
      return;
    }
    // The cost panel follows the same campaign, scope and window (it asks only on a change).
    if (id) this.querySelector("cr-cost-explanation").request = { id, scope, window };
    const key = JSON.stringify([kind, id, scope.zoneId, scope.centerId, window, this.#state.group]);
    if (key === this.#queryKey && !force) return;
    this.#queryKey = key;
    const request = (this.#request += 1);
    if (this.#result && (this.#result.campaign?.id !== id || this.#result.kind !== kind))
      this.#result = null;
    this.#loading = true;
    this.#error = null;
    this.#renderResult();
    try {
      const answer = id ? await this.#fetch(kind, id, scope, window) : { campaign: null, rows: [] };
      if (request !== this.#request) return;
      this.#result = { kind, scope, window, ...answer };
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
      `/${toSearch({ ...s, view: "report", campaign: "", ...RESET })}`;
    render(
      this.querySelector("[data-slot=eyebrow]"),
      html`Marketing › Credit consumption › ${KINDS[kind].title}`,
    );
    render(
      this.querySelector("[data-slot=subtitle]"),
      html`${describeRange(window)} · ${scope.name}`,
    );
    render(
      this.querySelector("[data-slot=time-note]"),
      timeZoneNote(this.#viewer, this.#today),
    );
    render(
      this.querySelector("[data-slot=tabs]"),
      Object.entries(KINDS).map(
        ([view, k]) =>
          html`<a href="/${toSearch({ ...s, view })}" data-internal ${view === kind ? html`aria-current="page"` : ""}>${k.tab}</a>`,
      ),
    );
    this.querySelector("[data-slot=grouping]").hidden = kind !== "dates";
  }

  #renderResult() {
    const body = this.querySelector("[data-slot=body]");
    const tiles = this.querySelector("[data-slot=tiles]");
    const status = this.querySelector("[data-slot=status]");
    const exportButton = this.querySelector("[data-action=export]");
    const result = this.#result;
    render(
      this.querySelector("[data-slot=time-note]"),
      timeZoneNote(this.#viewer, this.#today, result?.dataUpTo),
    );
    this.setAttribute("aria-busy", String(this.#loading));
    tiles.classList.toggle("stale", this.#loading);
    tiles.setAttribute("aria-busy", String(this.#loading));
    exportButton.disabled = true;
    if (this.#problems.length || this.#error) {
      render(tiles, "");
      status.textContent = "";
      render(body, this.#problems.length ? this.#linkProblemState() : this.#errorState());
      return;
    }
    if (!result) {
      status.textContent = "Loading…";
      render(tiles, skeletonTiles(3));
      render(body, skeletonTable());
      return;
    }
    status.textContent = this.#loading ? "Updating…" : "";
    const { campaign, rows, kind, unit } = result;
    if (!campaign) {
      document.title = "Campaign not found · Credit consumption";
      render(this.querySelector("[data-slot=title]"), "Campaign not found");
      render(this.querySelector("[data-slot=facts]"), "");
      render(tiles, "");
      render(
        body,
        html`<div class="state state-empty" role="alert">
          <p><strong>There is no such campaign in ${result.scope.name}.</strong> It may reach other
          centers only, or the link may be for another organization.</p>
          <a class="button" href="${this.querySelector("[data-slot=back]").getAttribute("href")}" data-internal>Back to the report</a>
        </div>`,
      );
      return;
    }
    document.title = `${campaign.name} · ${KINDS[kind].title}`;
    render(this.querySelector("[data-slot=title]"), campaign.name);
    render(
      this.querySelector("[data-slot=facts]"),
      html`<div><dt>Campaign Type</dt><dd>${label(campaign.type)}</dd></div>
        <div><dt>Created From</dt><dd>${label(campaign.createdFrom)}</dd></div>
        <div><dt>Channel</dt><dd>${label(campaign.channel)}</dd></div>
        <div><dt>Credit Source</dt><dd>${campaign.creditSource.name}</dd></div>
        <div><dt>Status</dt><dd><span class="status status-${campaign.status.toLowerCase()}">${label(campaign.status)}</span></dd></div>`,
    );
    render(
      tiles,
      NUMBER_COLUMNS.map(
        (c) => html`<div class="tile ${c.kind === "decimal" ? "tile-main" : ""}">
          <span class="tile-label">${c.title}</span>
          <span class="tile-value" data-total="${c.key}">${showNumber(c.kind, campaign[c.key])}</span>
        </div>`,
      ),
    );
    if (kind === "dates") this.querySelector("[data-control=group]").value = unit;
    // Every message has a guest: no targeted guest means no message at all.
    if (campaign.targetedGuests === 0) {
      render(body, this.#noMessages(result.window));
      return;
    }
    exportButton.disabled = this.#loading;
    const title = KINDS[kind].title;
    const per = kind === "centers" ? "center" : UNIT_WORDS[unit];
    render(
      body,
      html`<figure class="chart-box">
          <figcaption class="chart-caption">Credits Consumed per ${per}<span class="muted">
            · point at a bar for its Targeted Guests and Processed</span></figcaption>
          <div class="chart-area">
            <cr-chart label="${title} for ${campaign.name}: Credits Consumed per ${per}; the table below lists every number."></cr-chart>
          </div>
        </figure>
        ${breakdownTable({ kind, unit, title, campaign, rows, zoneName: this.#zoneName })}`,
    );
    // Set through the CSSOM: the Content-Security-Policy refuses inline style attributes.
    this.querySelector(".chart-area").style.height = `${chartHeight(kind, rows)}px`;
    this.querySelector("cr-chart").config =
      kind === "centers" ? centerChart(rows) : periodChart(rows, unit);
  }

  #noMessages(window) {
    const longer = window
      ? html`<button type="button" class="button" data-patch="${JSON.stringify({ drange: "all-time", dfrom: "", dto: "" })}">Show all time</button>`
      : "";
    return html`<div class="state state-empty" data-testid="no-messages">
      <p><strong>No messages from this campaign ${window ? `in ${describeRange(window)}` : "yet"}.</strong>
      ${window ? "Try a longer date range." : ""}</p>
      <div class="state-actions">${longer}</div>
    </div>`;
  }

  #linkProblemState() {
    return linkProblemState(this.#problems, "breakdown");
  }

  #errorState() {
    return requestProblemState(this.#error, "This breakdown could not be loaded.", {
      keys: DRILLDOWN_RANGE,
      reset: RESET,
    });
  }

  #zoneName = (zoneId) =>
    zoneId ? (this.#viewer.zones.find((z) => z.id === zoneId)?.name ?? zoneId) : "No zone";

  #export() {
    const { kind, unit, campaign, rows, scope, window } = this.#result;
    const table = breakdownCsv({ kind, unit, campaign, rows, zoneName: this.#zoneName });
    const csv = toCsv(
      exportRows({
        title: `${KINDS[kind].title}${kind === "dates" ? ` (one row a ${unit})` : ""}`,
        facts: [
          ["Campaign", campaign.name],
          ["Campaign ID", campaign.id],
          ...exportFacts({ viewer: this.#viewer, scope, window, preset: this.#choice().preset }),
        ],
        ...table,
        notes: [["Note", ROWS_NOTE]],
      }),
    );
    const name = [slug(campaign.name), KINDS[kind].file, scopeSlug(scope), rangeSlug(window)];
    downloadCsv(`credit-consumption_${name.join("_")}.csv`, csv);
    this.querySelector("[data-slot=status]").textContent =
      `Exported ${formatInt(rows.length)} rows.`;
  }
}

export function registerDrilldown() {
  customElements.define("cr-drilldown", Drilldown);
}
