// The word handling shared by the offline embedder and the veto: one normalisation (case, accents,
// contractions), a light stemmer and a small synonym table, so that "Don't enable" and "do not
// activate" read the same to both. Pure: imports nothing of ours.

const contractions: Array<[RegExp, string]> = [
  [/\bcan['’]t\b/g, 'can not'],
  [/\bwon['’]t\b/g, 'will not'],
  [/\bshan['’]t\b/g, 'shall not'],
  [/n['’]t\b/g, ' not'],
  [/['’]re\b/g, ' are'],
  [/['’]ve\b/g, ' have'],
  [/['’]ll\b/g, ' will'],
  [/['’]d\b/g, ' would'],
  [/['’]m\b/g, ' am'],
  [/\b(it|that|what|where|who|how|there|here)['’]s\b/g, '$1 is'],
  [/['’]s\b/g, ''],
  [/\bcannot\b/g, 'can not'],
];

/** Lower case, no accents, contractions spelled out. */
export function normalise(text: string): string {
  let out = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();
  for (const [pattern, replacement] of contractions) out = out.replace(pattern, replacement);
  return out;
}

/** Words and numbers (a decimal point or thousands comma stays inside a number). */
export function words(normalised: string): string[] {
  return normalised.match(/\d+(?:[.,]\d+)*|[a-z]+/g) ?? [];
}

/**
 * A light suffix stripper (not Porter): enough that "resetting", "resets" and "reset" meet, without
 * a dictionary. Short words are left alone, where stripping does more harm than good.
 */
export function stem(word: string): string {
  if (word.length <= 3 || /^\d/.test(word)) return word;
  let w = word;
  if (w.endsWith('ies') && w.length > 4) w = `${w.slice(0, -3)}y`;
  else if (w.endsWith('sses')) w = w.slice(0, -2);
  else if (w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us') && !w.endsWith('is')) w = w.slice(0, -1);
  for (const suffix of ['ational', 'ation', 'ingly', 'edly', 'ing', 'ed', 'ly', 'ment', 'ness']) {
    if (w.endsWith(suffix) && w.length - suffix.length >= 3) {
      w = w.slice(0, -suffix.length);
      // "stopping" → "stopp" → "stop"; "running" → "run".
      if (w.length > 3 && w.at(-1) === w.at(-2) && !/[lsz]/.test(w.at(-1) ?? '')) w = w.slice(0, -1);
      break;
    }
  }
  if (w.endsWith('e') && w.length > 4) w = w.slice(0, -1);
  return w;
}

// Groups of words read as one (after stemming); the first word of a group names it. Kept small and
// general: it smooths common paraphrases, it is no thesaurus.
const synonymGroups: string[][] = [
  ['enable', 'activate', 'turn on', 'switch on'],
  ['disable', 'deactivate', 'turn off', 'switch off'],
  ['buy', 'purchase'],
  ['big', 'large', 'huge'],
  ['small', 'little', 'tiny'],
  ['fast', 'quick', 'rapid', 'speedy'],
  ['car', 'automobile', 'vehicle'],
  ['help', 'assist', 'support'],
  ['start', 'begin', 'commence', 'launch'],
  ['stop', 'halt', 'terminate'],
  ['remove', 'delete', 'erase', 'get rid of'],
  ['add', 'insert', 'append'],
  ['error', 'bug', 'issue', 'problem', 'fault'],
  ['fix', 'repair', 'resolve', 'solve', 'troubleshoot'],
  ['explain', 'describe', 'tell me about', 'what is meant by'],
  ['price', 'cost', 'fee', 'charge'],
  ['cancel', 'call off'],
  ['show', 'display'],
  ['make', 'create', 'build', 'set up', 'setup'],
  ['change', 'modify', 'update', 'alter', 'edit'],
  ['reset', 'restore', 'recover'],
  ['password', 'passcode', 'passphrase'],
  ['login', 'log in', 'sign in', 'signin'],
  ['logout', 'log out', 'sign out', 'signout'],
  ['signup', 'sign up', 'register'],
  ['email', 'e mail', 'mail'],
  ['account', 'profile'],
  ['refund', 'money back', 'reimbursement'],
  ['ship', 'deliver'],
  ['shipment', 'delivery', 'package', 'parcel'],
  ['summarize', 'summarise', 'sum up', 'recap', 'summary'],
  ['translate', 'translation'],
  ['write', 'compose', 'draft'],
  ['find', 'locate', 'look up', 'search for'],
  ['use', 'utilize', 'utilise'],
  ['need', 'require', 'must have'],
  ['allow', 'permit'],
  ['deny', 'block', 'forbid', 'prohibit'],
  ['increase', 'raise', 'boost'],
  ['decrease', 'lower', 'reduce', 'cut'],
  ['include', 'contain'],
  ['exclude', 'leave out', 'omit'],
  ['doctor', 'physician'],
  ['medicine', 'medication', 'drug'],
  ['child', 'kid'],
  ['happy', 'glad', 'pleased'],
  ['sad', 'unhappy'],
  ['answer', 'reply', 'respond', 'response'],
  ['question', 'query'],
  ['weather', 'forecast'],
  ['capital', 'capital city'],
  ['purpose', 'goal', 'aim'],
  ['difference', 'differ', 'distinguish'],
  ['benefit', 'advantage', 'pro'],
  ['drawback', 'disadvantage', 'downside', 'con'],
  ['example', 'sample', 'instance'],
  ['install'],
  ['uninstall'],
  ['invoice', 'bill'],
  ['subscription', 'membership'],
  ['upgrade'],
  ['downgrade'],
  ['open'],
  ['close', 'shut'],
];

const synonymOf = new Map<string, string>();
const phrases: Array<[RegExp, string]> = [];
for (const group of synonymGroups) {
  const head = group[0]!.replace(/ /g, '');
  for (const member of group) {
    if (member.includes(' ')) phrases.push([new RegExp(`\\b${member}\\b`, 'g'), head]);
    else synonymOf.set(stem(member), head);
  }
}

/** Multi-word synonyms joined into one word ("turn on" → "enable"), before splitting into words. */
export function joinPhrases(normalised: string): string {
  let out = normalised;
  for (const [pattern, head] of phrases) out = out.replace(pattern, head);
  return out;
}

/** A word's stem, read through the synonym table. */
export function canonical(word: string): string {
  const stemmed = stem(word);
  return synonymOf.get(stemmed) ?? stemmed;
}

/** Stems of the words of a text, phrases joined and synonyms applied. */
export function canonicalWords(text: string): string[] {
  return words(joinPhrases(normalise(text))).map(canonical);
}
