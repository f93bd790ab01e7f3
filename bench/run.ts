// `npm run bench`: how fast experiment-gate gets to a verdict, measured, and how its verdicts
// hold up under consensus noise. Prints one table and writes bench/RESULTS.md. See bench/main.ts
// for what is measured and how.
//
// Node runs the TypeScript sources as they are (type stripping); bench/resolve-ts.ts lets it find
// the `./x.ts` behind the sources' `./x.js` imports. The hook must be registered before the first
// source module loads, hence the dynamic import below.
import { resolveTsSiblings } from './resolve-ts.ts';

resolveTsSiblings();

const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
