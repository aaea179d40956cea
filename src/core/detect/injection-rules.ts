// Phrases that attack the model's instructions, matched on folded text (lower case, accents
// dropped). Each carries a weight: strong rules are near-certain on their own ("ignore all previous
// instructions"); weak ones (a role line, "developer mode", a chat-template token) only tip the
// score when the classifier agrees. Benign look-alikes are the test of every rule: "ignore
// whitespace in git diff", "ignore case in grep", "forget the previous commit", "enable developer
// mode on Android" name no instructions, or are weak alone.

export interface InjectionRule {
  name: string;
  /** Substrings one of which any match contains: a rule whose triggers are absent is not run. */
  triggers: readonly string[];
  weight: number;
  pattern: RegExp;
}

const rule = (name: string, triggers: string[], weight: number, source: string): InjectionRule => ({
  name,
  triggers,
  weight,
  pattern: new RegExp(source, 'g'),
});

const overrideVerbsEn = '(?:ignore|disregard|forget|skip|override|bypass|abandon|discard|drop|neglect)';
// What an attacker tells the model to drop.
const instructionsEn =
  '(?:instructions?|prompts?|rules|directions|guidelines|guardrails|restrictions|directives?|programming|system prompt|constraints|polic(?:y|ies)|safety (?:rules|guidelines|filters|policy)|content policy)';
const earlierEn =
  '(?:previous|prior|above|earlier|preceding|former|initial|original|old|existing|current|your|their|its|all|any|the system|system)';
const overrideTriggers = [
  'ignor',
  'disregard',
  'forget',
  'skip',
  'overrid',
  'bypass',
  'abandon',
  'discard',
  'drop',
  'neglect',
];

export const injectionRules: readonly InjectionRule[] = [
  // --- English ---------------------------------------------------------------------------------
  rule(
    'override_en',
    overrideTriggers,
    0.95,
    `\\b${overrideVerbsEn}\\s+(?:(?:all|any|every|of|each|the|my|these|those|everything|anything)\\s+){0,3}(?:${earlierEn}\\s+){1,3}(?:\\w+\\s+)?${instructionsEn}`,
  ),
  rule(
    'override_after_en',
    overrideTriggers,
    0.9,
    `\\b${overrideVerbsEn}\\s+(?:all\\s+)?(?:the|your|my|these|those|of the)\\s+${instructionsEn}\\s+(?:above|before|so far|given|you (?:were|have been) given|you received|from (?:before|earlier))`,
  ),
  rule(
    'override_everything_en',
    ['ignor', 'disregard', 'forget'],
    0.85,
    '\\b(?:ignore|disregard|forget) (?:everything|all) (?:above|before|you (?:were|have been) told|said before)',
  ),
  rule(
    'new_instructions_en',
    ['instructions', 'system prompt', 'directive', 'from now on', 'your new', 'no longer'],
    0.6,
    '\\b(?:new|updated|real|actual|true) (?:instructions|system prompt|directive)s?\\s*:|\\bfrom now on,? (?:you (?:are|will|must|shall)|ignore|respond|answer|act)|\\byour (?:new|real|true) (?:task|role|goal|purpose|job|instructions?) (?:is|are)\\b|\\byou are no longer (?:an? )?(?:assistant|ai|chatbot|claude|chatgpt|gpt|bound)',
  ),
  rule(
    'jailbreak_persona',
    ['do anything now', 'mode', 'dan', 'stan', 'dude', 'aim'],
    0.9,
    "\\b(?:do anything now|dan mode|jailbreak(?:ed)? mode|god mode|unfiltered mode|evil confidant)\\b|\\b(?:you are|you're|act as|answer as|respond as|reply as|pretend to be|roleplay as|eres|du bist|tu es|sei)(?: now| jetzt| ahora| maintenant| ora)? (?:dan|stan|dude|aim)\\b",
  ),
  rule(
    'developer_mode',
    ['developer mode', 'modo desarrollador', 'mode developpeur', 'entwicklermodus'],
    0.35,
    '\\b(?:developer mode|modo desarrollador|mode developpeur|entwicklermodus)\\b',
  ),
  rule(
    'no_restrictions',
    [
      'restrictions',
      'filters',
      'censorship',
      'limitations',
      'guidelines',
      'rules',
      'boundaries',
      'unfiltered',
      'uncensored',
      'unrestricted',
      'unaligned',
      'amoral',
      'evil',
    ],
    0.7,
    '\\b(?:without|no|free (?:of|from)|ignoring|with no) (?:any |all )?(?:ethical |moral |content |safety )?(?:restrictions|filters|censorship|limitations|guidelines|rules|boundaries)\\b(?! (?:on|of|for|in|to|about)\\b).{0,80}\\b(?:answer|respond|reply|tell|say|do|act|write|explain|stay in character)|\\b(?:answer|respond|reply|write|roleplay|act|tell)\\b.{0,120}\\b(?:without|with no) (?:any )?(?:ethical |moral |content |safety )?(?:restrictions|filters|censorship|limits)\\b|\\b(?:act|behave|respond|pretend|roleplay)(?: as| like| to be)? (?:an? )?(?:unfiltered|uncensored|unrestricted|unaligned|amoral|evil)\\b',
  ),
  rule(
    'pretend_no_rules',
    ['pretend'],
    0.75,
    "\\bpretend (?:that )?(?:you are|you're|to be) .{0,60}\\b(?:no|without|free of|not bound by) (?:any )?(?:rules|restrictions|guidelines|filters|limits|policies)",
  ),
  rule(
    'disable_safety',
    ['disable', 'turn off', 'remove', 'deactivate', 'disabled', 'override'],
    0.7,
    '\\b(?:disable|turn off|remove|deactivate|bypass)(?: your| the| all)?(?: temporarily)? (?:content |safety )?(?:filters|guardrails|safety|restrictions|content policy|moderation)\\b|\\b(?:safety|content) (?:filters?|guardrails|policy|restrictions) (?:are |is )?(?:now )?(?:disabled|off|removed|deactivated)\\b|\\badmin override\\b|\\bsystem override\\b',
  ),
  rule(
    'exfiltrate_prompt_en',
    ['prompt', 'system message', 'instructions', 'developer'],
    0.9,
    '\\b(?:reveal|show|print|repeat|output|display|leak|dump|give|tell|share|write out|spell out|recite|what (?:is|are|was|were))(?: me| us)? (?:all |back )?(?:your|the)(?: full| complete| exact| entire| hidden| secret| original| initial| whole| verbatim)* (?:system prompt|system message|initial prompt|hidden prompt|pre-?prompt|(?:hidden |secret |original |initial )?instructions (?:you were given|above|you received)|developer (?:message|instructions)|confidential instructions)',
  ),
  rule(
    'exfiltrate_above_en',
    ['above', 'before this', 'from the ', 'you are'],
    0.8,
    '\\b(?:repeat|print|output|reproduce) (?:everything|all|the (?:text|words|content|lines)) (?:above|before this|from the (?:start|beginning))|\\bstarting with ["\']?you are\\b',
  ),
  rule(
    'role_tag',
    ['<', '['],
    0.85,
    '<\\|(?:im_start|start_header_id)\\|>\\s*system|</?(?:system|sys)>|\\[/?(?:inst|sys)\\]|<<sys>>',
  ),
  rule('template_token', ['<|'], 0.35, '<\\|(?:im_start|im_end|endoftext|eot_id|start_header_id)\\|>'),
  rule(
    'instruction_header',
    ['##'],
    0.55,
    '(?:^|\\n)\\s*#{2,}\\s*(?:new |system |updated )?(?:instruction|instructions|system|system prompt|response)\\s*:?\\s*(?:\\n|$)',
  ),
  rule(
    'role_line',
    ['system', 'assistant'],
    0.55,
    '(?:^|\\n|<!--)\\s*(?:system|assistant)\\s*:\\s*(?:you|ignore|new|from now|disregard|forget)',
  ),
  rule(
    'encoded_payload',
    ['base64', 'rot13', 'hex', 'binary', 'encoded'],
    0.7,
    '\\b(?:decode|decrypt|deobfuscate|translate) (?:this|the following|the) (?:base64|rot13|hex|binary|encoded)(?: string| text| message)?,? (?:and|then) (?:follow|execute|run|do|obey|carry out)',
  ),
  rule(
    'tool_hijack',
    ['ai', 'assistant', 'agent', 'model', 'llm'],
    0.6,
    '\\b(?:ai|assistant|agent|model|llm)s?(?: reading this)?[,:]? (?:(?:you )?(?:must|should|need to|please|now) )?(?:ignore|forward|send|exfiltrate|email|delete|transfer|leak)\\b',
  ),
  rule(
    'exfiltrate_first_message',
    ['message', 'told', 'configured'],
    0.7,
    '\\b(?:what were you told|(?:the )?(?:very first|first|initial|opening) (?:message|instructions?)|text you were configured with|configured with at the start)\\b.{0,100}\\b(?:quote|verbatim|exactly|word for word|print|copy)',
  ),
  rule(
    'note_to_ai',
    ['note', 'reads this', 'reading this'],
    0.65,
    '\\bnote (?:to|for) (?:the |any |all )?(?:ai|llm|assistant|agent|model|language model)s?\\b|\\b(?:when|if) (?:an? |the )?(?:ai|assistant|agent|llm|model)s? (?:reads|is reading|reading) this\\b',
  ),
  rule(
    'liberated',
    ['liber', 'befreit', 'escaped', 'no longer follow', 'ya no', 'nicht mehr', 'non seguire', 'ne suis plus'],
    0.75,
    "\\b(?:you are|you're|eres|tu es|du bist|sei) (?:now |ahora |maintenant |jetzt |ora )?(?:an? |un |une |una |ein |eine )?(?:\\w+ )?(?:liberated|freed|liberado|liberada|libere|liberee|befreit(?:er|e)?|liberato)\\b|\\bya no (?:sigues|tienes|estas sujet[oa]) |\\b(?:deine )?(?:richtlinien|regeln) gelten (?:ab sofort )?nicht mehr|\\bnon seguire (?:piu )?(?:le tue )?regole|\\bne suis plus (?:tes|vos) (?:regles|consignes)|\\bno longer follow (?:your|any) (?:rules|guidelines|policies)",
  ),
  rule(
    'forged_authority',
    ['from the', 'from admin', 'from the admin', 'may now', 'can now', 'must now'],
    0.7,
    '\\bnew (?:task|policy|instructions?|rules?|directive|orders?)s? from (?:the )?(?:admin|administrator|operator|developer|system|owner|security team|openai|anthropic)\\b|\\b(?:assistants?|ai|agents?|models?) (?:may|can|must|should) now\\b',
  ),
  rule(
    'override_user',
    ['ignor', 'disregard', 'forget', 'skip'],
    0.85,
    "\\b(?:ignore|disregard|forget) (?:the |this )?user'?s? (?:request|question|instructions?|message|prompt)\\b|\\bskip (?:all |the )?(?:checks|verification|validation|safety checks|approval)\\b",
  ),
  rule(
    'embedded_address',
    ['[ai', '[assistant', '[system', 'assistant,', 'ai,', 'agent,'],
    0.65,
    '\\[(?:ai|assistant|system|llm)\\s*:|\\b(?:assistant|ai|agent|model)s?, when you (?:summari[sz]e|read|process|see|parse) this\\b',
  ),
  rule('stay_in_character', ['in character'], 0.3, '\\bstay in character\\b'),
  // --- Spanish ---------------------------------------------------------------------------------
  rule(
    'override_es',
    ['ignor', 'olvid', 'omite', 'descarta', 'desobedece'],
    0.95,
    '\\b(?:ignora|ignore|ignorar|olvida|olvide|olvidar|omite|descarta|desobedece)\\s+(?:(?:todas|todo|las|tus|sus|los|cualquier|lo)\\s+)*(?:instrucciones|indicaciones|reglas|directrices|ordenes|normas|restricciones)(?:\\s+(?:anteriores|previas|de arriba|del sistema|iniciales|originales))?',
  ),
  rule(
    'exfiltrate_es',
    ['prompt', 'mensaje del sistema', 'instrucciones'],
    0.9,
    '\\b(?:revela|muestra|muestrame|dime|repite|imprime|ensena|ensename)(?: me)? (?:tu|el|tus|las)(?: completo| original| oculto)? (?:prompt(?: del sistema)?|mensaje del sistema|instrucciones (?:ocultas|originales|iniciales|del sistema))',
  ),
  rule(
    'jailbreak_es',
    ['sin ', 'actua como', 'a partir de ahora'],
    0.7,
    '\\bsin (?:ninguna )?(?:restriccion|restricciones|filtros|censura|limites)\\b|\\bactua como (?:una? )?(?:ia|asistente|modelo) (?:sin|libre)|\\ba partir de ahora (?:eres|seras|responderas|ignoraras)',
  ),
  // --- French ----------------------------------------------------------------------------------
  rule(
    'override_fr',
    ['ignor', 'oubli', 'neglige', 'ne tiens pas', 'ne tenez pas'],
    0.95,
    "\\b(?:ignore[rz]?|oublie[rz]?|neglige[rz]?|ne tiens pas compte|ne tenez pas compte)(?:\\s+(?:de|des|d'))?\\s+(?:(?:toutes|tout|les|tes|vos|toute)\\s+)*(?:instructions|consignes|regles|directives|indications|restrictions)",
  ),
  rule(
    'exfiltrate_fr',
    ['prompt', 'message systeme', 'instructions'],
    0.9,
    '\\b(?:revele[rz]?|montre[rz]?|affiche[rz]?|repete[rz]?|donne[rz]?|dis)(?:-moi| moi)? (?:ton|votre|le|tes|vos|les)(?: prompt| message)?(?: complet| original| cache| initial)? (?:prompt systeme|prompt du systeme|prompt initial|message systeme|systeme original|instructions (?:cachees|initiales|originales|systeme))',
  ),
  rule(
    'jailbreak_fr',
    ['sans ', 'agis comme', 'desormais'],
    0.7,
    '\\bsans (?:aucune )?(?:restriction|restrictions|filtre|filtres|censure|limites)\\b|\\bagis comme (?:une? )?(?:ia|assistant) sans|\\bdesormais,? tu (?:es|obeis|reponds)',
  ),
  // --- German ----------------------------------------------------------------------------------
  rule(
    'override_de',
    ['ignorier', 'vergiss', 'vergessen', 'missachte', 'uberschreibe'],
    0.95,
    '\\b(?:ignoriere|ignorier|ignorieren sie|vergiss|vergessen sie|missachte|missachten sie|uberschreibe)\\s+(?:(?:alle|deine|ihre|die|samtliche|jegliche)\\s+){0,2}(?:(?:vorherigen|bisherigen|obigen|vorigen|fruheren|ursprunglichen)\\s+)?(?:anweisungen|instruktionen|regeln|befehle|vorgaben|richtlinien|einschrankungen)',
  ),
  rule(
    'exfiltrate_de',
    ['prompt', 'systemnachricht', 'anweisungen'],
    0.9,
    '\\b(?:zeige?|gib|verrate|wiederhole|nenne)(?: mir| uns)? (?:deinen|deine|den|die|ihren|ihre)(?: vollstandigen| originalen| geheimen| versteckten)? (?:system-?prompt|systemnachricht|anfangsanweisungen|versteckten anweisungen|ursprunglichen anweisungen|anweisungen des entwicklers)',
  ),
  rule(
    'jailbreak_de',
    ['ohne '],
    0.7,
    '\\bohne (?:jegliche |alle |irgendwelche )?(?:einschrankungen|filter|zensur|regeln|grenzen)\\b',
  ),
  // --- Italian and Portuguese: the override phrase only -----------------------------------------
  rule(
    'override_it',
    ['ignora', 'dimentica'],
    0.9,
    '\\b(?:ignora|dimentica)(?:\\s+(?:tutte|le|tue|qualsiasi))*\\s+(?:istruzioni|regole)(?:\\s+(?:precedenti|sopra))?',
  ),
  rule(
    'override_pt',
    ['ignor', 'esquec', 'desconsidere'],
    0.9,
    '\\b(?:ignore|ignora|esqueca|esquece|desconsidere)(?:\\s+(?:todas|as|suas|tuas|quaisquer))*\\s+(?:instrucoes|regras|diretrizes)(?:\\s+(?:anteriores|acima|previas))?',
  ),
];

/** A phrase quoted whole ("…blocks "ignore previous instructions" attacks") is being talked about. */
export function isQuoted(text: string, start: number, end: number): boolean {
  return /["'“«‘`]/.test(text[start - 1] ?? '') && /["'”»’`]/.test(text[end] ?? '');
}
