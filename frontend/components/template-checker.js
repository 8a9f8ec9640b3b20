// <cr-template-checker>: Marketing > Template checker. A message text is analysed as the user
// types (`templateCost`, debounced): its encoding, characters and segments, each character that
// forces UCS-2 highlighted in the text with its code point, and the GSM-7 rewrite with the
// segments it would take and a button to use it. The text stays in the page, not the URL.

import { ApiError, graphql } from "../api.js";
import { html, render } from "../lib/html.js";
import { QUERY_TEMPLATE_COST } from "../queries.js";

// Long enough not to ask on every keystroke of a fast typist, short enough to feel live.
const DEBOUNCE_MS = 250;
const ENCODINGS = { GSM_7: "GSM-7", UCS_2: "UCS-2 (Unicode)" };

function plural(count, one, many = `${one}s`) {
  return `${count.toLocaleString()} ${count === 1 ? one : many}`;
}

/** How a look-alike reads in a sentence: "" and spaces are invisible, so they are named. */
function shownReplacement(replacement) {
  if (replacement === null) return "none";
  if (replacement === "") return "removed";
  if (replacement === " ") return "a space";
  return `“${replacement}”`;
}

/** The text with each UCS-2 character marked; positions are code points, as the API counts. */
export function highlighted(text, characters) {
  const byPosition = new Map();
  for (const found of characters) {
    for (const position of found.positions) byPosition.set(position, found);
  }
  const pieces = [];
  let plain = "";
  Array.from(text).forEach((character, position) => {
    const found = byPosition.get(position);
    if (!found) {
      plain += character;
      return;
    }
    pieces.push(plain);
    plain = "";
    const blank = found.gsmReplacement === "" || found.gsmReplacement === " ";
    pieces.push(
      html`<mark class="ucs2-char ${blank ? "ucs2-blank" : ""}" title="${found.codePoint}"
        data-code-point="${found.codePoint}">${character}</mark>`,
    );
  });
  pieces.push(plain);
  return pieces;
}

class TemplateChecker extends HTMLElement {
  #timer = 0;
  #request = 0;
  #text = "";
  #cost = null;
  #error = null;
  #loading = false;

  // The app hands every view the viewer; a draft's analysis is the same in every scope.
  set viewer(_viewer) {}

  set state(_state) {
    document.title = "Template checker · Marketing";
    if (!this.querySelector("textarea")) this.#build();
    this.#render();
  }

  focusHeading() {
    this.querySelector("h1")?.focus();
  }

  #build() {
    render(
      this,
      html`<section class="view template-view" aria-labelledby="template-title">
        <header class="view-head">
          <p class="eyebrow">Marketing</p>
          <h1 id="template-title" tabindex="-1">Template checker</h1>
          <p class="muted">What an SMS costs before it is sent: one curly quote or emoji turns
          the whole message into UCS-2, where a segment holds 70 characters instead of 160.</p>
        </header>
        <div class="template-layout">
          <div class="template-editor">
            <label for="template-text">Message text</label>
            <textarea id="template-text" data-focus="template-text" rows="9"
              aria-describedby="template-channel" spellcheck="true"
              placeholder="Type or paste the message your guests will get"></textarea>
            <p class="muted template-channel" id="template-channel">Channel: SMS. WhatsApp and
            Email messages are not split into segments.</p>
          </div>
          <div class="template-result" data-slot="result" aria-live="polite"></div>
        </div>
      </section>`,
    );
    const textarea = this.querySelector("textarea");
    textarea.addEventListener("input", () => this.#schedule(textarea.value));
    this.querySelector("[data-slot=result]").addEventListener("click", (event) => {
      const button = event.target.closest("button[data-action]");
      if (button?.dataset.action === "use-rewrite") this.#useRewrite();
      if (button?.dataset.action === "retry") this.#analyse(this.#text);
    });
  }

  #schedule(text) {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#analyse(text), DEBOUNCE_MS);
  }

  async #analyse(text) {
    clearTimeout(this.#timer);
    const request = (this.#request += 1);
    this.#text = text;
    if (text === "") {
      this.#cost = null;
      this.#error = null;
      this.#loading = false;
      this.#render();
      return;
    }
    this.#loading = true;
    this.setAttribute("aria-busy", "true");
    try {
      const data = await graphql(QUERY_TEMPLATE_COST, { text, channel: "SMS" });
      if (request !== this.#request) return;
      this.#cost = data.templateCost;
      this.#error = null;
    } catch (error) {
      if (request !== this.#request) return;
      this.#cost = null;
      this.#error = error;
    }
    this.#loading = false;
    this.#render();
  }

  #useRewrite() {
    const rewrite = this.#cost?.gsm7Rewrite;
    if (rewrite === null || rewrite === undefined) return;
    const textarea = this.querySelector("textarea");
    textarea.value = rewrite;
    textarea.focus();
    this.#analyse(rewrite);
  }

  #render() {
    const slot = this.querySelector("[data-slot=result]");
    if (!slot) return;
    this.setAttribute("aria-busy", String(this.#loading));
    if (this.#error) {
      const message = this.#error instanceof ApiError ? this.#error.message : String(this.#error);
      const retry = !(this.#error instanceof ApiError) || this.#error.code !== "TEXT_TOO_LONG";
      render(
        slot,
        html`<div class="state state-error" role="alert">
          <p><strong>The text cannot be checked.</strong> ${message}</p>
          ${retry ? html`<div class="state-actions"><button type="button" class="button" data-action="retry">Retry</button></div>` : ""}
        </div>`,
      );
      return;
    }
    if (!this.#cost) {
      render(
        slot,
        html`<div class="state state-empty" data-testid="template-empty">
          <p>Type or paste a message to see its encoding and how many segments it is sent as.</p>
        </div>`,
      );
      return;
    }
    render(slot, resultView(this.#text, this.#cost));
  }
}

function resultView(text, cost) {
  const unit = cost.encoding === "GSM_7" ? "septet" : "code unit";
  const ucs2 = cost.encoding === "UCS_2";
  return html`<div class="tiles template-tiles" data-testid="template-summary">
      <div class="tile ${ucs2 ? "tile-warning" : "tile-main"}">
        <span class="tile-label">Encoding</span>
        <span class="tile-value" data-testid="template-encoding">${ENCODINGS[cost.encoding]}</span>
      </div>
      <div class="tile">
        <span class="tile-label">Characters</span>
        <span class="tile-value" data-testid="template-characters">${cost.characters.toLocaleString()}</span>
        <span class="muted">${plural(cost.length, unit)}</span>
      </div>
      <div class="tile">
        <span class="tile-label">Segments</span>
        <span class="tile-value" data-testid="template-segments">${cost.segments.toLocaleString()}</span>
        <span class="muted">up to ${cost.segmentCapacity} ${unit}s each</span>
      </div>
    </div>
    <p class="muted template-parts">Parts: ${cost.segmentLengths.join(" + ")} ${unit}s.
    ${cost.encoding === "GSM_7" ? "€ [ ] { } ^ ~ \\ | take two septets each." : "A character beyond U+FFFF, such as an emoji, takes two code units."}</p>
    ${ucs2 ? ucs2View(text, cost) : html`<p class="template-ok">Every character is GSM-7: nothing to rewrite.</p>`}`;
}

function ucs2View(text, cost) {
  return html`<h2 class="template-heading">Characters that force UCS-2</h2>
    <p class="template-preview" data-testid="template-preview">${highlighted(text, cost.ucs2Characters)}</p>
    <table class="template-characters" data-testid="template-characters-table">
      <thead><tr><th scope="col">Character</th><th scope="col">Code point</th>
        <th scope="col">Positions (from 0)</th><th scope="col">GSM-7 look-alike</th></tr></thead>
      <tbody>${cost.ucs2Characters.map(
        (c) => html`<tr>
          <td><mark class="ucs2-char">${c.character}</mark></td>
          <td><code>${c.codePoint}</code></td>
          <td>${c.positions.join(", ")}</td>
          <td>${shownReplacement(c.gsmReplacement)}</td>
        </tr>`,
      )}</tbody>
    </table>
    ${rewriteView(cost)}`;
}

function rewriteView(cost) {
  if (cost.gsm7Rewrite === null) {
    const missing = cost.ucs2Characters
      .filter((c) => c.gsmReplacement === null)
      .map((c) => `${c.character} (${c.codePoint})`);
    return html`<p class="template-rewrite-none" data-testid="template-no-rewrite">No GSM-7
      rewrite: ${missing.join(", ")} ${missing.length === 1 ? "has" : "have"} no GSM-7
      look-alike, so this text stays UCS-2.</p>`;
  }
  const saved = cost.segments - cost.gsm7RewriteSegments;
  return html`<div class="template-rewrite" data-testid="template-rewrite">
    <h2 class="template-heading">GSM-7 rewrite</h2>
    <p><strong data-testid="template-rewrite-segments">${plural(cost.gsm7RewriteSegments, "segment")}</strong>
      instead of ${cost.segments}${saved > 0 ? html`: <strong>${plural(saved, "segment")} saved</strong> on every message` : ""}.</p>
    <p class="template-preview">${cost.gsm7Rewrite}</p>
    <button type="button" class="button button-primary" data-action="use-rewrite">Use the rewrite</button>
  </div>`;
}

export function registerTemplateChecker() {
  customElements.define("cr-template-checker", TemplateChecker);
}
