// Versioned migrations, applied in name order at start. Never edit one that has shipped: add the next.
import type { Migration } from 'kysely';
import { governance } from './001-governance.ts';
import { requestEvents } from './002-request-events.ts';
import { dataPolicy } from './003-data-policy.ts';
import { responses } from './004-responses.ts';
import { keyDeletion } from './005-key-deletion.ts';
import { guardrails } from './006-guardrails.ts';
import { cache } from './007-cache.ts';
import { semanticCache } from './007b-semantic-cache.ts';
import { experiments } from './008-experiments.ts';
import { configVersions } from './009-config-versions.ts';
import { mcp } from './010-mcp.ts';
import { runs } from './011-runs.ts';
import { sessions } from './012-sessions.ts';
import { quality } from './013-quality.ts';
import { alerts } from './015-alerts.ts';
import { driftFindings } from './016-drift-findings.ts';
import { cacheGate } from './017-cache-gate.ts';
import { latencyHistograms } from './014-latency-histograms.ts';

export const migrations: Record<string, Migration> = {
  '001-governance': governance,
  '002-request-events': requestEvents,
  '003-data-policy': dataPolicy,
  '004-responses': responses,
  '005-key-deletion': keyDeletion,
  '009-config-versions': configVersions,
  '006-guardrails': guardrails,
  '013-quality': quality,
  '007-cache': cache,
  '007b-semantic-cache': semanticCache,
  '008-experiments': experiments,
  '010-mcp': mcp,
  '011-runs': runs,
  '012-sessions': sessions,
  '015-alerts': alerts,
  '016-drift-findings': driftFindings,
  '017-cache-gate': cacheGate,
  '014-latency-histograms': latencyHistograms,
};
