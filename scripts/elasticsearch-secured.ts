// scripts/elasticsearch-secured.ts — a throwaway node with security on: TLS on HTTP with a CA
// and a node certificate made here with openssl, a file-realm superuser and a service account
// token, for the tests of the gateway's own Elasticsearch credentials. Node >= 24 runs it
// directly; node: built-ins only.
//
// The integ-test-zip cannot create its `.security` index (that needs analysis-common), so
// native users and API keys fail on it; the file realm (bin/elasticsearch-users) and service
// account tokens (bin/elasticsearch-service-tokens, sent as Bearer) work, and so does TLS on
// HTTP with PEM files. A single node on loopback may leave transport TLS off.
import { execFile } from 'node:child_process';
import fsp from 'node:fs/promises';
import https from 'node:https';
import path from 'node:path';
import { run } from './elasticsearch-distribution.ts';
import { startElasticsearch, type ElasticsearchNode, type PrepareContext } from './elasticsearch-node.ts';

export interface SecuredElasticsearch extends ElasticsearchNode {
  /** PEM file of the CA that signed the node's HTTP certificate. */
  caFile: string;
  /** SHA-256 fingerprint of that CA, as `AA:BB:…`. */
  caFingerprint: string;
  /** A file-realm superuser. */
  username: string;
  password: string;
  /** A service account token (elastic/fleet-server), sent as `Authorization: Bearer`. */
  serviceToken: string;
}

export interface SecuredOptions {
  version?: string;
  heapMb?: number;
}

const USERNAME = 'es-gateway';
const PASSWORD = 'gateway-test-password';

/** A CA and a node certificate for 127.0.0.1 / localhost, in `dir`. */
export async function makeCertificates(dir: string, subject = 'es-gateway test CA'): Promise<{ ca: string; key: string; cert: string; fingerprint: string }> {
  await fsp.mkdir(dir, { recursive: true });
  const f = (name: string) => path.join(dir, name);
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '3', '-subj', `/CN=${subject}`, '-keyout', f('ca.key'), '-out', f('ca.crt')]);
  await run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', f('node.key'), '-out', f('node.csr')]);
  await fsp.writeFile(f('node.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n');
  await run('openssl', ['x509', '-req', '-days', '3', '-in', f('node.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-extfile', f('node.ext'), '-out', f('node.crt')]);
  // The node sends its CA after its own certificate, as Elasticsearch's auto-configured TLS does:
  // a client that pins the CA's fingerprint finds it in the chain.
  await fsp.writeFile(f('node-chain.crt'), (await fsp.readFile(f('node.crt'), 'utf8')) + (await fsp.readFile(f('ca.crt'), 'utf8')));
  const { stdout } = await run('openssl', ['x509', '-in', f('ca.crt'), '-noout', '-fingerprint', '-sha256']);
  const fingerprint = stdout.trim().split('=')[1] ?? '';
  return { ca: f('ca.crt'), key: f('node.key'), cert: f('node-chain.crt'), fingerprint };
}

/** GET over HTTPS trusting `ca`, with basic auth; resolves with the status. */
function httpsStatus(url: string, ca: string, auth: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca, auth, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

export async function startSecuredElasticsearch(opts: SecuredOptions = {}): Promise<SecuredElasticsearch> {
  let certs: Awaited<ReturnType<typeof makeCertificates>> | undefined;
  let serviceToken = '';
  let caPem = '';
  const prepare = async ({ home, conf, env }: PrepareContext) => {
    certs = await makeCertificates(path.join(conf, 'certs'));
    caPem = await fsp.readFile(certs.ca, 'utf8');
    // The CLI tools read ES_PATH_CONF and ES_JAVA_HOME like the node; run as root, the files
    // they write are handed to the node's user with the rest of the folder.
    const tool = (name: string, args: string[]) => new Promise<string>((resolve, reject) => {
      execFile(path.join(home, 'bin', name), args, { env }, (err, stdout, stderr) => {
        if (err) reject(new Error(`${name} ${args.join(' ')}: ${err.message}\n${stdout}${stderr}`));
        else resolve(stdout);
      });
    });
    await tool('elasticsearch-users', ['useradd', USERNAME, '-p', PASSWORD, '-r', 'superuser']);
    const out = await tool('elasticsearch-service-tokens', ['create', 'elastic/fleet-server', 'es-gateway-test']);
    serviceToken = /SERVICE_TOKEN \S+ = (\S+)/.exec(out)?.[1] ?? '';
    if (serviceToken === '') throw new Error(`no service token in: ${out}`);
  };
  const auth = `${USERNAME}:${PASSWORD}`;
  const node = await startElasticsearch({
    ...opts,
    name: 'es-gateway-secured',
    scheme: 'https',
    prepare,
    probe: async (url) => (await httpsStatus(`${url}/_cluster/health?wait_for_status=yellow&timeout=1s`, caPem, auth)) === 200,
    settings: {
      'xpack.security.enabled': 'true',
      'xpack.security.http.ssl.enabled': 'true',
      'xpack.security.http.ssl.key': 'certs/node.key',
      'xpack.security.http.ssl.certificate': 'certs/node-chain.crt',
      'xpack.security.http.ssl.certificate_authorities': 'certs/ca.crt',
      'xpack.security.transport.ssl.enabled': 'false',
    },
  });
  if (certs === undefined) throw new Error('certificates were not made');
  return Object.assign(node, { caFile: certs.ca, caFingerprint: certs.fingerprint, username: USERNAME, password: PASSWORD, serviceToken });
}
