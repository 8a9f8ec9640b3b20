// <cr-transaction-form>: an administrator records one credit transaction on an account: its
// kind, credits as decimal text, when it happened on the organization's clocks, and a note.
// The form makes the transaction's externalId once and keeps it until the API has recorded
// it, so a retry after a lost answer records it once. Events up: `cr-account-changed` after a
// transaction is recorded, `cr-form-closed` when the user closes the form.

import { graphql } from "../api.js";
import {
  ACCOUNT_CHANGED,
  FORM_CLOSED,
  decimalText,
  localNow,
  newExternalId,
  refusal,
  zonedInstant,
} from "../lib/account-input.js";
import { TRANSACTION_KINDS } from "../lib/accounts.js";
import { formatDecimal } from "../lib/format.js";
import { html, render } from "../lib/html.js";
import { MUTATION_RECORD_CREDIT_TRANSACTION } from "../queries.js";

const SIGN_RULES = {
  PURCHASE: "Credits bought: more than 0.",
  GRANT: "An allotment, such as a monthly allowance: more than 0.",
  ADJUSTMENT: "A correction: either sign, not 0 (for example -12.5).",
  EXPIRY: "Credits that lapsed: less than 0 (for example -200).",
};

class TransactionForm extends HTMLElement {
  #creditSource = null;
  #timeZone = "UTC";
  #externalId = newExternalId();
  #sending = false;

  /** `{creditSource: {id, name}, timeZone}`: a different account starts a blank form. */
  set context({ creditSource, timeZone }) {
    const same = this.#creditSource?.id === creditSource.id && this.#timeZone === timeZone;
    this.#creditSource = creditSource;
    this.#timeZone = timeZone;
    if (same && this.querySelector("form")) return;
    this.#externalId = newExternalId();
    this.#build();
  }

  focusFirst() {
    this.querySelector("select")?.focus();
  }

  #build() {
    const kinds = Object.entries(TRANSACTION_KINDS);
    render(
      this,
      html`<form class="manage-form" novalidate data-testid="transaction-form"
          aria-labelledby="transaction-form-title">
        <h3 class="form-title" id="transaction-form-title">Record a transaction on
          ${this.#creditSource.name}</h3>
        <div class="form-grid">
          <div class="field">
            <label for="transaction-kind">Kind</label>
            <select id="transaction-kind" name="kind" aria-describedby="transaction-kind-rule">
              ${kinds.map(([value, name]) => html`<option value="${value}">${name}</option>`)}
            </select>
            <span class="hint muted" id="transaction-kind-rule">${SIGN_RULES.PURCHASE}</span>
          </div>
          <div class="field">
            <label for="transaction-credits">Credits</label>
            <input id="transaction-credits" name="credits" inputmode="decimal" autocomplete="off"
              required aria-describedby="transaction-credits-rule">
            <span class="hint muted" id="transaction-credits-rule">Digits with at most 4
              decimal places, no thousands separators.</span>
          </div>
          <div class="field">
            <label for="transaction-when">When (${this.#timeZone})</label>
            <input id="transaction-when" name="when" type="datetime-local" required
              value="${localNow(this.#timeZone)}" aria-describedby="transaction-when-rule">
            <span class="hint muted" id="transaction-when-rule">It counts on this date in the
              organization's time zone.</span>
          </div>
          <div class="field field-wide">
            <label for="transaction-note">Note (optional)</label>
            <input id="transaction-note" name="note" maxlength="1000" autocomplete="off">
          </div>
        </div>
        <div data-slot="message"></div>
        <div class="form-actions">
          <button type="submit" class="button button-primary">Record transaction</button>
          <button type="button" class="button" data-action="close">Close</button>
        </div>
      </form>`,
    );
    const form = this.querySelector("form");
    form.kind.addEventListener("change", () => {
      this.querySelector("#transaction-kind-rule").textContent = SIGN_RULES[form.kind.value];
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.#submit(form);
    });
    this.querySelector("[data-action=close]").addEventListener("click", () => {
      this.dispatchEvent(new CustomEvent(FORM_CLOSED, { bubbles: true }));
    });
  }

  #say({ message, details = [], code = "", role = "alert" }) {
    render(
      this.querySelector("[data-slot=message]"),
      message
        ? html`<div class="form-message ${role === "alert" ? "form-error" : "form-done"}"
              role="${role}" data-testid="transaction-message">
            <p>${message}</p>
            ${details.length ? html`<ul>${details.map((d) => html`<li>${d}</li>`)}</ul>` : ""}
            ${code ? html`<p class="muted form-code">Code: ${code}</p>` : ""}
          </div>`
        : "",
    );
  }

  #invalid(field, message) {
    field.setAttribute("aria-invalid", "true");
    this.#say({ message });
    field.focus();
  }

  async #submit(form) {
    if (this.#sending) return;
    for (const field of form.querySelectorAll("[aria-invalid]")) {
      field.removeAttribute("aria-invalid");
    }
    const credits = decimalText(form.credits.value);
    if (credits === null) {
      this.#invalid(
        form.credits,
        "Write the credits as digits with at most 4 decimal places, such as 500 or -12.5.",
      );
      return;
    }
    const occurredAt = form.when.value ? zonedInstant(form.when.value, this.#timeZone) : null;
    if (occurredAt === null) {
      this.#invalid(form.when, "Give the date and time of the transaction.");
      return;
    }
    const kind = form.kind.value;
    const note = form.note.value.trim();
    const button = form.querySelector("button[type=submit]");
    // aria-disabled, not disabled: a disabled button would drop the keyboard focus.
    this.#sending = true;
    button.setAttribute("aria-disabled", "true");
    this.#say({ message: "Recording…", role: "status" });
    try {
      const data = await graphql(MUTATION_RECORD_CREDIT_TRANSACTION, {
        transaction: {
          externalId: this.#externalId,
          creditSourceId: this.#creditSource.id,
          kind,
          credits,
          occurredAt,
          note: note || null,
        },
      });
      const result = data.recordCreditTransactions;
      // Recorded: the next transaction is a new one, with a key of its own.
      this.#externalId = newExternalId();
      const message =
        result.inserted + result.updated === 0
          ? "This transaction was already recorded; nothing changed."
          : `Recorded: ${TRANSACTION_KINDS[kind]} of ${formatDecimal(credits)} credits.`;
      form.credits.value = "";
      form.note.value = "";
      this.#say({ message, role: "status" });
      this.dispatchEvent(new CustomEvent(ACCOUNT_CHANGED, { bubbles: true, detail: { message } }));
    } catch (error) {
      const { message, details, code } = refusal(error);
      this.#say({ message: `The transaction was not recorded. ${message}`, details, code });
    } finally {
      this.#sending = false;
      button.removeAttribute("aria-disabled");
    }
  }
}

export function registerTransactionForm() {
  customElements.define("cr-transaction-form", TransactionForm);
}
