// Serves the demo's fake Retab API until killed and prints its URL: for the self-test job in CI.
import { demoScenario } from '../test/fakes/scenarios.ts';
import { startFakeRetab } from '../test/fakes/retab.ts';

const fake = await startFakeRetab(demoScenario());
console.log(fake.url);
const stop = () => void fake.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
