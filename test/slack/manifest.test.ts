import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { COMMANDS } from '../../src/commands/catalog.js';

interface Manifest {
  display_information: { name: string; description?: string };
  features: {
    app_home: Record<string, boolean>;
    bot_user: { display_name: string };
    slash_commands: { command: string; description: string; usage_hint?: string; should_escape?: boolean; url?: string }[];
  };
  oauth_config: { scopes: { bot: string[] } };
  settings: {
    interactivity: { is_enabled: boolean; request_url?: string };
    socket_mode_enabled: boolean;
    event_subscriptions?: { bot_events: string[] };
  };
}

const manifest = parse(readFileSync(new URL('../../manifest.yml', import.meta.url), 'utf8')) as Manifest;

// The rules Slack applies to a manifest (see the Slack reference notes, app manifest section).
describe('manifest.yml', () => {
  it('has a display name and description within Slack’s limits', () => {
    expect(manifest.display_information.name.length).toBeGreaterThan(0);
    expect(manifest.display_information.name.length).toBeLessThanOrEqual(35);
    expect((manifest.display_information.description ?? '').length).toBeLessThanOrEqual(140);
    expect(manifest.features.bot_user.display_name).toMatch(/^[a-z0-9._-]{1,80}$/);
  });

  it('declares /monai with a usage hint naming exactly the commands the bot has', () => {
    const [command, ...others] = manifest.features.slash_commands;
    expect(others).toHaveLength(0);
    expect(command?.command).toBe('/monai');
    expect(command?.description.length).toBeGreaterThan(0);
    expect(command?.url, 'Socket Mode needs no command URL').toBeUndefined();
    const hinted = (command?.usage_hint ?? '').replace(/[[\]]/g, '').split('|').map((part) => part.trim());
    expect(hinted).toEqual(COMMANDS.map((entry) => entry.name));
  });

  it('asks for the scopes the bot uses and no more, with the events they deliver', () => {
    expect(manifest.oauth_config.scopes.bot.sort()).toEqual(['app_mentions:read', 'channels:read', 'chat:write', 'commands', 'groups:read', 'im:history']);
    expect(manifest.settings.event_subscriptions?.bot_events.sort()).toEqual(['app_home_opened', 'app_mention', 'message.im']);
    expect(manifest.features.app_home).toEqual({ home_tab_enabled: true, messages_tab_enabled: true, messages_tab_read_only_enabled: false });
  });

  it('turns on Socket Mode and interactivity (for the buttons)', () => {
    expect(manifest.settings.socket_mode_enabled).toBe(true);
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(manifest.settings.interactivity.request_url).toBeUndefined();
  });
});
