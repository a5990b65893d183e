// test/support/fetch-globals.d.ts — the fetch type the generated client (clients/typescript) names
// as a global; the project compiles without the DOM library, and Node's types keep it in undici.
import type { BodyInit as UndiciBodyInit } from 'undici-types';

declare global {
  type BodyInit = UndiciBodyInit;
}
