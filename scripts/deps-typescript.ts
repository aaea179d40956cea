// Loaded with `node --import` before dependency-cruiser (see scripts/deps.ts): the project compiles
// with TypeScript 7, whose native compiler offers dependency-cruiser no parser API until 7.1, so
// dependency-cruiser alone is pointed at TypeScript 6's (the `typescript6` devDependency), which
// it uses only to read imports, type-only ones included.
import { registerHooks } from 'node:module';

registerHooks({
  resolve(specifier, context, nextResolve) {
    const fromCruiser = context.parentURL?.includes('/node_modules/dependency-cruiser/') ?? false;
    if (fromCruiser && (specifier === 'typescript' || specifier.startsWith('typescript/')))
      return nextResolve(`typescript6${specifier.slice('typescript'.length)}`, context);
    return nextResolve(specifier, context);
  },
});
