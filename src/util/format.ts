/** Small, locale-independent formatting for messages. */

export function formatMoney(dollars: number): string {
  const abs = Math.abs(dollars);
  const digits = abs > 0 && abs < 0.1 ? 3 : 2;
  return `${dollars < 0 ? '-' : ''}$${abs.toFixed(digits)}`;
}

export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return seconds % 60 === 0 ? `${minutes} min` : `${minutes} min ${seconds % 60}s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} days`;
}

export function formatHours(hours: number): string {
  return `${hours < 10 ? hours.toFixed(1) : Math.round(hours)} h`;
}

export function plural(count: number, word: string, many = `${word}s`): string {
  return `${count} ${count === 1 ? word : many}`;
}

/** A Slack user id becomes a mention; the console, auto-stop and other non-ids stay plain text. */
export function mention(user: string): string {
  return /^[UW][A-Z0-9]{2,}$/.test(user) ? `<@${user}>` : user;
}

/**
 * Text from outside (user input, RunPod, MONAI Label) shown in Slack mrkdwn: Slack's three escapes,
 * so it cannot become a mention (<!channel>), a link (<http://…|…>) or a user reference.
 */
export function escapeSlack(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** Text for a ``` block: escaped, and no run of backticks that could close the block early. */
export function codeBlock(text: string): string {
  const safe = escapeSlack(text).replace(/`(?=`)/g, '`\u200b').replace(/^`/, '\u200b`').replace(/`$/, '`\u200b');
  return '```' + safe + '```';
}
