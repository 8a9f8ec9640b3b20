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
  }
  ${CAMPAIGN_COLUMNS}`;

/** A drilldown at the user's own scope. */
export function queryCampaignBreakdown(kind) {
  return `
    query CampaignBreakdown($id: ID!, $dateRange: DateRange) {
      campaign(id: $id, dateRange: $dateRange) {
        ...CampaignColumns
        ${kind === "centers" ? CENTER_ROWS : DATE_ROWS}
      }
    }
    ${CAMPAIGN_COLUMNS}`;
}

export const QUERY_CAMPAIGN_NAME = `
  query CampaignName($id: ID!) { campaign(id: $id) { id name } }`;

/**
 * A drilldown narrowed to one zone or center. `campaign(id:)` has no zone or center argument,
 * so the campaign is found in the narrowed report by its name and picked out by id.
 */
export function queryCampaignBreakdownInScope(kind) {
  return `
    query CampaignBreakdownInScope($name: String!, $zoneId: ID, $centerId: ID,
                                   $dateRange: DateRange) {
      campaigns(dateRange: $dateRange, zoneId: $zoneId, centerId: $centerId,
                filter: { nameContains: $name }, first: 20) {
        edges {
          node {
            ...CampaignColumns
            ${kind === "centers" ? CENTER_ROWS : DATE_ROWS}
          }
        }
      }
    }
    ${CAMPAIGN_COLUMNS}`;
}
