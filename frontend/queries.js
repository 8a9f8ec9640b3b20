// Every GraphQL document the app sends, in one place.

const CAMPAIGN_COLUMNS = `
  fragment CampaignColumns on Campaign {
    id name type createdFrom channel status
    creditSource { id name }
    targetedGuests processed creditsConsumed
  }`;

const CENTER_ROWS = `
  centerBreakdown(dateRange: $dateRange) {
    center { id name zoneId timezone }
    targetedGuests processed creditsConsumed
  }`;

const DATE_ROWS = `
  dateBreakdown(dateRange: $dateRange) { date targetedGuests processed creditsConsumed }`;

export const QUERY_VIEWER = `
  query Viewer {
    viewer {
      organization { id name timezone }
      scopeKind
      zone { id name }
      center { id name }
      zones { id name }
      centers { id name zoneId timezone }
      creditSources { id name }
      canManageAccounts
    }
  }`;

export const QUERY_CAMPAIGN_REPORT = `
  query CampaignReport($dateRange: DateRange, $zoneId: ID, $centerId: ID,
                       $filter: CampaignFilter, $orderBy: CampaignOrder,
                       $first: Int, $after: String) {
    campaigns(dateRange: $dateRange, zoneId: $zoneId, centerId: $centerId, filter: $filter,
              orderBy: $orderBy, first: $first, after: $after) {
      totalCount
      totals { targetedGuests processed creditsConsumed }
      pageInfo { hasNextPage endCursor }
      edges { node { ...CampaignColumns } }
    }
    dataUpTo(zoneId: $zoneId, centerId: $centerId)
  }
  ${CAMPAIGN_COLUMNS}`;

// Where credits go (§10): every matched campaign together, over the report's filters and
// scope; one aliased connection per channel the filters allow gives the chart's stacks.
const FLOW_USAGE = "targetedGuests processed creditsConsumed";
const FLOW_CHANNEL = (alias, filter, shown) => `
    ${alias}: campaigns(dateRange: $dateRange, zoneId: $zoneId, centerId: $centerId,
                        filter: ${filter}, first: 0) @include(if: ${shown}) {
      dateBreakdown { date creditsConsumed }
    }`;
export const QUERY_REPORT_FLOW = `
  query ReportFlow($dateRange: DateRange, $zoneId: ID, $centerId: ID, $filter: CampaignFilter,
                   $sms: CampaignFilter, $whatsapp: CampaignFilter, $email: CampaignFilter,
                   $withSms: Boolean!, $withWhatsapp: Boolean!, $withEmail: Boolean!) {
    flow: campaigns(dateRange: $dateRange, zoneId: $zoneId, centerId: $centerId,
                    filter: $filter, first: 0) {
      totals { ${FLOW_USAGE} }
      previousPeriod { ${FLOW_USAGE} }
      byChannel { channel ${FLOW_USAGE} }
      byCreditSource { creditSource { id name } ${FLOW_USAGE} }
      dateBreakdown { date ${FLOW_USAGE} }
    }
    ${FLOW_CHANNEL("sms", "$sms", "$withSms")}
    ${FLOW_CHANNEL("whatsapp", "$whatsapp", "$withWhatsapp")}
    ${FLOW_CHANNEL("email", "$email", "$withEmail")}
  }`;

/**
 * A drilldown: one campaign with its rows per center or per date. `zoneId`/`centerId` narrow an
 * organization or zone user's scope (null: their own); a campaign outside it answers null.
 */
export function queryCampaignBreakdown(kind) {
  return `
    query CampaignBreakdown($id: ID!, $dateRange: DateRange, $zoneId: ID, $centerId: ID) {
      campaign(id: $id, dateRange: $dateRange, zoneId: $zoneId, centerId: $centerId) {
        ...CampaignColumns
        ${kind === "centers" ? CENTER_ROWS : DATE_ROWS}
      }
      dataUpTo(zoneId: $zoneId, centerId: $centerId)
    }
    ${CAMPAIGN_COLUMNS}`;
}

// At most this many windows a request: the API refuses more than 30 aliases in one document.
export const PERIODS_PER_REQUEST = 25;

/**
 * One campaign's numbers over `count` windows (`$r0`…), one alias each (`p0`…). Targeted
 * Guests counts distinct guests, so a week's or a month's count is the API's, never a sum of
 * days.
 */
export function queryCampaignPeriods(count) {
  const ranges = Array.from({ length: count }, (_, i) => `$r${i}: DateRange!`).join(", ");
  const fields = Array.from(
    { length: count },
    (_, i) =>
      `p${i}: campaign(id: $id, dateRange: $r${i}, zoneId: $zoneId, centerId: $centerId) {
        targetedGuests processed creditsConsumed
      }`,
  ).join("\n");
  return `query CampaignPeriods($id: ID!, $zoneId: ID, $centerId: ID, ${ranges}) {
    ${fields}
  }`;
}

// Credit accounts (organization users only). Each card draws its last 30 days of burn.
export const QUERY_CREDIT_ACCOUNTS = `
  query CreditAccounts($burnRange: DateRange!) {
    creditAccounts {
      creditSource { id name }
      balance
      forecast { dailyBurn daysLeft runsOutOn runsOutEarliest runsOutLatest }
      statement(dateRange: $burnRange) { days { date consumed } }
      alerts { id state }
    }
  }`;

const ALERT_FIELDS = `
  alerts {
    id kind threshold webhookUrl state
    deliveries(first: 5) { eventId type attemptedAt responseStatus error delivered }
  }`;

/** One account: its statement over a window, a page of its transactions and its alerts. */
export const QUERY_CREDIT_ACCOUNT = `
  query CreditAccount($id: ID!, $dateRange: DateRange!, $first: Int, $after: String) {
    creditAccount(creditSourceId: $id) {
      creditSource { id name }
      balance
      forecast { dailyBurn daysLeft runsOutOn runsOutEarliest runsOutLatest }
      statement(dateRange: $dateRange) {
        start end openingBalance purchased granted adjusted expired consumed closingBalance
        consumedByChannel { channel credits }
      }
      transactions(dateRange: $dateRange, first: $first, after: $after) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges { node { externalId kind credits occurredAt date note } }
      }
      ${ALERT_FIELDS}
    }
  }`;

// Administrators' changes to an account (the view shows the controls when
// `viewer.canManageAccounts`). One transaction a request: the form records one at a time.
export const MUTATION_RECORD_CREDIT_TRANSACTION = `
  mutation RecordCreditTransaction($transaction: CreditTransactionInput!) {
    recordCreditTransactions(transactions: [$transaction]) { inserted updated unchanged }
  }`;

export const MUTATION_SET_CREDIT_ALERT = `
  mutation SetCreditAlert($alert: CreditAlertInput!) {
    setCreditAlert(alert: $alert) { id kind threshold webhookUrl state }
  }`;

export const MUTATION_DELETE_CREDIT_ALERT = `
  mutation DeleteCreditAlert($id: ID!) { deleteCreditAlert(id: $id) }`;

/** The SMS analysis of a draft text (the template checker). */
export const QUERY_TEMPLATE_COST = `
  query TemplateCost($text: String!, $channel: Channel!) {
    templateCost(text: $text, channel: $channel) {
      encoding characters length segments segmentCapacity segmentLengths
      ucs2Characters { character codePoint positions gsmReplacement }
      gsm7Rewrite gsm7RewriteSegments
    }
  }`;

// Why a campaign cost what it cost, in the drilldown's scope and window (§10).
const COST_ROW = "messages units credits";
export const QUERY_COST_EXPLANATION = `
  query CostExplanation($id: ID!, $dateRange: DateRange, $zoneId: ID, $centerId: ID) {
    campaign(id: $id, dateRange: $dateRange, zoneId: $zoneId, centerId: $centerId) {
      id channel template
      templateCost {
        encoding segments gsm7RewriteSegments
        ucs2Characters { character codePoint positions gsmReplacement }
      }
      costExplanation {
        messages units credits processed creditsPerProcessed
        byUnits { unitsPerMessage ${COST_ROW} }
        byCountry { countryCode ${COST_ROW} }
        byCategory { category ${COST_ROW} }
        byOutcome { outcome ${COST_ROW} }
        wastedCredits ratedMessages expectedCredits rateMismatches potentialSavings
      }
    }
  }`;
