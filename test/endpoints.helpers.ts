/** A caller of `/endpoints/{path}`, as an integration would call it. */
export interface IngressAnswer {
  status: number;
  body: { callId?: string; error?: { code: string; reason?: string } };
  headers: Headers;
}

export async function callEndpoint(
  baseUrl: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<IngressAnswer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers['x-tessera-token'] = options.token;
  let body: string | undefined;
  if (options.rawBody !== undefined) body = options.rawBody;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${baseUrl}/endpoints/${path}`, { method, headers, body });
  return { status: response.status, body: (await response.json()) as IngressAnswer['body'], headers: response.headers };
}

/** A path no other test uses. */
export function uniquePath(stem: string): string {
  return `${stem}/${Math.random().toString(36).slice(2, 10)}`;
}
