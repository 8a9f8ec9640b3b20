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
    }
    ${CAMPAIGN_COLUMNS}`;
}
