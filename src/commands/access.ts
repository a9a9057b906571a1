import type { AccessSettings } from '../config/load.js';
import { COMMANDS, OPEN_COMMANDS, type CommandName } from './catalog.js';

/** Where a request comes from: a slash command, a button (in a channel or on the App Home tab), the console, or the bot itself. */
export type Origin = 'slash' | 'button' | 'home' | 'console' | 'auto';

export interface Caller {
  user: string;
  channel: string;
  origin: Origin;
}

export type Decision = { allowed: true; admin: boolean } | { allowed: false; reason: string };

/** Who may help, as Slack mentions; never names (ids cannot be spoofed). */
function helpers(settings: AccessSettings): string {
  return settings.admins.length > 0 ? settings.admins.map((admin) => `<@${admin}>`).join(', ') : 'whoever runs the bot';
}

/**
 * Who may run what, where. By Slack ids only. The console and the bot's own automatic actions act
 * as admins. Informational commands (help, troubleshoot) are open to all.
 */
export function authorize(settings: AccessSettings, caller: Caller, command: CommandName): Decision {
  if (caller.origin === 'console' || caller.origin === 'auto') return { allowed: true, admin: true };
  const admin = settings.admins.includes(caller.user);
  if (OPEN_COMMANDS.has(command)) return { allowed: true, admin };
  const needsAdmin = COMMANDS.find((entry) => entry.name === command)?.access === 'admin';
  if (needsAdmin && !admin) {
    return { allowed: false, reason: `Only the bot’s admins can run \`/monai ${command}\`. Ask ${helpers(settings)}.` };
  }
  const personal = caller.origin === 'home' || caller.channel.startsWith('D');
  if (settings.channels.length > 0 && !settings.channels.includes(caller.channel)) {
    // The Home tab and DMs belong to no channel: only people named in the lists may act from there.
    const named = admin || settings.users.includes(caller.user);
    if (!personal || !named) {
      return { allowed: false, reason: `This bot acts on the pod only in ${settings.channels.map((channel) => `<#${channel}>`).join(', ')}. Run the command there.` };
    }
  }
  if (settings.users.length > 0 && !settings.users.includes(caller.user) && !admin) {
    return { allowed: false, reason: `You are not on the list of people who may use this bot. Ask ${helpers(settings)} to add you (ALLOWED_USER_IDS).` };
  }
  return { allowed: true, admin };
}

/** The commands a caller may run, for /monai help. */
export function allowedCommands(settings: AccessSettings, caller: Caller): CommandName[] {
  return COMMANDS.map((entry) => entry.name).filter((name) => authorize(settings, caller, name).allowed);
}
