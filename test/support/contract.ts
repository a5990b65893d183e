// Checks an answer against the OpenAPI document (openapi/openapi.json): its status is documented
// for the route, its content type is one the document gives for that status, its body validates
// against that schema (Ajv, JSON Schema 2020-12 as OpenAPI 3.1 uses), and documented required
// headers are there. Returns what does not match ([] when all does).
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const doc = JSON.parse(readFileSync(new URL('../../openapi/openapi.json', import.meta.url), 'utf8')) as { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown>; headers?: Record<string, { required?: boolean }> }> }>> };
const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
addFormats.default(ajv);
ajv.addSchema(doc, 'openapi');

const pointer = (...parts: string[]) => parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

export interface Answer {
  status: number;
  headers: Headers | Record<string, string | string[] | undefined>;
  body: string;
}

export function contractProblems(method: string, route: string, answer: Answer): string[] {
  const header = (name: string) => (answer.headers instanceof Headers ? answer.headers.get(name) ?? undefined : answer.headers[name.toLowerCase()]);
  const op = doc.paths[route]?.[method.toLowerCase()];
  if (op === undefined) return [`${method} ${route} is not in the document`];
  const documented = op.responses[String(answer.status)];
  if (documented === undefined) return [`${method} ${route}: status ${answer.status} is not documented (${Object.keys(op.responses).join(', ')})`];
  const problems: string[] = [];
  for (const [name, h] of Object.entries(documented.headers ?? {})) if (h.required === true && header(name) === undefined) problems.push(`header ${name} missing`);
  if (documented.content === undefined) return problems;
  const type = String(header('content-type') ?? '').split(';')[0]?.trim() ?? '';
  if (!(type in documented.content)) return [...problems, `${answer.status}: content type ${type} is not documented (${Object.keys(documented.content).join(', ')})`];
  const ref = `openapi#/${pointer('paths', route, method.toLowerCase(), 'responses', String(answer.status), 'content', type, 'schema')}`;
  const validate = ajv.getSchema(ref) ?? ajv.compile({ $ref: ref });
  const body: unknown = type.includes('json') ? JSON.parse(answer.body) : answer.body;
  if (!validate(body)) problems.push(`${answer.status} body: ${ajv.errorsText(validate.errors)}`);
  return problems;
}
