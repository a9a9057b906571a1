import type { GuardNotice, GuardNotifier, IdleWarningFacts, PostedRef, WarningOutcome } from '../costs/ports.js';
import type { Surface } from '../frontend/surface.js';
import type { Logger } from '../log.js';
import { noticeMessage } from '../messages/common.js';
import { guardNoticeText, idleWarning, outcomeLine, warningOutcome } from '../messages/costs.js';

/** The cost guard's words, rendered for a front end (Slack or the console). */
export function guardNotifier(surface: Surface, logger: Logger, zone: string): GuardNotifier {
  return {
    async idleWarning(channel: string, facts: IdleWarningFacts): Promise<PostedRef | null> {
      try {
        return await surface.post(channel, idleWarning(facts));
      } catch (error) {
        logger.warn('could not post the idle warning', { channel, error });
        return null;
      }
    },
    async warningOutcome(ref: PostedRef, podName: string, outcome: WarningOutcome): Promise<void> {
      const line = outcomeLine(podName, outcome, zone);
      try {
        const message = warningOutcome(podName, line);
        await surface.update(ref, message);
        // The same in the thread, so that people are notified.
        await surface.post(ref.channel, { text: line.replaceAll('*', ''), blocks: message.blocks.slice(-1) }, { threadTs: ref.ts });
      } catch (error) {
        logger.warn('could not update the idle warning', { channel: ref.channel, error });
      }
    },
    async notice(channel: string, notice: GuardNotice): Promise<void> {
      try {
        await surface.post(channel, noticeMessage(guardNoticeText(notice, zone)));
      } catch (error) {
        logger.warn('could not post a cost-guard notice', { channel, kind: notice.kind, error });
      }
    },
  };
}
