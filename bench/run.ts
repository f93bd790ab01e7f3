// `npm run bench`: how fast experiment-gate gets to a verdict, measured. Prints one table and
// writes bench/RESULTS.md. See bench/main.ts for what is measured and how.
//
// Node runs the TypeScript sources as they are (type stripping). The sources import their
// siblings as `./x.js` (what the bundle and tsc want); this hook lets Node find `./x.ts` instead.
// It must be registered before the first source module loads, hence the dynamic import below.
import { existsSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { fileURLToPath } from 'node:url';

registerHooks({
  resolve(specifier, context, nextResolve) {
    const parent = context.parentURL;
    if (specifier.startsWith('.') && specifier.endsWith('.js') && parent?.startsWith('file:')) {
      const asJs = new URL(specifier, parent);
      const asTs = new URL(`${specifier.slice(0, -3)}.ts`, parent);
      if (!existsSync(fileURLToPath(asJs)) && existsSync(fileURLToPath(asTs))) {
        return nextResolve(asTs.href, context);
      }
    }
    return nextResolve(specifier, context);
  },
});

const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
