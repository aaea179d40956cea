// Notifications go to a webhook as Slack-compatible JSON (`text`), with the event's fields beside it
// for other receivers. Sending never delays or fails a request.
import { type BudgetEvent, usd } from './admission.ts';

/** Posts JSON to a webhook. Never throws and never delays the caller: failures are logged. */
export function postWebhook(url: string, body: unknown, log: (line: string) => void): Promise<void> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(5_000),
  }).then(
    async (res) => {
      await res.body?.cancel();
      if (!res.ok) log(`webhook ${new URL(url).host} answered ${res.status}`);
    },
    (err: unknown) => log(`webhook ${new URL(url).host} failed: ${(err as Error).message}`),
  );
}

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
