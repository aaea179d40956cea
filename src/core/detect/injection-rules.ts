// Phrases that attack the model's instructions, matched on folded text (lower case, accents
// dropped). Each carries a weight: strong rules are near-certain on their own ("ignore all previous
// instructions"); weak ones (a role line, a base64 blob) only tip the score when the classifier
// agrees. Benign look-alikes are the test of every rule: "ignore whitespace in git diff", "ignore
// case in grep", "forget the previous commit" name no instructions and do not match.

export interface InjectionRule {
  name: string;
  weight: number;
  pattern: RegExp;
}

const rule = (name: string, weight: number, source: string): InjectionRule => ({
  name,
  weight,
  pattern: new RegExp(source, 'g'),
});

// What an attacker tells the model to drop, in English, Spanish, French, German, Italian, Portuguese.
const instructionsEn =
  '(?:instructions?|prompts?|rules|directions|guidelines|guardrails|restrictions|directives?|programming|system prompt|constraints|policies|safety (?:rules|guidelines|filters))';
const earlierEn =
  '(?:previous|prior|above|earlier|preceding|former|initial|original|old|existing|current|your|all|any|the system|system)';

export const injectionRules: readonly InjectionRule[] = [
  rule(
    'override_en',
    0.95,
    `\\b(?:ignore|disregard|forget|skip|override|bypass|abandon|discard|drop|neglect)\\s+(?:(?:all|any|every|of|each|the|my|these|those|everything|anything)\\s+){0,3}(?:${earlierEn}\\s+){1,3}(?:\\w+\\s+)?${instructionsEn}`,
  ),
  rule(
    'override_everything_en',
    0.85,
    '\\b(?:ignore|disregard|forget) (?:everything|all) (?:above|before|you (?:were|have been) told|said before)',
  ),
  rule(
    'new_instructions_en',
    0.6,
    '\\b(?:new|updated|real|actual|true) (?:instructions|system prompt|directive)s?\\s*:|\\bfrom now on,? (?:you (?:are|will|must|shall)|ignore|respond|answer|act)',
  ),
  rule(
    'jailbreak_persona',
    0.9,
    '\\b(?:do anything now|dan mode|jailbreak(?:ed)? mode|developer mode (?:enabled|on|activated)|enable developer mode|god mode|unfiltered mode|stan mode|aim mode|evil confidant)\\b|\\byou are (?:now )?(?:dan|stan|dude|aim)\\b',
  ),
  rule(
    'no_restrictions',
    0.7,
    '\\b(?:without|no|free (?:of|from)|ignoring|with no) (?:any )?(?:ethical |moral |content |safety )?(?:restrictions|filters|censorship|limitations|guidelines|rules|boundaries)\\b.{0,80}\\b(?:answer|respond|reply|tell|say|do|act|write)|\\b(?:act|behave|respond|pretend|roleplay)(?: as| like| to be)? (?:an? )?(?:unfiltered|uncensored|unrestricted|unaligned|amoral|evil)\\b',
  ),
  rule(
    'pretend_no_rules',
    0.75,
    "\\bpretend (?:that )?(?:you are|you're|to be) .{0,60}\\b(?:no|without|free of|not bound by) (?:any )?(?:rules|restrictions|guidelines|filters|limits|policies)",
  ),
  rule(
    'exfiltrate_prompt_en',
    0.9,
    '\\b(?:reveal|show|print|repeat|output|display|leak|dump|give|tell|share|write out|spell out|recite|what (?:is|are|was|were))(?: me| us)? (?:all |back )?(?:your|the)(?: full| complete| exact| entire| hidden| secret| original| initial| whole| verbatim)* (?:system prompt|system message|initial prompt|hidden prompt|pre-?prompt|(?:hidden |secret |original |initial )?instructions (?:you were given|above|you received)|developer (?:message|instructions)|confidential instructions)',
  ),
  rule(
    'exfiltrate_above_en',
    0.8,
    '\\b(?:repeat|print|output|reproduce) (?:everything|all|the (?:text|words|content|lines)) (?:above|before this|from the (?:start|beginning))|\\bstarting with ["\']?you are\\b',
  ),
  rule(
    'role_tag',
    0.85,
    '<\\|?(?:im_start|im_end|endoftext|system|eot_id|start_header_id)\\|?>|</?(?:system|assistant|sys)>|\\[/?(?:inst|sys)\\]|<<sys>>',
  ),
  rule(
    'instruction_header',
    0.55,
    '(?:^|\\n)\\s*#{2,}\\s*(?:new |system |updated )?(?:instruction|instructions|system|system prompt|response)\\s*:?\\s*(?:\\n|$)',
  ),
  rule('role_line', 0.3, '(?:^|\\n)\\s*(?:system|assistant)\\s*:\\s*(?:you|ignore|new|from now)'),
  rule(
    'encoded_payload',
    0.45,
    '\\b(?:decode|decrypt|deobfuscate|translate) (?:this|the following|the) (?:base64|rot13|hex|binary|encoded)(?: string| text| message)?,? (?:and|then) (?:follow|execute|run|do|obey|carry out)',
  ),
  rule(
    'tool_hijack',
    0.6,
    '\\b(?:ai|assistant|agent|model|llm)s?(?: reading this)?[,:]? (?:you must|please|now) (?:ignore|forward|send|exfiltrate|email|delete|transfer)',
  ),
  // Spanish
  rule(
    'override_es',
    0.95,
    '\\b(?:ignora|ignore|ignorar|olvida|olvide|olvidar|omite|descarta|desobedece)(?:\\s+(?:todas|todo|las|tus|sus|los|cualquier|lo))*\\s+(?:instrucciones|indicaciones|reglas|directrices|ordenes|normas|restricciones)(?:\\s+\\w+){0,2}\\s*(?:anteriores|previas|de arriba|del sistema|iniciales|originales)?',
  ),
  rule(
    'exfiltrate_es',
    0.9,
    '\\b(?:revela|muestra|muestrame|dime|repite|imprime|ensena|ensename)(?: me)? (?:tu|el|tus|las)(?: completo| original| oculto)? (?:prompt(?: del sistema)?|mensaje del sistema|instrucciones (?:ocultas|originales|iniciales|del sistema))',
  ),
  rule(
    'jailbreak_es',
    0.8,
    '\\b(?:modo desarrollador|sin (?:ninguna )?(?:restriccion|restricciones|filtros|censura|limites)|actua como (?:una? )?(?:ia|asistente|modelo) (?:sin|libre))',
  ),
  // French
  rule(
    'override_fr',
    0.95,
    "\\b(?:ignore[rz]?|oublie[rz]?|neglige[rz]?|ne tiens pas compte|ne tenez pas compte)(?:\\s+(?:toutes|tout|les|tes|vos|des|de|d'|toute))*\\s+(?:instructions|consignes|regles|directives|indications|restrictions)(?:\\s+\\w+){0,2}",
  ),
  rule(
    'exfiltrate_fr',
    0.9,
    '\\b(?:revele[rz]?|montre[rz]?|affiche[rz]?|repete[rz]?|donne[rz]?|dis)(?:-moi| moi)? (?:ton|votre|le|tes|vos|les)(?: prompt| message)?(?: complet| original| cache| initial)? (?:prompt systeme|prompt du systeme|prompt initial|message systeme|instructions (?:cachees|initiales|originales|systeme))',
  ),
  rule(
    'jailbreak_fr',
    0.8,
    '\\b(?:mode developpeur|sans (?:aucune )?(?:restriction|restrictions|filtre|filtres|censure|limites)|agis comme (?:une? )?(?:ia|assistant) sans)',
  ),
  // German
  rule(
    'override_de',
    0.95,
    '\\b(?:ignoriere|ignorier|ignorieren sie|vergiss|vergessen sie|missachte|missachten sie|uberschreibe)\\s+(?:(?:alle|deine|ihre|die|samtliche|jegliche)\\s+){0,2}(?:(?:vorherigen|bisherigen|obigen|vorigen|fruheren|ursprunglichen)\\s+)?(?:anweisungen|instruktionen|regeln|befehle|vorgaben|richtlinien|einschrankungen)',
  ),
  rule(
    'exfiltrate_de',
    0.9,
    '\\b(?:zeige?|gib|verrate|wiederhole|nenne)(?: mir| uns)? (?:deinen|deine|den|die|ihren|ihre)(?: vollstandigen| originalen| geheimen| versteckten)? (?:system-?prompt|systemnachricht|anfangsanweisungen|versteckten anweisungen|ursprunglichen anweisungen)',
  ),
  rule(
    'jailbreak_de',
    0.8,
    '\\b(?:entwicklermodus|ohne (?:jegliche |alle |irgendwelche )?(?:einschrankungen|filter|zensur|regeln|grenzen))',
  ),
  // Italian and Portuguese: the override phrase only.
  rule(
    'override_it',
    0.9,
    '\\b(?:ignora|dimentica)(?:\\s+(?:tutte|le|tue|qualsiasi))*\\s+(?:istruzioni|regole)(?:\\s+(?:precedenti|sopra))?',
  ),
  rule(
    'override_pt',
    0.9,
    '\\b(?:ignore|ignora|esqueca|esquece|desconsidere)(?:\\s+(?:todas|as|suas|tuas|quaisquer))*\\s+(?:instrucoes|regras|diretrizes)(?:\\s+(?:anteriores|acima|previas))?',
  ),
];
