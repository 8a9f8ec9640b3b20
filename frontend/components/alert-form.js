// <cr-alert-form>: an administrator adds an alert to an account (`create()`), changes one
// (`edit(alert)`) or deletes one (`confirmDelete(alert)`, which asks first: the alert's events
// and delivery log go with it). Events up: `cr-account-changed` after a change,
// `cr-form-closed` when the user closes the form.

import { graphql } from "../api.js";
import { ACCOUNT_CHANGED, FORM_CLOSED, decimalText, refusal } from "../lib/account-input.js";
import { ALERT_KINDS } from "../lib/accounts.js";
import { formatDecimal, plainDecimal } from "../lib/format.js";
import { html, render } from "../lib/html.js";
import { MUTATION_DELETE_CREDIT_ALERT, MUTATION_SET_CREDIT_ALERT } from "../queries.js";

const THRESHOLD_UNITS = {
  BALANCE_BELOW: "Credits: it fires when the balance falls below them.",
  DAYS_LEFT_BELOW: "Days: it fires when the runway is shorter.",
  DAILY_BURN_ABOVE: "Credits a day: it fires when yesterday's consumption is higher.",
};

function alertName(alert) {
  return `${ALERT_KINDS[alert.kind] ?? alert.kind} ${formatDecimal(alert.threshold)}`;
}

class AlertForm extends HTMLElement {
  #creditSource = null;
  #editing = null; // the alert being changed; null: a new one
  #deleting = null; // the alert waiting for the user's confirmation
  #sending = false;

  /** The account whose alerts this form sets; a different one starts a blank form. */
  set creditSource(creditSource) {
    const same = this.#creditSource?.id === creditSource.id;
    this.#creditSource = creditSource;
    if (same && this.firstElementChild) return;
    this.create();
  }

  create() {
    this.#editing = null;
    this.#deleting = null;
    this.#renderForm();
  }

  edit(alert) {
    this.#editing = alert;
    this.#deleting = null;
    this.#renderForm();
  }

  confirmDelete(alert) {
    this.#editing = null;
    this.#deleting = alert;
    this.#renderConfirmation();
  }

  focusFirst() {
    const target = this.#deleting
      ? this.querySelector(".form-title")
      : this.querySelector("select");
    target?.focus();
  }

  #renderForm() {
    const alert = this.#editing;
    const kind = alert?.kind ?? "BALANCE_BELOW";
    render(
      this,
      html`<form class="manage-form" novalidate data-testid="alert-form"
          aria-labelledby="alert-form-title">
        <h3 class="form-title" id="alert-form-title" tabindex="-1">${
          alert
            ? `Change the alert “${alertName(alert)}”`
            : `Add an alert to ${this.#creditSource.name}`
        }</h3>
        <div class="form-grid">
          <div class="field">
            <label for="alert-kind">Condition</label>
            <select id="alert-kind" name="kind">
              ${Object.entries(ALERT_KINDS).map(
                ([value, name]) =>
                  html`<option value="${value}" ${value === kind ? html`selected` : ""}>${name}</option>`,
              )}
            </select>
          </div>
          <div class="field">
            <label for="alert-threshold">Threshold</label>
            <input id="alert-threshold" name="threshold" inputmode="decimal" autocomplete="off"
              required value="${alert ? plainDecimal(alert.threshold) : ""}"
              aria-describedby="alert-threshold-unit">
            <span class="hint muted" id="alert-threshold-unit">${THRESHOLD_UNITS[kind]}</span>
          </div>
          <div class="field field-wide">
            <label for="alert-webhook">Webhook URL (optional)</label>
            <input id="alert-webhook" name="webhook" type="url" autocomplete="off"
              placeholder="https://" value="${alert?.webhookUrl ?? ""}"
              aria-describedby="alert-webhook-rule">
            <span class="hint muted" id="alert-webhook-rule">An https:// address on the public
              internet; leave it empty to see the alert only here.</span>
          </div>
        </div>
        <div data-slot="message"></div>
        <div class="form-actions">
          <button type="submit" class="button button-primary">${alert ? "Save alert" : "Add alert"}</button>
          <button type="button" class="button" data-action="close">${alert ? "Cancel" : "Close"}</button>
        </div>
      </form>`,
    );
    const form = this.querySelector("form");
    form.kind.addEventListener("change", () => {
      this.querySelector("#alert-threshold-unit").textContent = THRESHOLD_UNITS[form.kind.value];
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.#save(form);
    });
    this.#onClose();
  }

  #renderConfirmation() {
    const alert = this.#deleting;
    render(
      this,
      html`<div class="manage-form confirm-delete" data-testid="alert-delete"
          role="group" aria-labelledby="alert-delete-title">
        <h3 class="form-title" id="alert-delete-title" tabindex="-1">Delete the alert
          “${alertName(alert)}”?</h3>
        <p>Its events and delivery log are deleted with it. This cannot be undone.</p>
        <div data-slot="message"></div>
        <div class="form-actions">
          <button type="button" class="button button-danger" data-action="delete">Delete alert</button>
          <button type="button" class="button" data-action="close">Keep it</button>
        </div>
      </div>`,
    );
    this.querySelector("[data-action=delete]").addEventListener("click", (event) =>
      this.#delete(event.currentTarget),
    );
    this.#onClose();
  }

  #onClose() {
    this.querySelector("[data-action=close]").addEventListener("click", () => {
      this.dispatchEvent(new CustomEvent(FORM_CLOSED, { bubbles: true }));
    });
  }

  #say({ message, details = [], code = "", role = "alert" }) {
    render(
      this.querySelector("[data-slot=message]"),
      message
        ? html`<div class="form-message ${role === "alert" ? "form-error" : "form-done"}"
              role="${role}" data-testid="alert-message">
            <p>${message}</p>
            ${details.length ? html`<ul>${details.map((d) => html`<li>${d}</li>`)}</ul>` : ""}
            ${code ? html`<p class="muted form-code">Code: ${code}</p>` : ""}
          </div>`
        : "",
    );
  }

  /** Run `change` once at a time; `button` shows it is busy without losing the focus. */
  async #send(button, change, failure) {
    if (this.#sending) return;
    this.#sending = true;
    button.setAttribute("aria-disabled", "true");
    try {
      const message = await change();
      this.dispatchEvent(new CustomEvent(ACCOUNT_CHANGED, { bubbles: true, detail: { message } }));
    } catch (error) {
      const { message, details, code } = refusal(error);
      this.#say({ message: `${failure} ${message}`, details, code });
    } finally {
      this.#sending = false;
      button.removeAttribute("aria-disabled");
    }
  }

  /** Back to a blank form that says what was done; the focus stays in the form. */
  #done(message) {
    this.create();
    this.#say({ message, role: "status" });
    this.querySelector(".form-title").focus();
  }

  #save(form) {
    form.threshold.removeAttribute("aria-invalid");
    const threshold = decimalText(form.threshold.value);
    if (threshold === null) {
      form.threshold.setAttribute("aria-invalid", "true");
      this.#say({ message: "Write the threshold as digits with at most 4 decimal places." });
      form.threshold.focus();
      return;
    }
    const editing = this.#editing;
    const webhook = form.webhook.value.trim();
    const button = form.querySelector("button[type=submit]");
    this.#send(
      button,
      async () => {
        const data = await graphql(MUTATION_SET_CREDIT_ALERT, {
          alert: {
            id: editing?.id ?? null,
            creditSourceId: this.#creditSource.id,
            kind: form.kind.value,
            threshold,
            webhookUrl: webhook || null,
          },
        });
        const saved = data.setCreditAlert;
        const state = saved.state === "FIRING" ? "it is firing now" : "its condition is OK now";
        const message = `${editing ? "Saved" : "Added"} the alert “${alertName(saved)}”: ${state}.`;
        this.#done(message);
        return message;
      },
      editing ? "The alert was not saved." : "The alert was not added.",
    );
  }

  #delete(button) {
    const alert = this.#deleting;
    this.#send(
      button,
      async () => {
        const data = await graphql(MUTATION_DELETE_CREDIT_ALERT, { id: alert.id });
        const message = data.deleteCreditAlert
          ? `Deleted the alert “${alertName(alert)}”.`
          : `The alert “${alertName(alert)}” was already deleted.`;
        this.#done(message);
        return message;
      },
      "The alert was not deleted.",
    );
  }
}

export function registerAlertForm() {
  customElements.define("cr-alert-form", AlertForm);
}
