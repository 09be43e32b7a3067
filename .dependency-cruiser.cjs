// @ts-check
/**
 * The dependency rule of this repository (docs/architecture.md): src/ is the deployable
 * Functions app and depends only on its production dependencies and Node built-ins;
 * tools/ (local host, development broker, scripts, benchmarks) and test/ may import src/,
 * never the other way round; no module imports itself through a cycle.
 * Checked by test/unit/architecture/dependency-rules.test.ts (part of `npm test`) and by
 * `npm run deps`. Rule syntax: https://github.com/sverweij/dependency-cruiser/blob/main/doc/rules-reference.md
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: 'app-imports-no-tools',
      comment: 'The deployable app (src/) never imports development tools (tools/): they are left out of the package.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^tools/' },
    },
    {
      name: 'app-imports-no-tests',
      comment: 'The deployable app (src/) never imports test code (test/): it is left out of the package.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^test/' },
    },
    {
      name: 'app-imports-production-dependencies-only',
      comment: 'The package is installed with `npm ci --omit=dev`: src/ may import only package.json "dependencies" and Node built-ins.',
      severity: 'error',
      from: { path: '^src/' },
      // npm-no-pkg / npm-unknown: in node_modules but not (or not knowably) in package.json "dependencies"
      to: { dependencyTypes: ['npm-dev', 'npm-optional', 'npm-peer', 'npm-bundled', 'npm-no-pkg', 'npm-unknown'] },
    },
    {
      name: 'no-unresolvable',
      comment: 'Every import resolves (a typo or a missing dependency would otherwise pass this check silently).',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'no-circular',
      comment: 'No module reaches itself through its imports (type imports included).',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // type-only imports count: they are how folder-level cycles crept in (issue 14)
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
