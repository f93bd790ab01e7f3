// Lets Node run the TypeScript sources as they are (type stripping). The sources import their
// siblings as `./x.js` (what the bundle and tsc want); this hook makes Node load `./x.ts` instead.
// It acts on the thread that registers it: bench/run.ts and each worker of bench/verdicts.ts
// call it before the first source module loads.
import { existsSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { fileURLToPath } from 'node:url';

export function resolveTsSiblings(): void {
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
}
