// Numbers as the report shows them. Credits are exact decimals that arrive as strings; they
// are never turned into binary floats: grouping is done on the digits themselves.

const INTEGER = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

export function formatInt(value) {
  return INTEGER.format(value);
}

/** `"12398.5000"` -> `"12,398.5000"`: the same digits, with thousands separators. */
export function formatDecimal(text) {
  const match = /^(-?)(\d+)(\.\d+)?$/.exec(String(text));
  if (!match) return String(text);
  const [, sign, whole, fraction = ""] = match;
  return sign + whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",") + fraction;
}

const LABELS = {
  ALWAYS_ON: "Always-on",
  SCHEDULED: "Scheduled",
  ORGANIZATION: "Organization",
  ZONE: "Zone",
  CENTER: "Center",
  SMS: "SMS",
  WHATSAPP: "WhatsApp",
  EMAIL: "Email",
  LIVE: "Live",
  PROCESSED: "Processed",
  PAUSED: "Paused",
};

/** The label of an enum value (`WHATSAPP` -> `WhatsApp`). */
export function label(value) {
  return LABELS[value] ?? value;
}

export const CHANNELS = ["SMS", "WHATSAPP", "EMAIL"];
export const TYPES = ["ALWAYS_ON", "SCHEDULED"];
export const CREATED_FROM = ["ORGANIZATION", "ZONE", "CENTER"];
export const STATUSES = ["LIVE", "PROCESSED", "PAUSED"];
