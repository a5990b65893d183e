// The environment a CLI command builds its Elasticsearch connection from: the gateway's own ES_*
// settings (credentials, TLS, timeouts) with the command's --es URL in place of ES_URL/ES_CLOUD_ID.
export function esEnvironment(url: string, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const settings = Object.entries(env).filter(([k, v]) => k.startsWith('ES_') && k !== 'ES_URL' && k !== 'ES_CLOUD_ID' && v !== undefined);
  return { ...Object.fromEntries(settings) as Record<string, string>, ES_URL: url };
}
