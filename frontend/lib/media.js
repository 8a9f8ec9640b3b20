// Screen widths the views lay out for. A phone puts the numbers first: tables order their
// columns for it, and re-render when a window crosses the line.

export const PHONE = window.matchMedia("(max-width: 640px)");
