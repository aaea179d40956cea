// Guardrails: content checks that block, redact or flag requests, answers, streams and tool calls
// (docs/guardrails.md). The detectors themselves live in core/detect.
export type { Check } from './checks.ts';
export { guardRequest, guardrailInputStage } from './input.ts';
export { guardResult, guardrailOutputStage } from './output.ts';
export { GuardrailPolicy } from './policy.ts';
export { type ToolCheck, type ToolCheckResult, type ToolContentCheck, toolContentChecker } from './tools.ts';
export { guardrailsHeader, Verdicts } from './verdicts.ts';
export { guardrailToolHook } from './tool-hook.ts';
