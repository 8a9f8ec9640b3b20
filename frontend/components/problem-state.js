// A view's "this cannot be shown" box: what went wrong, and buttons to views that work. Each
// fix button carries its URL patch (`data-patch`); Retry appears only when asking again may work.

import { ApiError } from "../api.js";
import { html } from "../lib/html.js";
import { apiProblem, fixOf } from "../lib/problems.js";
import { NAVIGATE } from "../router.js";

/** `{title, message, details: [text], actions: [{label, patch}], retry}` */
export function problemState({ title, message = "", details = [], actions = [], retry = false }) {
  return html`<div class="state state-error" role="alert">
    <p><strong>${title}</strong> ${message}</p>
    ${details.length ? html`<ul class="problem-list">${details.map((d) => html`<li>${d}</li>`)}</ul>` : ""}
    <div class="state-actions">
      ${actions.map(
        (a, i) =>
          html`<button type="button" class="button ${i === 0 ? "button-primary" : ""}"
            data-patch="${JSON.stringify(a.patch)}" data-replace>${a.label}</button>`,
      )}
      ${retry ? html`<button type="button" class="button" data-action="retry">Retry</button>` : ""}
    </div>
  </div>`;
}

/** A link whose parameters cannot be shown: each problem, and one fix leading to `what`. */
export function linkProblemState(problems, what) {
  return problemState({
    title: "This link cannot be shown as it is.",
    details: problems.map((p) => p.message),
    actions: [{ label: `Show a valid ${what} instead`, patch: fixOf(problems) }],
  });
}

/** A failed request: its message, the fixes `apiProblem` finds ({keys, reset}), Retry if it may work. */
export function requestProblemState(error, title, fixes) {
  const message = error instanceof ApiError ? error.message : String(error);
  const { retry, actions } = apiProblem(error, fixes);
  return problemState({ title, message, retry, actions });
}

/**
 * Clicks on `data-patch` buttons inside `container` navigate; a problem's fix (`data-replace`)
 * replaces the broken history entry, so Back does not lead to it again. Retry calls `retry`.
 */
export function handleProblemActions(container, { retry }) {
  container.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-patch], button[data-action=retry]");
    if (!button || !container.contains(button)) return;
    if (button.dataset.action === "retry") {
      retry();
      return;
    }
    const patch = JSON.parse(button.dataset.patch);
    container.dispatchEvent(
      new CustomEvent(NAVIGATE, {
        bubbles: true,
        detail: { patch, replace: button.hasAttribute("data-replace") },
      }),
    );
  });
}
