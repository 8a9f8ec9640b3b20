// The API's longest date window (its DATE_RANGE_TOO_LONG limit), in days.
export const MAX_WINDOW_DAYS = 3660;
