// Notifications go to a webhook as Slack-compatible JSON (`text`), with the event's fields beside it
// for other receivers. Sending never delays or fails a request.
import { type BudgetEvent, usd } from './admission.ts';
import { postWebhook } from '../telemetry/alerts.ts';

export function webhookNotifier(
  url: string | undefined,
  log: (line: string) => void,
): (event: BudgetEvent) => void {
  if (!url) return () => {};
  return (event) => {
    const text =
      `Gatehouse: the ${event.scope} "${event.name}" has used ${usd(event.spentUsd)} of its ` +
      `${usd(event.limitUsd)} ${event.period} budget (${Math.round(event.threshold * 100)}% threshold).`;
    void postWebhook(url, { text, event }, log);
  };
}
