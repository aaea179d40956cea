// Phone numbers are checked against libphonenumber's numbering plans (the `max` metadata, which
// knows each country's valid ranges, not just lengths): `+44 20 7946 0958` is a London number,
// `+1 115 555 2671` is not a number at all. Parsing costs tens of microseconds, so it only runs on
// candidates the pattern and layout checks have already let through.

import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js/max';

/** Countries whose national numbers start with a trunk 0, tried in turn for `0…` numbers. */
const trunkZeroCountries: CountryCode[] = ['GB', 'FR', 'DE', 'IT', 'NL', 'BE', 'AT', 'CH', 'IE', 'SE', 'PT'];

export function validPhone(text: string, region: CountryCode | 'EU' | undefined): boolean {
  if (region === 'EU') return trunkZeroCountries.some((country) => valid(text, country));
  return valid(text, region);
}

function valid(text: string, country: CountryCode | undefined): boolean {
  try {
    return parsePhoneNumberFromString(text, country)?.isValid() ?? false;
  } catch {
    return false;
  }
}
