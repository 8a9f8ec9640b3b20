// The GraphiQL explorer at GET /graphql (the page comes from backend/web.py): the same setup
// as Strawberry's page, with the scripts served by the app and headers never persisted, so a
// bearer token pasted into the headers editor is not left behind in localStorage. Signed in to
// the web app, queries run with the session cookie and need no header at all. The query is
// kept in `?q=`, not `?query=`, which would make GET /graphql run it instead of showing this.

const EXAMPLE_QUERY = `# The credit consumption report over GraphQL.
# Signed in to the web app, this runs as you. Integrators send
#   {"Authorization": "Bearer <token>"}  in the headers pane below.
# Run: Ctrl-Enter, or the play button.

query CreditConsumption {
  viewer {
    organization { name timezone }
  }
  campaigns(first: 10, dateRange: { start: "2026-01-01", end: "2026-12-31" }) {
    totalCount
    totals { targetedGuests processed creditsConsumed }
    edges {
      node { name channel status targetedGuests processed creditsConsumed }
    }
  }
}
`;

// The page is built by the server; this script adds what makes it part of the app: a bar with
// the way back to the report, and a viewport that follows a phone's width.
function addFrame() {
  const viewport = document.createElement("meta");
  viewport.name = "viewport";
  viewport.content = "width=device-width, initial-scale=1";
  document.head.append(viewport);
  const bar = document.createElement("nav");
  bar.className = "explorer-bar";
  bar.setAttribute("aria-label", "Credit consumption");
  const back = document.createElement("a");
  back.href = "/";
  back.textContent = "‹ Credit consumption";
  const title = document.createElement("span");
  title.textContent = "GraphQL API explorer";
  bar.append(back, title);
  document.body.prepend(bar);
}
addFrame();

const parameters = Object.fromEntries(new URLSearchParams(window.location.search));

function updateURL(data) {
  Object.assign(parameters, data);
  const search = new URLSearchParams(
    Object.entries(parameters).filter(([, value]) => Boolean(value)),
  );
  history.replaceState(null, "", `?${search}`);
}

const fetcher = GraphiQL.createFetcher({ url: window.location.href.split("?")[0] });

function GraphiQLWithExplorer() {
  const [query, setQuery] = React.useState(parameters.q || EXAMPLE_QUERY);
  const [variables, setVariables] = React.useState(parameters.variables);
  const explorer = React.useMemo(() => GraphiQLPluginExplorer.explorerPlugin(), []);
  return React.createElement(GraphiQL, {
    fetcher,
    // On a phone the variables and headers pane starts folded: the query needs the room.
    defaultEditorToolsVisibility: !window.matchMedia("(max-width: 640px)").matches,
    plugins: [explorer],
    query,
    variables,
    onEditQuery(text) {
      setQuery(text);
      updateURL({ q: text });
    },
    onEditVariables(text) {
      setVariables(text);
      updateURL({ variables: text });
    },
    inputValueDeprecation: true,
    isHeadersEditorEnabled: true,
    shouldPersistHeaders: false,
  });
}

ReactDOM.createRoot(document.getElementById("graphiql")).render(
  React.createElement(GraphiQLWithExplorer),
);
