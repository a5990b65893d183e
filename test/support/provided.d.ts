// test/support/provided.d.ts — types for values that global-setup.ts hands to tests
// via `project.provide()`; read them with `inject('esUrl')` from 'vitest'.
declare module 'vitest' {
  export interface ProvidedContext {
    /** Base URL of the Elasticsearch under test, without a trailing slash. */
    esUrl: string;
    /** Elasticsearch version under test (nodes a test starts itself use it too). */
    esVersion: string;
  }
}

// mark this file as a module so the declaration above augments 'vitest' instead of replacing it
export {};
