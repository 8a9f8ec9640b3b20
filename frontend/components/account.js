// <cr-account>: one credit account (`view=account&account=ID`): its balance and runway, the
// statement for the chosen dates drawn as a waterfall (opening, what came in and lapsed, what
// each channel consumed, closing) with its CSV, the transactions of those dates page by page,
// and the account's alerts with their last deliveries. Administrators also get the controls
// to record a transaction and to add, change or delete alerts (<cr-account-manage>).

import { graphql } from "../api.js";
import { ACCOUNT_CHANGED } from "../lib/account-input.js";
import {
  ALERT_KINDS,
  TRANSACTION_KINDS,
  describeBalance,
  describeRunway,
  waterfallSteps,
} from "../lib/accounts.js";
import { waterfall } from "../lib/account-charts.js";
import { downloadCsv, exportRows, exportTime, slug, toCsv } from "../lib/csv.js";
import {
  DEFAULT_PRESET,
  addDays,
  describeRange,
  formatDate,
  formatInstant,
  presetLabel,
} from "../lib/dates.js";
import { MAX_WINDOW_DAYS } from "../lib/limits.js";
import { formatDecimal, formatInt, plainDecimal } from "../lib/format.js";
import { html, render } from "../lib/html.js";
import { DRILLDOWN_RANGE, rangeProblems } from "../lib/problems.js";
import { organizationToday, rangeSlug, windowOf } from "../lib/scope.js";
import { QUERY_CREDIT_ACCOUNT } from "../queries.js";
import { DEFAULTS, NAVIGATE, toSearch } from "../router.js";
import { notForScope } from "./balances.js";
import {
  handleProblemActions,
  linkProblemState,
  requestProblemState,
} from "./problem-state.js";
import { skeletonTable, skeletonTiles } from "./skeleton.js";

const PAGE_SIZE = 25;
const RESET = { drange: "", dfrom: "", dto: "", tafter: "" };

class Account extends HTMLElement {
  #viewer = null;
  #state = { ...DEFAULTS };
  #today = "";
  #queryKey = "";
  #request = 0;
  #result = null; // {account, window, page, preset}
  #error = null;
  #problems = [];
  #loading = false;

  set viewer(viewer) {
    this.#viewer = viewer;
  }

  set state(state) {
    this.#state = state;
    if (this.#viewer.scopeKind !== "ORGANIZATION") {
      document.title = "Balances · Marketing";
      this.setAttribute("aria-busy", "false");
      render(this, notForScope(this.#viewer));
      return;
    }
    this.#today = organizationToday(this.#viewer);
    if (!this.querySelector("[data-slot=body]")) this.#build();
    const range = this.querySelector("cr-date-range");
    range.today = this.#today;
    range.value = this.#choice();
    this.#problems = rangeProblems(state, DRILLDOWN_RANGE, this.#today);
    this.#load();
  }

  focusHeading() {
    this.querySelector("h1")?.focus();
  }

  #choice() {
    const s = this.#state;
    return { preset: s.drange || DEFAULT_PRESET, start: s.dfrom, end: s.dto };
  }

  /** The statement needs both ends: "all time" is the longest window the API answers. */
  #window() {
    const window = windowOf(this.#choice(), this.#today);
    return window ?? { start: addDays(this.#today, -(MAX_WINDOW_DAYS - 1)), end: this.#today };
  }

  #build() {
    const back = `/${toSearch({ ...DEFAULTS, view: "balances" })}`;
    render(
      this,
      html`<section class="view account-view" aria-labelledby="account-title">
        <nav class="crumbs" aria-label="Breadcrumb">
          <a href="${back}" data-internal>‹ Balances</a>
        </nav>
        <header class="view-head">
          <p class="eyebrow">Marketing › Balances</p>
          <h1 id="account-title" tabindex="-1" data-slot="title">Account</h1>
          <p class="muted" data-slot="subtitle"></p>
        </header>
        <div class="tiles tiles-3" data-slot="tiles" aria-live="polite"></div>
        <cr-account-manage hidden></cr-account-manage>
        <h2 class="section-title">Statement</h2>
        <div class="toolbar">
          <cr-date-range label="Statement Dates"></cr-date-range>
        </div>
        <div class="table-actions">
          <p class="muted" data-slot="status" role="status"></p>
          <button type="button" class="button" data-action="export" disabled>Export CSV</button>
        </div>
        <div data-slot="body"></div>
      </section>`,
    );
    this.querySelector("cr-date-range").addEventListener("cr-range-change", (event) => {
      event.stopPropagation();
      const { preset, start, end } = event.detail;
      this.#navigate({
        drange: preset,
        dfrom: preset === "custom" ? start : "",
        dto: preset === "custom" ? end : "",
        tafter: "",
      });
    });
    this.querySelector("[data-action=export]").addEventListener("click", () => this.#export());
    const body = this.querySelector("[data-slot=body]");
    handleProblemActions(body, { retry: () => this.#load({ force: true }) });
    this.addEventListener("cr-page", (event) => this.#turnPage(event.detail.direction));
    // An administrator's change: the balance, statement and alerts are the API's again.
    this.addEventListener(ACCOUNT_CHANGED, () => this.#load({ force: true }));
    body.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-alert-action]");
      const alert = this.#result?.account?.alerts.find((a) => a.id === button?.dataset.alert);
      if (!alert) return;
      const manage = this.querySelector("cr-account-manage");
      if (button.dataset.alertAction === "edit") manage.editAlert(alert);
      else manage.deleteAlert(alert);
    });
  }

  #navigate(patch, options = {}) {
    this.dispatchEvent(new CustomEvent(NAVIGATE, { bubbles: true, detail: { patch, ...options } }));
  }

  #turnPage(direction) {
    const chain = this.#state.tafter ? this.#state.tafter.split(",") : [];
    if (direction === "next") chain.push(this.#result.account.transactions.pageInfo.endCursor);
    else chain.pop();
    this.#navigate({ tafter: chain.join(",") });
    this.querySelector("[data-slot=transactions]")?.scrollIntoView({ block: "nearest" });
  }

  async #load({ force = false } = {}) {
    if (this.hidden) return;
    if (this.#problems.length) {
      this.#queryKey = "";
      this.#request += 1;
      this.#loading = false;
      this.#render();
      return;
    }
    const window = this.#window();
    const chain = this.#state.tafter ? this.#state.tafter.split(",") : [];
    const variables = {
      id: this.#state.account,
      dateRange: window,
      first: PAGE_SIZE,
      after: chain.at(-1) ?? null,
    };
    const key = JSON.stringify(variables);
    if (key === this.#queryKey && !force) return;
    this.#queryKey = key;
    const request = (this.#request += 1);
    if (this.#result && this.#result.account?.creditSource.id !== this.#state.account)
      this.#result = null;
    this.#loading = true;
    this.#error = null;
    this.#render();
    try {
      const data = this.#state.account
        ? await graphql(QUERY_CREDIT_ACCOUNT, variables)
        : { creditAccount: null };
      if (request !== this.#request) return;
      this.#result = {
        account: data.creditAccount,
        window,
        page: chain.length + 1,
        preset: this.#choice().preset,
      };
    } catch (error) {
      if (request !== this.#request) return;
      this.#error = error;
      this.#queryKey = "";
    }
    this.#loading = false;
    this.#render();
  }

  #render() {
    const body = this.querySelector("[data-slot=body]");
    const tiles = this.querySelector("[data-slot=tiles]");
    const status = this.querySelector("[data-slot=status]");
    const exportButton = this.querySelector("[data-action=export]");
    this.setAttribute("aria-busy", String(this.#loading));
    tiles.classList.toggle("stale", this.#loading);
    exportButton.disabled = true;
    const manage = this.querySelector("cr-account-manage");
    manage.hidden = !(this.#viewer.canManageAccounts && this.#result?.account);
    const range = this.#choice().preset === "all-time" ? null : this.#window();
    render(this.querySelector("[data-slot=subtitle]"), html`Statement for ${describeRange(range)}`);
    if (this.#problems.length || this.#error) {
      render(tiles, "");
      status.textContent = "";
      render(body, this.#problems.length ? this.#linkProblemState() : this.#errorState());
      return;
    }
    if (!this.#result) {
      status.textContent = "Loading the account…";
      render(tiles, skeletonTiles(3));
      render(body, skeletonTable());
      return;
    }
    status.textContent = this.#loading ? "Updating…" : "";
    const { account } = this.#result;
    if (!account) {
      document.title = "Account not found · Balances";
      render(this.querySelector("[data-slot=title]"), "Account not found");
      render(tiles, "");
      render(
        body,
        html`<div class="state state-empty" role="alert">
          <p><strong>There is no such credit account.</strong> The link may be for another
          organization.</p>
          <a class="button" href="/${toSearch({ ...DEFAULTS, view: "balances" })}" data-internal>Back to Balances</a>
        </div>`,
      );
      return;
    }
    document.title = `${account.creditSource.name} · Balances`;
    render(this.querySelector("[data-slot=title]"), account.creditSource.name);
    if (!manage.hidden) {
      manage.context = {
        creditSource: account.creditSource,
        timeZone: this.#viewer.organization.timezone,
      };
    }
    this.#renderTiles(account);
    exportButton.disabled = this.#loading;
    const { statement } = account;
    render(
      body,
      html`<figure class="chart-box statement-box">
          <figcaption class="chart-caption">From the opening to the closing balance,
            ${describeRange({ start: statement.start, end: statement.end })}</figcaption>
          ${waterfall(waterfallSteps(statement))}
        </figure>
        <section class="transactions" data-slot="transactions" aria-labelledby="transactions-title">
          <h2 class="section-title" id="transactions-title">Transactions</h2>
          ${this.#transactions(account.transactions)}
        </section>
        <section class="alerts" aria-labelledby="alerts-title">
          <h2 class="section-title" id="alerts-title">Alerts</h2>
          ${this.#alerts(account.alerts)}
        </section>`,
    );
    const connection = account.transactions;
    const pager = this.querySelector("cr-pager");
    if (pager) {
      pager.data = {
        page: this.#result.page,
        size: PAGE_SIZE,
        shown: connection.edges.length,
        totalCount: connection.totalCount,
        hasNextPage: connection.pageInfo.hasNextPage,
      };
      // One page size here: the pager's size choice is the report's.
      pager.querySelector(".page-size")?.remove();
    }
  }

  #renderTiles(account) {
    const shown = describeBalance(account.balance);
    const runway = describeRunway(account.forecast);
    render(
      this.querySelector("[data-slot=tiles]"),
      html`<div class="tile tile-main ${shown.overdrawn ? "overdrawn" : ""}">
          <span class="tile-label">Balance now</span>
          <span class="tile-value balance-value ${shown.overdrawn ? "negative" : ""}"
            data-testid="balance" data-value="${account.balance}">${shown.text}</span>
        </div>
        <div class="tile">
          <span class="tile-label">Runway</span>
          <span class="tile-value runway-value" data-testid="runway">${runway.headline}</span>
          <span class="muted">${runway.detail}</span>
        </div>
        <div class="tile">
          <span class="tile-label">Closing balance</span>
          <span class="tile-value" data-testid="closing"
            data-value="${account.statement.closingBalance}">${formatDecimal(account.statement.closingBalance)}</span>
          <span class="muted">on ${formatDate(account.statement.end)}</span>
        </div>`,
    );
  }

  #transactions(connection) {
    if (!connection.edges.length) {
      return html`<div class="state state-empty"><p><strong>No transactions in these dates.</strong>
        Purchases, grants, adjustments and expiries appear here.</p></div>`;
    }
    const zone = this.#viewer.organization.timezone;
    return html`<cr-scroll-region><div class="table-scroll" role="region" aria-label="Transactions" tabindex="0">
        <table class="report-table" data-testid="transactions-table">
          <thead><tr>
            <th scope="col">Date</th><th scope="col">Kind</th><th scope="col" class="num">Credits</th>
            <th scope="col">Note</th><th scope="col">External ID</th>
          </tr></thead>
          <tbody>
            ${connection.edges.map(
              ({ node }) => html`<tr>
                <th scope="row"><time datetime="${node.occurredAt}" title="${formatInstant(node.occurredAt, zone)}">${formatDate(node.date)}</time></th>
                <td>${TRANSACTION_KINDS[node.kind] ?? node.kind}</td>
                <td class="num" data-credits="${node.credits}">${formatDecimal(node.credits)}</td>
                <td class="wrap">${node.note ?? ""}</td>
                <td>${node.externalId}</td>
              </tr>`,
            )}
          </tbody>
        </table>
      </div></cr-scroll-region>
      <cr-pager class="pager"></cr-pager>`;
  }

  #alerts(alerts) {
    if (!alerts.length) {
      return html`<div class="state state-empty" data-testid="no-alerts"><p><strong>No alerts on
        this account.</strong> An alert warns through its webhook when the balance, the days left
        or the daily burn crosses its threshold.</p></div>`;
    }
    const zone = this.#viewer.organization.timezone;
    return html`<ul class="alert-list">
      ${alerts.map(
        (alert) => html`<li class="alert-item" data-alert="${alert.id}">
          <p class="alert-head">
            <span class="status ${alert.state === "FIRING" ? "status-firing" : "status-ok"}">${alert.state === "FIRING" ? "Firing" : "OK"}</span>
            <strong>${ALERT_KINDS[alert.kind] ?? alert.kind} ${formatDecimal(alert.threshold)}</strong>
            <span class="muted">${alert.webhookUrl ? `→ ${alert.webhookUrl}` : "no webhook"}</span>
            ${this.#viewer.canManageAccounts ? alertActions(alert) : ""}
          </p>
          ${
            alert.deliveries.length
              ? html`<table class="report-table deliveries">
                  <caption class="visually-hidden">Last deliveries</caption>
                  <thead><tr><th scope="col">Attempted</th><th scope="col">Event</th>
                    <th scope="col">Result</th></tr></thead>
                  <tbody>${alert.deliveries.map(
                    (d) => html`<tr>
                      <td>${formatInstant(d.attemptedAt, zone)}</td>
                      <td>${d.type}</td>
                      <td class="wrap">${d.delivered ? "Delivered" : "Failed"}${
                        d.responseStatus ? ` (${d.responseStatus})` : ""
                      }${d.error ? `: ${d.error}` : ""}</td>
                    </tr>`,
                  )}</tbody>
                </table>`
              : html`<p class="muted">No deliveries yet.</p>`
          }
        </li>`,
      )}
    </ul>`;
  }

  #linkProblemState() {
    return linkProblemState(this.#problems, "statement");
  }

  #errorState() {
    return requestProblemState(this.#error, "This account could not be loaded.", {
      keys: DRILLDOWN_RANGE,
      reset: RESET,
    });
  }

  #export() {
    const { account, window, preset } = this.#result;
    const { statement, creditSource } = account;
    const zone = this.#viewer.organization.timezone;
    const steps = waterfallSteps(statement);
    const named = preset && preset !== "custom" ? ` (${presetLabel(preset)})` : "";
    const csv = toCsv(
      exportRows({
        title: "Credit statement",
        facts: [
          ["Account", creditSource.name],
          ["Account ID", creditSource.id],
          ["Date range", `${statement.start} to ${statement.end}${named}`],
          ["Dates", `Business dates in ${zone} (the organization's time zone)`],
          ["Exported at", `${exportTime(zone)} (${zone})`],
        ],
        header: ["Line", "Credits", "Balance after"],
        rows: steps.slice(0, -1).map((s) => [s.title, s.credits, s.after]),
        total: ["Closing balance", plainDecimal(statement.closingBalance), ""],
        notes: [
          ["Consumed", plainDecimal(statement.consumed)],
          [
            "Note",
            "The Credits column adds up to the closing balance: opening + purchased + granted " +
              "+ adjusted + expired − consumed.",
          ],
        ],
      }),
    );
    downloadCsv(`credit-statement_${slug(creditSource.name)}_${rangeSlug(window)}.csv`, csv);
    this.querySelector("[data-slot=status]").textContent =
      `Exported the statement (${formatInt(steps.length)} lines).`;
  }
}

/** An administrator's buttons on one alert, named for screen readers by the alert they act on. */
function alertActions(alert) {
  const name = `${ALERT_KINDS[alert.kind] ?? alert.kind} ${formatDecimal(alert.threshold)}`;
  return html`<span class="alert-actions">
    <button type="button" class="button button-small" data-alert-action="edit"
      data-alert="${alert.id}" aria-label="Change the alert ${name}">Change</button>
    <button type="button" class="button button-small" data-alert-action="delete"
      data-alert="${alert.id}" aria-label="Delete the alert ${name}">Delete</button>
  </span>`;
}

export function registerAccount() {
  customElements.define("cr-account", Account);
}
