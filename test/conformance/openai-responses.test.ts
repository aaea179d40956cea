// OpenAI Responses API conformance (`openai` provider with `api: responses`): the shared cases
// (cases.ts) against the protocol-faithful mock upstream and the recorded answers, streams and
// errors (subjects/openai-responses.ts). Everything this API does is covered by the shared cases.
import { runConformance } from './cases.ts';
import { openaiResponsesSubject } from './subjects/openai-responses.ts';

runConformance(openaiResponsesSubject);
