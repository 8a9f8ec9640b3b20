// <cr-campaign-table>: the report table. Headers sort (click or Enter/Space on the header
// button, `aria-sort` on the sorted column); the campaign name opens the center drilldown and
// the status the date drilldown. Emits `cr-sort` with `{field}`. On a phone the numbers come
// right after the name, Credits Consumed first, so a campaign's cost is on the first screen.

import { formatDecimal, formatInt, label } from "../lib/format.js";
import { html, render } from "../lib/html.js";
import { PHONE } from "../lib/media.js";

export const CAMPAIGN_COLUMNS = [
  { field: "NAME", title: "Campaign Name", value: (c) => c.name },
  { field: "TYPE", title: "Campaign Type", value: (c) => label(c.type) },
  { field: "CREATED_FROM", title: "Created From", value: (c) => label(c.createdFrom) },
  {
    field: "TARGETED_GUESTS",
    title: "Targeted Guests",
    value: (c) => c.targetedGuests,
    kind: "int",
  },
  { field: "PROCESSED", title: "Processed", value: (c) => c.processed, kind: "int" },
  {
    field: "CREDITS_CONSUMED",
    title: "Credits Consumed",
    value: (c) => c.creditsConsumed,
    kind: "decimal",
  },
  { field: "CHANNEL", title: "Channel", value: (c) => label(c.channel) },
  { field: "CREDIT_SOURCE", title: "Credit Source", value: (c) => c.creditSource.name },
  { field: "STATUS", title: "Status", value: (c) => label(c.status) },
];

// The columns in the order a phone shows them (the report's own order otherwise).
const PHONE_ORDER = [
  "NAME",
  "CREDITS_CONSUMED",
  "PROCESSED",
  "TARGETED_GUESTS",
  "STATUS",
  "CHANNEL",
  "TYPE",
  "CREATED_FROM",
  "CREDIT_SOURCE",
];

/** What a cell shows: counts grouped, credits with only the decimals they need. */
export function display(kind, value) {
  if (kind === "int") return formatInt(value);
  if (kind === "decimal") return formatDecimal(value);
  return value;
}

/** Numeric columns sort biggest first on the first click; text columns A to Z. */
export function firstDirection(field) {
  const column = CAMPAIGN_COLUMNS.find((c) => c.field === field);
  return column?.kind ? "DESC" : "ASC";
}

class CampaignTable extends HTMLElement {
  #rows = [];
  #totals = null;
  #totalCount = 0;
  #sort = { field: "CREDITS_CONSUMED", dir: "DESC" };
  #linkFor = () => "#";

  /** `{rows, totals, totalCount, sort, linkFor(campaign, view)}` */
  set data({ rows, totals, totalCount, sort, linkFor }) {
    this.#rows = rows;
    this.#totals = totals;
    this.#totalCount = totalCount;
    this.#sort = sort;
    this.#linkFor = linkFor;
    this.update();
  }

  #relayout = () => this.update();

  connectedCallback() {
    PHONE.addEventListener("change", this.#relayout);
    this.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-sort]");
      if (button) {
        this.dispatchEvent(
          new CustomEvent("cr-sort", { bubbles: true, detail: { field: button.dataset.sort } }),
        );
      }
    });
  }

  disconnectedCallback() {
    PHONE.removeEventListener("change", this.#relayout);
  }

  #columns() {
    if (!PHONE.matches) return CAMPAIGN_COLUMNS;
    return PHONE_ORDER.map((field) => CAMPAIGN_COLUMNS.find((c) => c.field === field));
  }

  #header(column) {
    const sorted = this.#sort.field === column.field;
    const direction = this.#sort.dir === "ASC" ? "ascending" : "descending";
    const next = sorted
      ? this.#sort.dir === "ASC"
        ? "descending"
        : "ascending"
      : firstDirection(column.field) === "ASC"
        ? "ascending"
        : "descending";
    return html`<th scope="col" class="${column.kind ? "num" : ""}" ${sorted ? html`aria-sort="${direction}"` : ""}>
      <button type="button" data-sort="${column.field}" data-focus="sort-${column.field}" title="Sort ${next}">
        ${column.title}<span class="sort-icon" aria-hidden="true">${sorted ? (this.#sort.dir === "ASC" ? "▲" : "▼") : "↕"}</span>
      </button>
    </th>`;
  }

  #cell(column, campaign) {
    const value = display(column.kind, column.value(campaign));
    if (column.field === "NAME") {
      return html`<th scope="row" class="name">
        <a href="${this.#linkFor(campaign, "centers")}" data-internal title="Credits by center">${value}</a>
      </th>`;
    }
    if (column.field === "STATUS") {
      return html`<td><a class="status status-${campaign.status.toLowerCase()}" href="${this.#linkFor(campaign, "dates")}" data-internal
        title="Credits by date" aria-label="${value}: credits by date for ${campaign.name}">${value}</a></td>`;
    }
    return html`<td class="${column.kind ? "num" : ""}" data-column="${column.field}">${value}</td>`;
  }

  #totalCell(column, totals, count) {
    if (column.field === "NAME") {
      const what = count === 1 ? "campaign" : "campaigns";
      return html`<th scope="row">Total <span class="total-count">${formatInt(count)} ${what}</span></th>`;
    }
    const key = { TARGETED_GUESTS: "targetedGuests", PROCESSED: "processed" }[column.field];
    if (key) return html`<td class="num" data-column="${column.field}">${formatInt(totals[key])}</td>`;
    if (column.field === "CREDITS_CONSUMED") {
      return html`<td class="num" data-column="${column.field}">${formatDecimal(totals.creditsConsumed)}</td>`;
    }
    return html`<td></td>`;
  }

  update() {
    if (!this.#totals) return;
    const columns = this.#columns();
    render(
      this,
      html`<cr-scroll-region><div class="table-scroll" role="region" aria-label="Campaigns" tabindex="0">
        <table class="report-table campaign-table" data-testid="campaign-table">
          <caption class="visually-hidden">Credit consumption by campaign; select a column header to sort.</caption>
          <thead><tr>${columns.map((c) => this.#header(c))}</tr></thead>
          <tbody>
            ${this.#rows.map((campaign) => html`<tr data-campaign-id="${campaign.id}">${columns.map((c) => this.#cell(c, campaign))}</tr>`)}
          </tbody>
          <tfoot>
            <tr data-testid="totals-row">${columns.map((c) => this.#totalCell(c, this.#totals, this.#totalCount))}</tr>
          </tfoot>
        </table>
      </div></cr-scroll-region>`,
    );
  }
}

export function registerCampaignTable() {
  customElements.define("cr-campaign-table", CampaignTable);
}
