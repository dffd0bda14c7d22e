/** Permanent failures (a 4xx other than 408/429) are not retried, as Alertmanager does. */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
  }
}

/** POSTs a JSON body; shared by the HTTP channels (webhook, slack). */
export async function postJson(url: string, body: unknown, headers: Record<string, string>, signal: AbortSignal): Promise<void> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': 'GridProof-Alerts/1', ...headers },
    body: JSON.stringify(body),
    signal,
  });
  // Drain the body so the keep-alive socket is released.
  const text = await res.text().catch(() => '');
  if (!res.ok) {
    const permanent = res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429;
    throw new DeliveryError(`HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ''}`, permanent);
  }
}
