/** Asks a JSON-RPC node its chain id once, with a deadline (ethers would retry an unreachable node forever). */
export async function fetchChainId(url: string, timeoutMs: number): Promise<number> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = (await res.json()) as { result?: string; error?: { message: string } };
  if (!body.result) throw new Error(`eth_chainId failed: ${body.error?.message ?? res.status}`);
  return Number(BigInt(body.result));
}
