// Runs graphql-http's GraphQL-over-HTTP server audits against a running server.
//
//   node audit.mjs URL TOKEN
//
// URL is the GraphQL endpoint (http://127.0.0.1:8000/graphql), TOKEN an API token: every audit
// request carries it, since the server answers only introspection without one. Prints one line
// per audit, then a JSON summary line; exits 1 on any error or warning (notices are for MAY
// rules the server chose not to follow), 2 when the audits could not run at all.
import { serverAudits } from "graphql-http";

const REQUEST_TIMEOUT_MS = 10_000;

const [url, token] = process.argv.slice(2);
if (!url || !token) {
  console.error("usage: node audit.mjs URL TOKEN");
  process.exit(2);
}

function fetchWithToken(input, init = {}) {
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${token}`);
  return fetch(input, {
    ...init,
    headers,
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
}

const counts = { ok: 0, notice: 0, warn: 0, error: 0 };
try {
  // One at a time: the output follows the audit list, and the server sees one request at a
  // time.
  for (const audit of serverAudits({ url, fetchFn: fetchWithToken })) {
    const result = await audit.fn();
    counts[result.status] += 1;
    const line = `${result.status.padEnd(6)} ${result.id} ${result.name}`;
    console.log(result.status === "ok" ? line : `${line}\n       ${result.reason}`);
  }
} catch (error) {
  // An audit throws only when it could not run (the server is unreachable, a time-out).
  console.error(`the audits could not run: ${error?.cause?.message ?? error}`);
  process.exit(2);
}
console.log(JSON.stringify(counts));
process.exit(counts.error > 0 || counts.warn > 0 ? 1 : 0);
