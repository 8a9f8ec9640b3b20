// The server, as the app sees it: sign-in endpoints and GraphQL, with errors that carry the
// API's `code` so views branch on codes, never on wording.

export class ApiError extends Error {
  constructor(message, code = "NETWORK_ERROR", extensions = {}) {
    super(message);
    this.name = "ApiError";
    this.code = code;
    // What the API adds to its code, e.g. the `rows` ({index, reason}) of a refused batch.
    this.extensions = extensions;
  }
}

// Fired when the server stops recognising the session (expired, signed out elsewhere): the
// app goes back to the sign-in page instead of showing a broken report.
export const SESSION_LOST = "cr-session-lost";

async function send(url, options) {
  try {
    return await fetch(url, { credentials: "same-origin", ...options });
  } catch {
    throw new ApiError("The server cannot be reached. Check your connection and retry.");
  }
}

async function json(response) {
  try {
    return await response.json();
  } catch {
    throw new ApiError(`The server answered ${response.status} without a report.`, "BAD_RESPONSE");
  }
}

export async function currentUser() {
  const response = await send("/auth/me", { headers: { Accept: "application/json" } });
  if (response.status === 401) return null;
  const body = await json(response);
  if (!response.ok) throw new ApiError(body.error?.message ?? "Cannot load your account.");
  return body;
}

export async function signIn(email, password) {
  const response = await send("/auth/login", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({ email, password }),
  });
  const body = await json(response);
  if (!response.ok) {
    throw new ApiError(body.error?.message ?? "Sign-in failed.", body.error?.code ?? "ERROR");
  }
  return body;
}

export async function signOut() {
  await send("/auth/logout", { method: "POST" });
}

/** Run a GraphQL operation; resolves to `data`, rejects with an ApiError. */
export async function graphql(query, variables = {}) {
  const response = await send("/graphql", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  const body = await json(response);
  const error = body.errors?.[0];
  if (error) {
    const code = error.extensions?.code ?? "ERROR";
    if (code === "UNAUTHENTICATED") window.dispatchEvent(new CustomEvent(SESSION_LOST));
    const reference = error.extensions?.requestId
      ? ` (reference ${error.extensions.requestId})`
      : "";
    throw new ApiError(error.message + reference, code, error.extensions ?? {});
  }
  if (!response.ok || !body.data) {
    throw new ApiError(`The server answered ${response.status}.`, "BAD_RESPONSE");
  }
  return body.data;
}
