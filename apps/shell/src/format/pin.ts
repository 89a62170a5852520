/** An India Post PIN code: six digits, the first (the postal region) 1–9. */
const PIN = /^[1-9]\d{5}$/;

/** The PIN as stored (six digits; "411 004" typed with a space is fine), or undefined. */
export function normalisePin(input: string): string | undefined {
  const pin = input.replace(/\s/g, '');
  return PIN.test(pin) ? pin : undefined;
}

export function isValidPin(input: string): boolean {
  return normalisePin(input) !== undefined;
}
