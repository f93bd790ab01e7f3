// `npm run fakes [-- <env file>]`: serves the demo's fake Retab and fake GitHub on the ports
// the env file names (default .env.example) until Ctrl-C, for running the action from source
// with @github/local-action (README, "Run it from source"). No key, no network.
import { readFile } from 'node:fs/promises';
import { parseEnv } from 'node:util';
import { startLocalFakes } from '../test/fakes/local-action.ts';

const file = process.argv[2] ?? '.env.example';
const fakes = await startLocalFakes(
  parseEnv(await readFile(file, 'utf8')) as Record<string, string>,
).catch((error: unknown) => {
  const taken = (error as { code?: string }).code === 'EADDRINUSE';
  console.log(
    taken
      ? `${String(error)}: copy ${file} to .env, change the ports of its URLs, and pass it: npm run fakes -- .env`
      : String(error),
  );
  process.exit(1);
});

console.log(`Fake Retab:  ${fakes.retab.url}`);
console.log(`Fake GitHub: ${fakes.github.url}`);
console.log(`\nThe variables to use (they are those of ${file}):\n`);
for (const [name, value] of Object.entries(fakes.env)) console.log(`${name}=${value}`);
console.log(`\nIn another terminal: npx @github/local-action run . src/main.ts ${file}`);
console.log('Ctrl-C stops the fakes.\n');

// Each comment the action writes, as it lands: the fake GitHub has no page to look at.
let writes = 0;
const showComments = setInterval(() => {
  const count = fakes.github.requests.filter(
    (r) => (r.method === 'POST' || r.method === 'PATCH') && r.path.includes('/comments'),
  ).length;
  const comment = fakes.github.lastWrittenComment();
  if (count === writes || comment === undefined) return;
  writes = count;
  console.log(`── Comment written: ${comment.html_url}\n\n${comment.body}\n`);
}, 200);

const stop = () => {
  clearInterval(showComments);
  void fakes.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
