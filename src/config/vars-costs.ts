import { z } from 'zod';
import { CronTime } from 'cron';
import { DateTime } from 'luxon';
import { int, num, spec, text } from './spec.js';

const timeOfDay = /^([01]\d|2[0-3]):[0-5]\d$/;

export const COST_VARIABLES = {
  SAMPLE_MINUTES: spec({
    name: 'SAMPLE_MINUTES',
    default: '5',
    doc: 'How often the bot reads every pod, the account and MONAI Label’s activity',
    schema: num(0.05, 60),
  }),
  SAMPLE_RETENTION_DAYS: spec({
    name: 'SAMPLE_RETENTION_DAYS',
    default: '35',
    doc: 'How long samples are kept in the database (the digest needs 7 days)',
    schema: int(8, 3650),
  }),
  IDLE_MINUTES: spec({
    name: 'IDLE_MINUTES',
    default: '30',
    doc: 'Minutes without MONAI Label activity, training or GPU use before the idle warning',
    schema: num(0.1, 1440),
  }),
  IDLE_GPU_PERCENT: spec({
    name: 'IDLE_GPU_PERCENT',
    default: '10',
    doc: 'GPU utilization at or above this counts as activity',
    schema: int(1, 100),
  }),
  IDLE_GRACE_MINUTES: spec({
    name: 'IDLE_GRACE_MINUTES',
    default: '15',
    doc: 'After a start, the idle clock waits this long (model loading, first Next Sample)',
    schema: num(0, 1440),
  }),
  WARN_MINUTES: spec({
    name: 'WARN_MINUTES',
    default: '15',
    doc: 'Countdown between the idle warning and the automatic stop',
    schema: num(0.1, 1440),
  }),
  AUTOSTOP: spec({
    name: 'AUTOSTOP',
    default: 'stop',
    doc: 'off (never warn), warn (warn only), or stop (warn, then stop the pod)',
    schema: z.enum(['off', 'warn', 'stop'], { message: 'expected off, warn or stop' }),
  }),
  QUIET_HOURS: spec({
    name: 'QUIET_HOURS',
    default: '22:00-07:00',
    doc: 'Local hours (DIGEST_TZ) in which warnings mention nobody; off = no quiet hours',
    schema: z
      .string()
      .refine((value) => value === 'off' || (value.split('-').length === 2 && value.split('-').every((part) => timeOfDay.test(part))), {
        message: 'expected HH:MM-HH:MM (e.g. 22:00-07:00) or off',
      })
      .transform((value) => {
        if (value === 'off') return null;
        const [from, to] = value.split('-') as [string, string];
        return { from, to };
      }),
  }),
  DIGEST_CRON: spec({
    name: 'DIGEST_CRON',
    default: '0 19 * * *',
    doc: 'When the cost digest is posted (cron, in DIGEST_TZ): 19:00, before a pod idles all night',
    schema: z.string().refine((value) => CronTime.validateCronExpression(value).valid, { message: 'expected a cron expression such as 0 19 * * *' }),
  }),
  DIGEST_TZ: spec({
    name: 'DIGEST_TZ',
    doc: 'The lab’s time zone (IANA name, e.g. America/New_York); empty = this machine’s',
    schema: z.string().refine((value) => DateTime.local().setZone(value).isValid, { message: 'expected an IANA time zone such as America/New_York' }),
  }),
  DIGEST_CHANNEL: spec({
    name: 'DIGEST_CHANNEL',
    doc: 'Slack channel ID (C…) for the digest and for idle warnings about pods started elsewhere; empty = no scheduled digest',
    schema: text('expected a Slack channel ID such as C012AB3CD', /^[CG][A-Z0-9]{2,}$/),
  }),
  STALE_DAYS: spec({
    name: 'STALE_DAYS',
    default: '7',
    doc: 'A pod stopped longer than this is flagged in the digest (its volume still bills)',
    schema: int(1, 365),
  }),
  RUNWAY_WARN_DAYS: spec({
    name: 'RUNWAY_WARN_DAYS',
    default: '7',
    doc: 'The digest warns when the balance lasts fewer days than this',
    schema: num(0.5, 365),
  }),
};
