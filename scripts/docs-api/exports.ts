/**
 * The packages' public API as the TypeScript compiler sees it: every name exported from every entry in each
 * package.json `exports` map (read at run time, so a new subpath such as `@leasehold/core/statechart` is
 * covered as soon as it is declared), and the members a reader can name through them (class members, static
 * members, interface and options fields, parameters' fields), two levels deep.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

/** One package's entries: subpath (`.`, `./vitest`, ...) → TypeScript source file. */
export interface PackageEntries {
  readonly name: string;
  readonly entries: ReadonlyMap<string, string>;
}

/** What the docs may name. */
export interface ApiSurface {
  /** Exported name → the packages (with subpath) that export it, e.g. `LeaseLock` → `@leasehold/lease`. */
  readonly exports: ReadonlyMap<string, readonly string[]>;
  /** Every member name reachable from an export (fields, methods, options, statics). */
  readonly members: ReadonlySet<string>;
  /** Member names of one exported name (its instance and static side), for `Export.member` spans. */
  membersOf(exportName: string): ReadonlySet<string>;
}

type ExportsMap = Record<string, string | Record<string, string>>;

/**
 * Reads packages/\*\/package.json and returns the `source` file of every subpath export, and the TypeScript
 * templates a package ships in its `templates/` folder (listed in `files`).
 */
export function packageEntries(root: string): PackageEntries[] {
  const dir = join(root, 'packages');
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => {
      const pkgDir = join(dir, entry.name);
      let manifest: { name: string; exports?: ExportsMap; files?: string[] };
      try {
        manifest = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
      } catch {
        return [];
      }
      const entries = new Map<string, string>();
      for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
        // A subpath without a `source` condition (e.g. `./package.json`) is not TypeScript API.
        const source = typeof target === 'string' ? undefined : target.source;
        if (source?.endsWith('.ts')) entries.set(subpath, join(pkgDir, source));
      }
      // Templates a package ships for users to copy (testkit's `templates/`) are API they read too.
      if (manifest.files?.includes('templates')) {
        for (const file of readdirSync(join(pkgDir, 'templates')).filter((f) => f.endsWith('.ts'))) {
          entries.set(`./templates/${file}`, join(pkgDir, 'templates', file));
        }
      }
      return [{ name: manifest.name, entries }];
    });
}

/** Builds the API surface of the given packages with the compiler's type checker. */
export function apiSurface(packages: readonly PackageEntries[]): ApiSurface {
  const files = packages.flatMap((pkg) => [...pkg.entries.values()]);
  const program = ts.createProgram(files, {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    customConditions: ['source'],
    allowImportingTsExtensions: true,
    noEmit: true,
    strict: true,
    skipLibCheck: true,
    types: ['node'],
  });
  const checker = program.getTypeChecker();
  const exports = new Map<string, string[]>();
  const perExport = new Map<string, Set<string>>();
  const members = new Set<string>();

  const addProps = (type: ts.Type, into: Set<string>, depth: number, seen: Set<ts.Type>): void => {
    if (depth < 0 || seen.has(type)) return;
    seen.add(type);
    const parts = type.isUnionOrIntersection() ? type.types : [type];
    for (const part of parts) {
      // String literal types are names too: `LockErrorKind`'s `'Conflict'`, an `Effect`'s `type: 'readLock'`.
      if (part.isStringLiteral()) into.add(part.value);
      for (const prop of checker.getPropertiesOfType(part)) {
        into.add(prop.getName());
        const decl = prop.valueDeclaration ?? prop.declarations?.[0];
        if (decl) addProps(checker.getTypeOfSymbolAtLocation(prop, decl), into, depth - 1, seen);
      }
      for (const signature of [...part.getCallSignatures(), ...part.getConstructSignatures()]) {
        for (const param of signature.getParameters()) {
          into.add(param.getName());
          const decl = param.valueDeclaration ?? param.declarations?.[0];
          if (decl) addProps(checker.getTypeOfSymbolAtLocation(param, decl), into, depth - 1, seen);
        }
        addProps(signature.getReturnType(), into, depth - 1, seen);
      }
    }
  };

  for (const pkg of packages) {
    for (const [subpath, file] of pkg.entries) {
      const source = program.getSourceFile(file);
      const moduleSymbol = source && checker.getSymbolAtLocation(source);
      if (!moduleSymbol) throw new Error(`no module for ${pkg.name} ${subpath} (${file})`);
      const label = subpath === '.' ? pkg.name : `${pkg.name}/${subpath.replace(/^\.\//, '')}`;
      for (const exported of checker.getExportsOfModule(moduleSymbol)) {
        const name = exported.getName();
        exports.set(name, [...(exports.get(name) ?? []), label]);
        const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
        const own = perExport.get(name) ?? new Set<string>();
        const seen = new Set<ts.Type>();
        // The declared type is the instance side of a class or an interface/alias; the value type is the
        // constructor (statics, constructor options) or the function.
        addProps(checker.getDeclaredTypeOfSymbol(symbol), own, 2, seen);
        const decl = symbol.valueDeclaration;
        if (decl) addProps(checker.getTypeOfSymbolAtLocation(symbol, decl), own, 2, seen);
        // A generic value's type arguments name things too: `electionMachine`'s actions and guards (as
        // `{ type: 'backOff' }` members of its StateMachine<..., TAction, TGuard, ...> type), which
        // docs/statechart.md names in prose.
        if (decl) {
          const valueType = checker.getTypeOfSymbolAtLocation(symbol, decl);
          const isReference =
            valueType.flags & ts.TypeFlags.Object &&
            (valueType as ts.ObjectType).objectFlags & ts.ObjectFlags.Reference;
          const args = isReference ? checker.getTypeArguments(valueType as ts.TypeReference) : [];
          for (const arg of args) {
            addProps(arg, own, 1, seen);
          }
        }
        perExport.set(name, own);
        for (const member of own) members.add(member);
      }
    }
  }
  return {
    exports,
    members,
    membersOf: (name) => perExport.get(name) ?? new Set(),
  };
}
