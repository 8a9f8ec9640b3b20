// <cr-report-flow>: where credits go, at the top of the report. Credits per day of every
// matched campaign stacked by channel, the split by channel and by credit source, and the days
// as a table with CSV export. It asks the API with the report's filters and scope (not its
// sort or page: the flow covers every matched campaign) and tells the report the previous
// period's totals in a `cr-flow` event, which the report's tiles compare with.

import { graphql } from "../api.js";
import { downloadCsv, exportRows, toCsv } from "../lib/csv.js";
import { daysIn, formatDate } from "../lib/dates.js";
import { flowChart, share } from "../lib/flow.js";
import { formatDecimal, formatInt, label, plainDecimal } from "../lib/format.js";
import { html, render } from "../lib/html.js";
import { PHONE } from "../lib/media.js";
import { exportFacts, rangeSlug, scopeSlug } from "../lib/scope.js";
import { QUERY_REPORT_FLOW } from "../queries.js";
import { skeletonTable } from "./skeleton.js";

export const FLOW_EVENT = "cr-flow";
const CHANNELS = ["SMS", "WHATSAPP", "EMAIL"];
const GUESTS_NOTE =
  "Targeted Guests counts distinct guests: a guest reached by several campaigns counts once " +
  "in a row, and once on each of its days, so days and splits may add up to more than the " +
  "total. Credits Consumed always adds up exactly.";

/** The flow's variables from the report's: its filters and scope, one filter per channel. */
export function flowVariables({ dateRange, zoneId, centerId, filter }) {
  const variables = { dateRange, zoneId, centerId, filter };
  for (const channel of CHANNELS) {
    const name = channel.toLowerCase();
    const shown = !filter.channels || filter.channels.includes(channel);
    variables[name] = { ...filter, channels: [channel] };
    variables[`with${name[0].toUpperCase()}${name.slice(1)}`] = shown;
  }
  return variables;
}

class ReportFlow extends HTMLElement {
  #data = null; // {key, variables, window, scope, viewer, preset}
  #result = null; // {key, flow, series}
  #error = null;
  #request = 0;
  #asked = "";

  /** `null` hides the flow (the report shows a problem instead). */
  set data(data) {
    this.#data = data;
    if (!this.querySelector("section")) this.#build();
    this.hidden = data === null;
    if (data !== null) this.#load();
  }

  #build() {
    // Open on wider screens; on a phone it folds under its heading, so the campaigns and their
    // totals stay on the first screen.
    const content = html`<summary><h2 id="flow-title">Where credits go</h2></summary>
      <div class="flow-head">
        <p class="muted" data-slot="flow-status" role="status"></p>
        <button type="button" class="button" data-action="flow-export" disabled>Download days as CSV</button>
      </div>
      <div data-slot="flow-body"></div>`;
    render(
      this,
      html`<section class="flow" aria-labelledby="flow-title">${
        PHONE.matches
          ? html`<details class="flow-box">${content}</details>`
          : html`<details class="flow-box" open>${content}</details>`
      }</section>`,
    );
    this.querySelector("[data-action=flow-export]").addEventListener("click", () => this.#export());
    this.querySelector("[data-slot=flow-body]").addEventListener("click", (event) => {
      if (event.target.closest("[data-action=flow-retry]")) this.#load({ force: true });
    });
  }

  async #load({ force = false } = {}) {
    const { key, variables } = this.#data;
    if (key === this.#asked && !force) return;
    this.#asked = key;
    const request = (this.#request += 1);
    this.#error = null;
    this.#render(true);
    try {
      const data = await graphql(QUERY_REPORT_FLOW, variables);
      if (request !== this.#request) return;
      const series = CHANNELS.filter((c) => data[c.toLowerCase()]).map((channel) => ({
        channel,
        rows: data[channel.toLowerCase()].dateBreakdown,
      }));
      this.#result = { key, flow: data.flow, series };
      this.dispatchEvent(
        new CustomEvent(FLOW_EVENT, {
          bubbles: true,
          detail: { key, previousPeriod: data.flow.previousPeriod },
        }),
      );
    } catch (error) {
      if (request !== this.#request) return;
      this.#error = error;
      this.#asked = "";
    }
    this.#render(false);
  }

  #render(loading) {
    const body = this.querySelector("[data-slot=flow-body]");
    const status = this.querySelector("[data-slot=flow-status]");
    const exportButton = this.querySelector("[data-action=flow-export]");
    this.setAttribute("aria-busy", String(loading));
    exportButton.disabled = true;
    if (this.#error) {
      // Quietly: the report's own answer, right below, carries any problem with the filters.
      status.textContent = "";
      render(
        body,
        html`<p class="flow-problem">Where credits go could not be loaded: ${this.#error.message}
          <button type="button" class="button" data-action="flow-retry">Load it again</button></p>`,
      );
      return;
    }
    if (!this.#result) {
      status.textContent = "Loading where credits go…";
      render(body, skeletonTable(4));
      return;
    }
    status.textContent = loading ? "Updating…" : "";
    body.classList.toggle("stale", loading);
    const { flow, series } = this.#result;
    if (flow.byChannel.length === 0) {
      render(body, html`<p class="muted">No credits were consumed in this window and scope.</p>`);
      return;
    }
    exportButton.disabled = loading;
    const total = flow.totals.creditsConsumed;
    render(
      body,
      html`<figure class="chart-box">
          <figcaption class="chart-caption">Credits Consumed per day, stacked by channel</figcaption>
          <div class="chart-area flow-chart-area">
            <cr-chart label="Credits Consumed per day, stacked for SMS, WhatsApp and Email, ${this.#span()}; the tables below list every number."></cr-chart>
          </div>
        </figure>
        <div class="flow-splits">
          ${this.#splitTable("By channel", "Credits per medium", "channel", flow.byChannel, total, (row) => html`<span class="swatch swatch-${row.channel.toLowerCase()}" aria-hidden="true"></span>${label(row.channel)}`)}
          ${this.#splitTable("By credit source", "Credits per account drawn on", "source", flow.byCreditSource, total, (row) => row.creditSource.name)}
        </div>
        <details class="flow-days">
          <summary>Credits by day (${formatInt(flow.dateBreakdown.length)} days)</summary>
          ${this.#daysTable()}
        </details>`,
    );
    this.querySelector("cr-chart").config = flowChart(flow.dateBreakdown, series);
  }

  #span() {
    const days = this.#result.flow.dateBreakdown;
    return `${formatDate(days[0].date)} to ${formatDate(days.at(-1).date)}`;
  }

  // The regions' names keep clear of the filters' labels ("Channel", "Credit Source"), by
  // which people and tests find those controls.
  #splitTable(title, regionName, kind, rows, total, name) {
    return html`<cr-scroll-region><div class="table-scroll" role="region" aria-label="${regionName}" tabindex="0">
      <table class="report-table flow-split" data-testid="flow-${kind}">
        <caption>${title}</caption>
        <thead><tr>
          <th scope="col">${kind === "channel" ? "Channel" : "Credit source"}</th>
          <th scope="col" class="num">Targeted Guests</th>
          <th scope="col" class="num">Processed</th>
          <th scope="col" class="num">Credits Consumed</th>
          <th scope="col" class="num">Share</th>
        </tr></thead>
        <tbody>${rows.map(
          (row) => html`<tr>
            <th scope="row">${name(row)}</th>
            <td class="num">${formatInt(row.targetedGuests)}</td>
            <td class="num">${formatInt(row.processed)}</td>
            <td class="num" data-column="creditsConsumed">${formatDecimal(row.creditsConsumed)}</td>
            <td class="num">${share(row.creditsConsumed, total)}</td>
          </tr>`,
        )}</tbody>
      </table>
    </div></cr-scroll-region>`;
  }

  #daysTable() {
    const { flow, series } = this.#result;
    return html`<cr-scroll-region><div class="table-scroll" role="region" aria-label="Credits by day" tabindex="0">
      <table class="report-table" data-testid="flow-days">
        <caption class="visually-hidden">Credits by day and channel</caption>
        <thead><tr>
          <th scope="col">Date</th>
          ${series.map((s) => html`<th scope="col" class="num">${label(s.channel)}</th>`)}
          <th scope="col" class="num">Credits Consumed</th>
          <th scope="col" class="num">Targeted Guests</th>
          <th scope="col" class="num">Processed</th>
        </tr></thead>
        <tbody>${flow.dateBreakdown.map(
          (day, i) => html`<tr class="${day.targetedGuests === 0 ? "zero" : ""}">
            <th scope="row"><time datetime="${day.date}">${formatDate(day.date)}</time></th>
            ${series.map((s) => html`<td class="num">${formatDecimal(s.rows[i].creditsConsumed)}</td>`)}
            <td class="num">${formatDecimal(day.creditsConsumed)}</td>
            <td class="num">${formatInt(day.targetedGuests)}</td>
            <td class="num">${formatInt(day.processed)}</td>
          </tr>`,
        )}</tbody>
        <tfoot><tr>
          <th scope="row">Total</th>
          ${series.map((s) => html`<td class="num">${formatDecimal(this.#channelCredits(s.channel))}</td>`)}
          <td class="num">${formatDecimal(flow.totals.creditsConsumed)}</td>
          <td class="num">${formatInt(flow.totals.targetedGuests)}</td>
          <td class="num">${formatInt(flow.totals.processed)}</td>
        </tr></tfoot>
      </table>
    </div></cr-scroll-region>`;
  }

  #channelCredits(channel) {
    return this.#result.flow.byChannel.find((c) => c.channel === channel)?.creditsConsumed ?? "0";
  }

  #export() {
    const { flow, series } = this.#result;
    const { viewer, scope, window, preset } = this.#data;
    const header = [
      "Date",
      ...series.map((s) => `${label(s.channel)} Credits`),
      "Credits Consumed",
      "Targeted Guests",
      "Processed",
    ];
    const rows = flow.dateBreakdown.map((day, i) => [
      day.date,
      ...series.map((s) => plainDecimal(s.rows[i].creditsConsumed)),
      plainDecimal(day.creditsConsumed),
      day.targetedGuests,
      day.processed,
    ]);
    const total = [
      `Total (${daysIn(flow.dateBreakdown[0].date, flow.dateBreakdown.at(-1).date)} days)`,
      ...series.map((s) => plainDecimal(this.#channelCredits(s.channel))),
      plainDecimal(flow.totals.creditsConsumed),
      flow.totals.targetedGuests,
      flow.totals.processed,
    ];
    downloadCsv(
      `credit-flow_${scopeSlug(scope)}_${rangeSlug(window)}.csv`,
      toCsv(
        exportRows({
          title: "Where credits go, by day and channel",
          facts: exportFacts({ viewer, scope, window, preset }),
          header,
          rows,
          total,
          notes: [["Note", GUESTS_NOTE]],
        }),
      ),
    );
    this.querySelector("[data-slot=flow-status]").textContent =
      `Exported ${formatInt(rows.length)} days.`;
  }
}

export function registerReportFlow() {
  customElements.define("cr-report-flow", ReportFlow);
}
