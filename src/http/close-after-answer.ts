// Answering a request before its body was read (too large, too slow, no room), then closing the
// connection. Closing a socket that still holds unread bytes sends a TCP reset, and a client that
// is still sending can lose the answer with it (its kernel drops what it had not read yet). So
// the socket is half-closed once the answer is written (FIN: the client sees the answer and the
// end), and only destroyed a little later, when the client has had time to read.
import type { Socket } from 'node:net';
import type { FastifyReply } from 'fastify';

/** How long a closing connection still reads (and drops) what the client sends. */
const LINGER_MS = 2000;

export function closeAfterAnswer(reply: FastifyReply): FastifyReply {
  reply.header('connection', 'close');
  // Node ends a `Connection: close` response's socket with destroySoon(): end, then destroy.
  const socket = reply.raw.socket as (Socket & { destroySoon?: () => void }) | null;
  if (socket !== null && typeof socket.destroySoon === 'function') {
    socket.destroySoon = () => {
      socket.end();
      setTimeout(() => socket.destroy(), LINGER_MS).unref();
    };
  }
  return reply;
}
