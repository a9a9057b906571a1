// The baseline for the ack benchmark: a Bolt app that only acknowledges /monai, with the same
// HTTP receiver and signing as the bot. Prints its URL once listening.
import { App, HTTPReceiver } from '@slack/bolt';

const app = new App({
  token: process.env.SLACK_BOT_TOKEN,
  receiver: new HTTPReceiver({ signingSecret: process.env.SLACK_SIGNING_SECRET, endpoints: '/slack/events' }),
  clientOptions: { slackApiUrl: process.env.SLACK_API_URL },
  deferInitialization: true,
});
app.command('/monai', async ({ ack }) => {
  await ack();
});
await app.init();
const server = await app.start(Number(process.env.PORT));
console.log(`listening on ${server.address().port}`);
