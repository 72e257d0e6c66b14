/**
 * The public API of the published packages, from their built declarations (dist/, so run after
 * `pnpm -r build`):
 * - an API report per entry point, `docs/api-reports/<package>[-<subpath>].api.md` (API Extractor): every
 *   exported name and signature, so that any change to the public surface shows up as a diff in review;
 *   committed, the review gate;
 * - the API reference, `docs/api/` (API Documenter, markdown, from the TSDoc comments of the main entries):
 *   generated on demand, not committed (`pnpm api:docs`; the release dry run generates it too).
 *
 *   node scripts/api.ts                # rewrite the reports
 *   node scripts/api.ts --check        # exit 1 if a report differs from what the code gives (the suite runs this)
 *   node scripts/api.ts --docs [DIR]   # check the reports' warnings and write the reference to DIR (docs/api)
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Extractor, ExtractorConfig, ExtractorLogLevel, type IConfigFile } from '@microsoft/api-extractor';

export const PACKAGES = [
  'core',
  'memory',
  'testkit',
  'lease',
  'configmap',
  'metrics',
  'nestjs',
  'cli',
] as const;
/** Entry points beyond each package's main one: reported too (the reference covers main entries only). */
const SUBPATHS = [
  { name: 'core', subpath: 'statechart' },
  { name: 'core', subpath: 'internal' },
  { name: 'testkit', subpath: 'vitest' },
] as const;
const root = join(import.meta.dirname, '..');
const reports = join(root, 'docs', 'api-reports');
const check = process.argv.includes('--check');
const docsAt = process.argv.indexOf('--docs');
const docs = docsAt >= 0;
const reference = docs ? resolve(process.argv[docsAt + 1] ?? join(root, 'docs', 'api')) : '';

const scratch = mkdtempSync(join(tmpdir(), 'leasehold-api-'));
const models = join(scratch, 'models');
mkdirSync(models);
const problems: string[] = [];

const entries = [
  ...PACKAGES.map((name) => ({ name, entry: 'index', report: name, model: true })),
  ...SUBPATHS.map(({ name, subpath }) => ({
    name,
    entry: subpath,
    report: `${name}-${subpath}`,
    model: false,
  })),
];
for (const { name, entry, report, model } of entries) {
  const projectFolder = join(root, 'packages', name);
  if (!existsSync(join(projectFolder, 'dist', `${entry}.d.ts`))) {
    console.error(`api: packages/${name}/dist/${entry}.d.ts is missing: run pnpm -r build first`);
    process.exit(2);
  }
  const configObject: IConfigFile = {
    projectFolder,
    mainEntryPointFilePath: `<projectFolder>/dist/${entry}.d.ts`,
    compiler: {
      overrideTsconfig: {
        compilerOptions: {
          target: 'ES2023',
          module: 'nodenext',
          moduleResolution: 'nodenext',
          lib: ['ES2023', 'DOM'],
          types: ['node'],
          strict: true,
          skipLibCheck: true,
        },
        include: ['dist/**/*.d.ts'],
      },
      skipLibCheck: true,
    },
    apiReport: {
      enabled: true,
      reportFileName: `${report}.api.md`,
      reportFolder: reports,
      reportTempFolder: join(scratch, 'reports'),
      // A subpath's signatures name the main entry's types: those are reported there, not again here.
      includeForgottenExports: model,
    },
    docModel: { enabled: model, apiJsonFilePath: join(models, '<unscopedPackageName>.api.json') },
    dtsRollup: { enabled: false },
    tsdocMetadata: { enabled: false },
    messages: {
      // Everything exported is public: the packages do not mark release stages.
      extractorMessageReporting: {
        default: { logLevel: ExtractorLogLevel.Warning, addToApiReportFile: true },
        'ae-missing-release-tag': { logLevel: ExtractorLogLevel.None },
        // A public signature naming a type its entry point does not export: users cannot name it.
        'ae-forgotten-export': { logLevel: ExtractorLogLevel.Warning, addToApiReportFile: false },
        // Every public name is documented: the reference is generated from these comments.
        'ae-undocumented': { logLevel: ExtractorLogLevel.Warning, addToApiReportFile: false },
      },
      tsdocMessageReporting: { default: { logLevel: ExtractorLogLevel.Warning, addToApiReportFile: false } },
      compilerMessageReporting: { default: { logLevel: ExtractorLogLevel.Warning } },
    },
  };
  const config = ExtractorConfig.prepare({
    configObject,
    configObjectFullPath: undefined,
    packageJsonFullPath: join(projectFolder, 'package.json'),
  });
  // Messages accepted below: API Extractor still counts them as warnings (failing a non-local build).
  let accepted = 0;
  const result = Extractor.invoke(config, {
    // --docs leaves the committed reports as they are (a difference is --check's to report).
    localBuild: !check && !docs,
    messageCallback: (message) => {
      const symbol = message.text.match(/^The symbol "(\w+?)(?:_\d+)?" needs to be exported/)?.[1];
      if (String(message.messageId).startsWith('console-')) {
        // API Extractor's own notes (a report created, copied, or not copied: said below with the diff).
      } else if (
        !model &&
        message.messageId === 'ae-forgotten-export' &&
        symbol &&
        mainExports(name).has(symbol)
      ) {
        // A subpath naming a type its package's main entry exports: users can name it from there.
        accepted += 1;
      } else if (
        message.logLevel === ExtractorLogLevel.Warning ||
        message.logLevel === ExtractorLogLevel.Error
      )
        problems.push(`${name}: ${message.messageId} ${message.text} (${message.sourceFilePath ?? ''})`);
      // Informational messages (a report written, a file created) are left out.
      message.handled = true;
    },
  });
  if (check && result.apiReportChanged) {
    problems.push(`${report}: the public API differs from docs/api-reports/${report}.api.md:`);
    problems.push(
      reportDiff(join(reports, `${report}.api.md`), join(scratch, 'reports', `${report}.api.md`)),
    );
  } else if (
    !result.succeeded &&
    (result.errorCount > 0 || result.warningCount > accepted) &&
    problems.every((p) => !p.startsWith(`${name}:`))
  )
    problems.push(
      `${name}: API Extractor failed (${result.errorCount} errors, ${result.warningCount} warnings)`,
    );
}

// The reference: generated on demand (--docs), never compared: the reports are the review gate.
if (docs) {
  const documenter = join(root, 'node_modules', '@microsoft', 'api-documenter', 'bin', 'api-documenter');
  rmSync(reference, { recursive: true, force: true });
  execFileSync(process.execPath, [documenter, 'markdown', '-i', models, '-o', reference], {
    stdio: 'ignore',
  });
}
rmSync(scratch, { recursive: true, force: true });

// Any warning fails every mode: a TSDoc mistake, an undocumented or unexported public name is a defect.
for (const problem of problems) console.error(`api: ${problem}`);
if (check) {
  if (problems.length > 0) {
    console.error('api: run `pnpm api:update` and commit docs/api-reports/ with the change');
    process.exit(1);
  }
  console.log(
    `api: the reports match the code (${entries.length} entry points of ${PACKAGES.length} packages)`,
  );
} else if (docs) {
  console.log(`api: wrote the reference to ${reference}`);
  if (problems.length > 0) process.exit(1);
} else {
  console.log(`api: wrote docs/api-reports/ (${entries.length} entry points of ${PACKAGES.length} packages)`);
  if (problems.length > 0) process.exit(1);
}

/** The names a package's main entry exports, from the report just made of it (main entries run first). */
function mainExports(name: string): Set<string> {
  const report = readFileSync(join(check ? join(scratch, 'reports') : reports, `${name}.api.md`), 'utf8');
  return new Set(
    [
      ...report.matchAll(
        /^export (?:declare )?(?:abstract )?(?:function|const|class|interface|type|enum|namespace|let) (\w+)/gm,
      ),
    ].map((m) => m[1] as string),
  );
}

/** The change to a report, as `diff -u` shows it (the committed one first). */
function reportDiff(committed: string, current: string): string {
  try {
    execFileSync('diff', ['-u', committed, current], { encoding: 'utf8' });
    return '(no difference)';
  } catch (err) {
    const out = (err as { stdout?: string }).stdout ?? String(err);
    return out.split('\n').slice(0, 200).join('\n');
  }
}
