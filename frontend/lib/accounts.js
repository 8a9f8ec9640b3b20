// Credit accounts in words and steps: a balance (an overdraft said as such), the runway, and a
// statement as the waterfall from its opening to its closing balance. Sums of credits are done
// on the digits (BigInt at a fixed scale), never in binary floats, so a running balance shown
// next to a step is exactly the API's arithmetic.

import { formatDate } from "./dates.js";
import { formatDecimal, label, plainDecimal } from "./format.js";

const SCALE = 10; // more places than any credit has (the API sends at most 4)
const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

function toScaled(text) {
  const match = DECIMAL.exec(String(text));
  if (!match) throw new Error(`Not a decimal: ${text}`);
  const [, sign, whole, fraction = ""] = match;
  const digits = BigInt(whole + fraction.padEnd(SCALE, "0").slice(0, SCALE));
  return sign ? -digits : digits;
}

function fromScaled(value) {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(SCALE + 1, "0");
  const text = `${digits.slice(0, -SCALE)}.${digits.slice(-SCALE)}`;
  return plainDecimal((negative ? "-" : "") + text);
}

/** `"10.5" + "-0.25"` -> `"10.25"`, exactly. */
export function addDecimals(...values) {
  return fromScaled(values.reduce((sum, v) => sum + toScaled(v), 0n));
}

export function negate(text) {
  return fromScaled(-toScaled(text));
}

export function isNegative(text) {
  return toScaled(text) < 0n;
}

/** `{text, overdrawn}`: `"1,250.5"`, or `"Overdrawn by 120.5"` for a negative balance. */
export function describeBalance(balance) {
  if (isNegative(balance)) {
    return { text: `Overdrawn by ${formatDecimal(negate(balance))}`, overdrawn: true };
  }
  return { text: formatDecimal(balance), overdrawn: false };
}

/**
 * The runway in words: `{headline, detail}`. A null `daysLeft` means nothing was consumed in
 * the 28 days the forecast reads, so there is no date to give.
 */
export function describeRunway(forecast) {
  const { daysLeft, runsOutOn, runsOutEarliest, runsOutLatest, dailyBurn } = forecast;
  const burn = `Burn ${formatDecimal(dailyBurn)} a day (last 28 days)`;
  if (daysLeft === null || daysLeft === undefined) {
    return { headline: "No consumption in the last 28 days", detail: "No run-out date to forecast." };
  }
  if (daysLeft === 0) {
    return { headline: "Out of credits", detail: `${burn}.` };
  }
  const days = daysLeft === 1 ? "1 day left" : `${daysLeft.toLocaleString("en-US")} days left`;
  const range =
    runsOutEarliest && runsOutLatest && runsOutEarliest !== runsOutLatest
      ? ` (between ${formatDate(runsOutEarliest)} and ${formatDate(runsOutLatest)})`
      : "";
  return {
    headline: `${days} · runs out on ${formatDate(runsOutOn)}`,
    detail: `${burn}${range}.`,
  };
}

export const ALERT_KINDS = {
  BALANCE_BELOW: "Balance below",
  DAYS_LEFT_BELOW: "Days left below",
  DAILY_BURN_ABOVE: "Daily burn above",
};
export const TRANSACTION_KINDS = {
  PURCHASE: "Purchase",
  GRANT: "Grant",
  ADJUSTMENT: "Adjustment",
  EXPIRY: "Expiry",
};

/**
 * A statement as steps: `[{key, title, credits, before, after, kind}]` from the opening
 * balance through each kind of transaction and each channel's consumption (negative) to the
 * closing balance. `after` of the last change equals `closingBalance` (the statement identity).
 */
export function waterfallSteps(statement) {
  const changes = [
    { key: "purchased", title: "Purchases", credits: statement.purchased },
    { key: "granted", title: "Grants", credits: statement.granted },
    { key: "adjusted", title: "Adjustments", credits: statement.adjusted },
    { key: "expired", title: "Expiries", credits: statement.expired },
    ...statement.consumedByChannel.map((c) => ({
      key: `consumed-${c.channel.toLowerCase()}`,
      title: `Consumed by ${label(c.channel)}`,
      credits: negate(c.credits),
    })),
  ];
  const steps = [
    {
      key: "opening",
      title: "Opening balance",
      credits: plainDecimal(statement.openingBalance),
      before: "0",
      after: plainDecimal(statement.openingBalance),
      kind: "total",
    },
  ];
  let running = plainDecimal(statement.openingBalance);
  for (const change of changes) {
    const after = addDecimals(running, change.credits);
    const kind = isNegative(change.credits) ? "down" : "up";
    steps.push({ ...change, credits: plainDecimal(change.credits), before: running, after, kind });
    running = after;
  }
  steps.push({
    key: "closing",
    title: "Closing balance",
    credits: plainDecimal(statement.closingBalance),
    before: "0",
    after: plainDecimal(statement.closingBalance),
    kind: "total",
  });
  return steps;
}
