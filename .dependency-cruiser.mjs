// The floors of src/ (DESIGN.md, README "Development"), checked by `npm run lint`:
//   http/ (routes) → ingest/, search/ → pipeline/ → sink/, spool/ → model/, config/, telemetry/
// with app.ts, main.ts and cli/ above everything as the composition roots; governance/ (data
// stream lifecycle, mapping changes and their audit, the field watch) is used by those roots
// only, and uses the sink and the floors below it. Each rule's comment
// is the message a reaching-up import fails with.
const STAGES = '(model|config|telemetry|ingest|search|pipeline|sink|spool|auth|governance)';

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'Imports in src/ form a cycle: one of these modules belongs on a lower floor (the shared model, or the stage that owns it).',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'stages-below-http',
      severity: 'error',
      comment: `A stage imports a route, app.ts, main.ts or the CLI: routes and the composition roots sit above every stage; pass what the stage needs down instead.`,
      from: { path: `^src/${STAGES}/` },
      to: { path: '^src/(http/|cli/|app\\.ts$|main\\.ts$|openapi-document\\.ts$)' },
    },
    {
      name: 'http-below-app',
      severity: 'error',
      comment: 'A route module imports app.ts, main.ts or the CLI: app.ts composes the routes, not the other way round.',
      from: { path: '^src/http/' },
      to: { path: '^src/(cli/|app\\.ts$|main\\.ts$|openapi-document\\.ts$)' },
    },
    {
      name: 'ingest-above-write-path',
      severity: 'error',
      comment: 'ingest/ (decoding, framing, validation, routing, envelope) imports the pipeline, the sink or the spool: it hands framed events up to the route, which gives them to the pipeline; shared data belongs in model/.',
      from: { path: '^src/ingest/' },
      to: { path: '^src/(pipeline|sink|spool|search)/' },
    },
    {
      name: 'search-off-write-path',
      severity: 'error',
      comment: 'search/ imports the write path (pipeline/, spool/, ingest/): search reads through the sink\'s client and the shared model only.',
      from: { path: '^src/search/' },
      to: { path: '^src/(pipeline|spool|ingest)/' },
    },
    {
      name: 'pipeline-below-ingest',
      severity: 'error',
      comment: 'pipeline/ imports ingest/ or search/: the pipeline takes event blocks (model/) and hands them to the sink and the spool; it never reaches back up.',
      from: { path: '^src/pipeline/' },
      to: { path: '^src/(ingest|search)/' },
    },
    {
      name: 'sink-at-the-bottom',
      severity: 'error',
      comment: 'sink/ imports pipeline/, ingest/, search/ or spool/: the sink talks to Elasticsearch and knows only the shared model (model/), config/ and telemetry/.',
      from: { path: '^src/sink/' },
      to: { path: '^src/(pipeline|ingest|search|spool)/' },
    },
    {
      name: 'spool-is-storage',
      severity: 'error',
      comment: 'spool/ imports pipeline/, sink/, ingest/ or search/: the spool is storage; the pipeline writes and reads it through its port (spool/spool-port.ts).',
      from: { path: '^src/spool/' },
      to: { path: '^src/(pipeline|sink|ingest|search)/' },
    },
    {
      name: 'model-imports-no-stage',
      severity: 'error',
      comment: 'model/ (the data every stage hands on) imports a stage, config/ or telemetry/: it is the ground floor and imports nothing of src/ but itself.',
      from: { path: '^src/model/' },
      to: { path: '^src/', pathNot: '^src/model/' },
    },
    {
      name: 'config-imports-no-stage',
      severity: 'error',
      comment: 'config/ imports a stage or telemetry/: configuration is read by every stage and may use only the shared model.',
      from: { path: '^src/config/' },
      to: { path: '^src/', pathNot: '^src/(config|model)/' },
    },
    {
      name: 'telemetry-imports-no-stage',
      severity: 'error',
      comment: 'telemetry/ imports a stage: metrics and tracing are used by every stage and may use only config/ and the shared model.',
      from: { path: '^src/telemetry/' },
      to: { path: '^src/', pathNot: '^src/(telemetry|config|model)/' },
    },
    {
      name: 'auth-for-routes-only',
      severity: 'error',
      comment: 'auth/ is imported by something other than the routes (http/) or the composition roots: identity and permissions are checked at the edge, before a stage sees the request.',
      from: { path: '^src/', pathNot: '^src/(http|auth|cli)/|^src/(app|main)\\.ts$' },
      to: { path: '^src/auth/' },
    },
    {
      name: 'governance-beside-the-write-path',
      severity: 'error',
      comment: 'governance/ imports the pipeline, ingest, search, spool, auth or routes: it manages the cluster\'s templates, lifecycles and mappings through the sink\'s client, with config/, model/ and telemetry/; app.ts and the CLI compose it with the rest.',
      from: { path: '^src/governance/' },
      to: { path: '^src/(pipeline|ingest|search|spool|auth|http)/' },
    },
    {
      name: 'governance-for-the-roots-only',
      severity: 'error',
      comment: 'A stage or route imports governance/: only app.ts, main.ts and the CLI compose it (it sits beside the write path, above the sink).',
      from: { path: '^src/', pathNot: '^src/(governance|cli)/|^src/(app|main)\\.ts$' },
      to: { path: '^src/governance/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import does not resolve to a file or a package.',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], extensions: ['.ts', '.js', '.mjs', '.json'] },
  },
};
