// RFC 9457 problem details: every error the gateway answers has this shape.
import type { FastifyReply, FastifyRequest } from 'fastify';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  requestId: string;
  [extension: string]: unknown;
}

export const PROBLEM_BASE = 'urn:es-gateway:problem:';

/**
 * A detail as a client may read it: credentials in URLs (`//user:pass@`) blanked and anything
 * from a stack trace's first frame on dropped — a last guard; details are written not to hold them.
 */
export function safeDetail(detail: string): string {
  const frame = detail.search(/\n\s+at /);
  return withoutUserinfo(frame < 0 ? detail : detail.slice(0, frame));
}

/** `text` with the credentials of any URL in it (`//user:pass@host`) blanked. */
export function withoutUserinfo(text: string): string {
  return text.replace(/\/\/[^/@\s]*:[^/@\s]*@/g, '//[redacted]@');
}

export function sendProblem(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  slug: string,
  title: string,
  detail: string,
  extensions: Record<string, unknown> = {},
): FastifyReply {
  const problem: Problem = { type: PROBLEM_BASE + slug, title, status, detail: safeDetail(detail), instance: request.url, requestId: String(request.id), ...extensions };
  // Serialised here so no response schema can drop a member.
  return reply.code(status).type('application/problem+json').send(JSON.stringify(problem));
}

/** JSON Schema of a problem body, for the OpenAPI document. */
export const problemSchema = {
  $id: 'Problem',
  type: 'object',
  required: ['type', 'title', 'status', 'detail', 'requestId'],
  properties: {
    type: { type: 'string', description: 'Stable URI of the problem type, e.g. urn:es-gateway:problem:invalid-events.' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    requestId: { type: 'string' },
    accepted: { type: 'integer' },
    rejected: { type: 'integer' },
    errors: { type: 'array', items: { $ref: 'EventError#' } },
    line: { type: 'integer' },
    element: { type: 'integer' },
  },
  additionalProperties: true,
} as const;
