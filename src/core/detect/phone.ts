// Phone numbers are checked against libphonenumber's numbering plans (the `max` metadata, which
// knows each country's valid ranges, not just lengths): `+44 20 7946 0958` is a London number,
// `+1 115 555 2671` is not a number at all. Parsing costs tens of microseconds, so it only runs on
// candidates the pattern and layout checks have already let through.

import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js/max';

/** Countries whose national numbers start with a trunk 0, tried in turn for `0…` numbers. */
const trunkZeroCountries: CountryCode[] = ['GB', 'FR', 'DE', 'IT', 'NL', 'BE', 'AT', 'CH', 'IE', 'SE', 'PT'];

// Verdicts are remembered: a conversation re-sends its history every turn and a stream redactor
// rescans the text it holds back, so the same numbers come back again and again.
const remembered = new Map<string, boolean>();
const rememberAtMost = 512;

export function validPhone(text: string, region: CountryCode | 'EU' | undefined): boolean {
  const key = `${region ?? ''}:${text}`;
  const known = remembered.get(key);
  if (known !== undefined) return known;
  const verdict =
    region === 'EU' ? trunkZeroCountries.some((country) => valid(text, country)) : valid(text, region);
  if (remembered.size >= rememberAtMost) remembered.delete(remembered.keys().next().value!);
  remembered.set(key, verdict);
  return verdict;
}

/** For the benchmark's cold-cache figures. */
export function forgetPhoneVerdicts(): void {
  remembered.clear();
}

function valid(text: string, country: CountryCode | undefined): boolean {
  try {
    return parsePhoneNumberFromString(text, country)?.isValid() ?? false;
  } catch {
    return false;
  }
}
