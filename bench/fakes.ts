// Slack and RunPod for the benchmarks, in a process of their own: the bot's follow-up work (answers
// to response_url, RunPod queries) then lands elsewhere, as in production, and not in the process
// that measures. Prints one JSON line with the URLs; runs until stdin closes.
import { RunPodSimulator } from '../src/runpod/simulator/simulator.js';
import { FakeSlack } from '../test/helpers/fake-slack.js';


const fake = await new FakeSlack().start();
const sim = await new RunPodSimulator({ apiKey: process.env['SIM_KEY'] ?? '', runtimeDelayMs: 10, v2RequestsPerMinute: 1_000_000 }).start();
sim.addPod({ name: 'monai-label', desiredStatus: 'RUNNING' });
process.stdout.write(`${JSON.stringify({ slackApiUrl: fake.apiUrl, runpodUrl: sim.v2Url, responseBase: fake.responseUrl().replace(/[^/]+$/, '') })}\n`);
process.stdin.resume().on('end', () => {
  void Promise.all([sim.close(), fake.close()]).then(() => process.exit(0));
});
