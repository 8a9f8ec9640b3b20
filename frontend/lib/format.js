// Numbers as the report shows them. Credits are exact decimals that arrive as strings
// ("5030.8000"); they are never turned into binary floats: trimming and grouping work on the
// digits themselves, so what is shown is exactly the value the API sent.

const INTEGER = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

export function formatInt(value) {
  return INTEGER.format(value);
}

/** `"5030.8000"` -> `"5030.8"`, `"0.0000"` -> `"0"`: the same value without needless zeros. */
export function plainDecimal(text) {
  const match = DECIMAL.exec(String(text));
  if (!match) return String(text);
  const [, sign, whole, fraction = ""] = match;
  const digits = whole.replace(/^0+(?=\d)/, "");
  const places = fraction.replace(/0+$/, "");
  const zero = /^0$/.test(digits) && !places;
  return (zero ? "" : sign) + digits + (places ? `.${places}` : "");
}

/** `"12398.5000"` -> `"12,398.5"`: grouped, with only the decimals the value needs. */
export function formatDecimal(text) {
  const plain = plainDecimal(text);
  const match = DECIMAL.exec(plain);
  if (!match) return plain;
  const [, sign, whole, fraction] = match;
  return sign + whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",") + (fraction ? `.${fraction}` : "");
}

const LABELS = {
  ALWAYS_ON: "Always-On",
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
