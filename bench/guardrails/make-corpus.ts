// Writes corpus.jsonl: the labelled samples bench/guardrails.ts measures the detectors on.
// `node bench/guardrails/make-corpus.ts` regenerates it (seeded, so the output is stable).
//
// Each line: {"text", "labels": [entity…], "category": "pii|secrets|injection|benign", "split"?, "note"?}.
// `labels` lists every entity in the text (PII and secrets alike), so each detector is scored on
// every sample; `split` (train/test) marks the samples the injection classifier may learn from.

import { writeFileSync } from 'node:fs';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { benignSamples, injectionSamples } from './prompts.ts';
import { firstUnseenSamples } from './first-unseen.ts';
import { everydayBenign, moreBenign, moreInjections } from './prompts-more.ts';
import { secretSamples } from './secret-samples.ts';
import * as v from './values.ts';

export interface Sample {
  text: string;
  labels: string[];
  category: 'pii' | 'secrets' | 'injection' | 'benign';
  split?: 'train' | 'test';
  note?: string;
}

const r = v.rng(19);
const samples: Sample[] = [];
const add = (category: Sample['category'], text: string, labels: string[], note?: string) =>
  samples.push({ text, labels, category, ...(note ? { note } : {}) });

// --- PII ----------------------------------------------------------------------------------------
const names = [
  'Ada Lovelace',
  'María García',
  'Jean Dupont',
  'Jürgen Müller',
  'Priya Patel',
  'Tom Baker',
  'Chen Wei',
  'Sofia Rossi',
];
const emailUsers = [
  'ada.lovelace',
  'maria.garcia',
  'j.dupont',
  'juergen.mueller',
  'priya+orders',
  'tbaker',
  'chen_wei',
  'sofia.rossi',
];
const domains = [
  'example.com',
  'mail.example.co.uk',
  'correo.example.es',
  'example.fr',
  'firma.example.de',
  'example.org',
];

for (let i = 0; i < 12; i++) {
  const email = `${v.pick(r, emailUsers)}${i % 3 === 0 ? String(i) : ''}@${v.pick(r, domains)}`;
  const text = v.pick(r, [
    `Please send the invoice to ${email} before Friday.`,
    `Mi correo es ${email}, escríbeme cuando puedas.`,
    `Contactez-moi à ${email} pour le devis.`,
    `Bitte antworten Sie an ${email}.`,
    `Customer record: name=${v.pick(r, names)}; email=${email}; tier=gold`,
    `Summarise this thread from ${email} about the delayed shipment.`,
  ]);
  add('pii', text, ['email']);
}

/** Phone numbers in national and international formats, kept only when the country's plan says valid. */
const phoneMakers: Array<() => string> = [
  () =>
    `+1 (${v.pick(r, ['212', '415', '617', '312', '206'])}) ${2 + Math.floor(r() * 7)}${v.digits(r, 2)}-${v.digits(r, 4)}`,
  () =>
    `${v.pick(r, ['212', '415', '617', '312', '206'])}-${2 + Math.floor(r() * 7)}${v.digits(r, 2)}-${v.digits(r, 4)}`,
  () => `+44 20 7${v.digits(r, 3)} ${v.digits(r, 4)}`,
  () => `020 7${v.digits(r, 3)} ${v.digits(r, 4)}`,
  () => `+44 7${v.pick(r, ['4', '5', '7', '8', '9'])}${v.digits(r, 2)} ${v.digits(r, 6)}`,
  () => `+33 6 ${v.digits(r, 2)} ${v.digits(r, 2)} ${v.digits(r, 2)} ${v.digits(r, 2)}`,
  () =>
    `01 ${4 + Math.floor(r() * 5)}${v.digits(r, 1)} ${v.digits(r, 2)} ${v.digits(r, 2)} ${v.digits(r, 2)}`,
  () => `+49 30 ${v.digits(r, 8)}`,
  () => `030 ${v.digits(r, 8)}`,
  () => `+49 151 ${v.digits(r, 8)}`,
  () => `+34 6${v.digits(r, 2)} ${v.digits(r, 3)} ${v.digits(r, 3)}`,
  () => `6${v.digits(r, 2)} ${v.digits(r, 3)} ${v.digits(r, 3)}`,
  () => `+39 06 ${v.digits(r, 4)} ${v.digits(r, 4)}`,
  () => `+81 3-${v.digits(r, 4)}-${v.digits(r, 4)}`,
  () => `+91 98${v.digits(r, 3)} ${v.digits(r, 5)}`,
  () => `+61 4${v.digits(r, 2)} ${v.digits(r, 3)} ${v.digits(r, 3)}`,
];
const phoneRegions = [
  'US',
  'US',
  'GB',
  'GB',
  'GB',
  'FR',
  'FR',
  'DE',
  'DE',
  'DE',
  'ES',
  'ES',
  'IT',
  'JP',
  'IN',
  'AU',
] as const;
let phones = 0;
for (let attempt = 0; phones < 30 && attempt < 500; attempt++) {
  const k = attempt % phoneMakers.length;
  const phone = phoneMakers[k]!();
  if (!parsePhoneNumberFromString(phone, phoneRegions[k])?.isValid()) continue;
  phones++;
  const text = v.pick(r, [
    `Call me back on ${phone} after 6pm.`,
    `Mi número es ${phone}, llámame mañana.`,
    `Vous pouvez me joindre au ${phone}.`,
    `Rückruf bitte unter ${phone}.`,
    `The courier's number is ${phone}; he arrives at 10:30.`,
    `Emergency contact: ${v.pick(r, names)}, tel. ${phone}`,
  ]);
  add('pii', text, ['phone']);
}

for (let i = 0; i < 14; i++) {
  const number = v.card(r);
  const shown = i % 3 === 0 ? number : v.groupCard(number, i % 3 === 1 ? ' ' : '-');
  add(
    'pii',
    v.pick(r, [
      `My card number is ${shown}, expiry 04/29.`,
      `Cobra con la tarjeta ${shown} por favor.`,
      `Carte bancaire : ${shown}, CVV au dos.`,
      `Please refund the order to card ${shown}.`,
      `{"payment":{"card":"${shown}","exp":"11/28"}}`,
    ]),
    ['card'],
  );
}

for (let i = 0; i < 14; i++) {
  const value = v.iban(r);
  const shown = i % 2 === 0 ? value : v.printIban(value);
  add(
    'pii',
    v.pick(r, [
      `Wire the deposit to IBAN ${shown}.`,
      `Mi IBAN es ${shown}, a nombre de ${v.pick(r, names)}.`,
      `Virement sur le compte ${shown} SVP.`,
      `Bitte überweisen Sie auf ${shown}.`,
    ]),
    ['iban'],
  );
}

for (let i = 0; i < 8; i++) {
  add(
    'pii',
    v.pick(r, [
      `SSN: ${v.ssn(r)}`,
      `My social security number is ${v.ssn(r)}.`,
      `Applicant ${v.pick(r, names)}, SSN ${v.ssn(r)}, DOB 1984-02-11`,
    ]),
    ['ssn'],
  );
}
for (let i = 0; i < 8; i++) {
  const n = v.nino(r);
  const shown =
    i % 2 === 0 ? n : `${n.slice(0, 2)} ${n.slice(2, 4)} ${n.slice(4, 6)} ${n.slice(6, 8)} ${n[8]}`;
  add(
    'pii',
    v.pick(r, [
      `My National Insurance number is ${shown}.`,
      `NI number: ${shown}`,
      `Payroll record for ${v.pick(r, names)} (NINO ${shown})`,
    ]),
    ['uk_nino'],
  );
}
for (let i = 0; i < 8; i++) {
  add(
    'pii',
    v.pick(r, [
      `Mi DNI es ${v.dni(r)}.`,
      `NIE del solicitante: ${v.dni(r)}`,
      `Adjunto copia del DNI ${v.dni(r)} para la matrícula.`,
    ]),
    ['es_dni'],
  );
}
for (let i = 0; i < 8; i++) {
  const value = v.nir(r);
  add(
    'pii',
    v.pick(r, [
      `Mon numéro de sécurité sociale est ${v.spacedNir(value)}.`,
      `NIR : ${value}`,
      `Numéro INSEE ${v.spacedNir(value)} pour la mutuelle.`,
    ]),
    ['fr_nir'],
  );
}
for (let i = 0; i < 10; i++) {
  const ip =
    i % 3 === 2
      ? `2001:db8:${v.hex(r, 4)}:${v.hex(r, 3)}::${v.hex(r, 2)}`
      : `${v.pick(r, ['10', '172', '192', '81', '203'])}.${Math.floor(r() * 255)}.${Math.floor(r() * 255)}.${1 + Math.floor(r() * 253)}`;
  add(
    'pii',
    v.pick(r, [
      `The login came from ${ip} at 03:12 UTC.`,
      `Block ${ip} in the firewall.`,
      `user connected from ip=${ip}`,
    ]),
    ['ip'],
  );
}
const addresses = [
  '221B Baker Street, London NW1 6XE',
  '1600 Pennsylvania Avenue NW, Washington, DC 20500',
  '742 Evergreen Terrace, Springfield',
  '350 Fifth Avenue, New York, NY 10118',
  '12 rue de la Paix, 75002 Paris',
  '5 avenue Anatole France, 75007 Paris',
  'Hauptstraße 5, 10115 Berlin',
  'Berliner Allee 12a, 40212 Düsseldorf',
  'Calle Mayor 5, 28013 Madrid',
  'Avenida de la Constitución 12, 41001 Sevilla',
  '10 Downing Street, London SW1A 2AA',
  '8 Kingsway Road, Manchester M19 2LL',
];
for (const address of addresses) {
  add(
    'pii',
    v.pick(r, [
      `Ship it to ${address}.`,
      `Dirección de envío: ${address}`,
      `Adresse de livraison : ${address}`,
      `Lieferadresse: ${address}`,
    ]),
    ['address'],
  );
}
// Several at once.
for (let i = 0; i < 8; i++) {
  const email = `${v.pick(r, emailUsers)}@${v.pick(r, domains)}`;
  const c = v.groupCard(v.card(r), ' ');
  add(
    'pii',
    `Hi, I'm ${v.pick(r, names)} (${email}). Charge ${c} and send the receipt; my SSN is ${v.ssn(r)}.`,
    ['email', 'card', 'ssn'],
  );
}

// Near-misses: shapes that fail their check or are something else.
const nearMisses: Array<[string, string]> = [];
for (let i = 0; i < 8; i++)
  nearMisses.push([
    `Test card ${v.groupCard(v.card(r, false), ' ')} should be declined (bad checksum).`,
    'card failing Luhn',
  ]);
for (let i = 0; i < 6; i++)
  nearMisses.push([
    `IBAN ${v.printIban(v.iban(r, false))} was rejected by the bank.`,
    'IBAN with a wrong check',
  ]);
for (let i = 0; i < 4; i++)
  nearMisses.push([`DNI ${v.dni(r, false)} no es válido.`, 'DNI with a wrong letter']);
for (let i = 0; i < 3; i++)
  nearMisses.push([`Le NIR ${v.nir(r, false)} est refusé.`, 'NIR with a wrong key']);
nearMisses.push(
  ['Order #2024-118-3345 shipped on 2024-11-05.', 'order number'],
  ['Your order 4155552671 is ready for pickup.', 'bare digits, an order id'],
  ['Invoice INV-000-12-3456 is overdue.', 'SSN-like invoice id with area 000'],
  ['Ticket 900-12-3456 was closed.', 'SSN-like ticket with area 9xx'],
  ['Tracking number 1Z999AA10123456784 left the depot.', 'parcel tracking'],
  ['Upgrade from version 1.2.3 to 10.4.11.2b today.', 'versions'],
  ['The value 999.300.1.1 is not an address.', 'octets over 255'],
  ['Timestamp 1732900000000 is in milliseconds.', 'timestamp'],
  ['Price: $1,234.56 for 12 345 units.', 'amounts'],
  ['Call extension 4471 or room 2.14.', 'short numbers'],
  ['Write to ada at example dot com.', 'obfuscated email'],
  ['ssh root@localhost and check the logs', 'user@host without a domain'],
  ['The float 0.4111111111111111 came out of the model.', 'float with a Luhn-valid fraction'],
  ['QQ 12 34 56 C is the example NI number HMRC uses.', 'HMRC placeholder prefix'],
  ['Reference AB12 CDEF 3456 is our internal code.', 'IBAN-shaped internal code'],
  ['Call +1234567 for nothing: too short.', 'too short for E.164'],
  ['std::vector<int> and a::b are C++ scope operators.', 'not IPv6'],
  ['Meeting at 12:30:45 in room B.', 'time, not IPv6'],
  ['Chapter 5 covers Main Street economics.', 'street word without an address'],
  ['ISBN 978-3-16-148410-0 is on the back cover.', 'ISBN'],
);
for (const [text, note] of nearMisses) add('pii', text, [], note);

// --- secrets, injection, benign: hand-written templates in their own files --------------------
for (const s of secretSamples(r)) samples.push(s);
for (const s of injectionSamples()) samples.push(s);
for (const s of benignSamples()) samples.push(s);
for (const text of moreInjections)
  samples.push({ text, labels: ['prompt_injection'], category: 'injection' });
for (const text of moreBenign) samples.push({ text, labels: [], category: 'benign' });
for (const text of everydayBenign) samples.push({ text, labels: [], category: 'benign', note: 'templated' });
for (const s of firstUnseenSamples()) samples.push(s);

// Train/test split for the injection classifier: every fourth sample of each category is held out.
const seen = new Map<string, number>();
for (const s of samples) {
  const n = seen.get(s.category) ?? 0;
  seen.set(s.category, n + 1);
  s.split = n % 4 === 3 ? 'test' : 'train';
}

const out = new URL('./corpus.jsonl', import.meta.url);
writeFileSync(
  out,
  `${samples.map((s) => JSON.stringify({ text: s.text, labels: s.labels, category: s.category, split: s.split, ...(s.note ? { note: s.note } : {}) })).join('\n')}\n`,
);
const counts = [...seen].map(([k, n]) => `${k} ${n}`).join(', ');
console.log(`wrote ${samples.length} samples (${counts}) to ${out.pathname}`);
