// Placeholders with the shape of what is coming (tiles, table rows) for a view's first load, so
// the page does not jump when the answer arrives. Hidden from screen readers: the view's status
// line says "Loading…" in words.

import { html } from "../lib/html.js";

export function skeletonTiles(count = 4) {
  return Array.from(
    { length: count },
    () => html`<div class="tile skeleton-tile" aria-hidden="true">
      <span class="skeleton skeleton-label"></span><span class="skeleton skeleton-value"></span>
    </div>`,
  );
}

export function skeletonTable(rows = 6) {
  return html`<div class="skeleton-table" data-testid="skeleton" aria-hidden="true">
    ${Array.from({ length: rows }, () => html`<div class="skeleton-row"><span class="skeleton"></span></div>`)}
  </div>`;
}
