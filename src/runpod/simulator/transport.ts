import type http from 'node:http';
import type { Fault } from './simulator.js';

/** HTTP pieces both of the simulator's APIs use: bodies, answers, edge pages and transport faults. */

export const CLOUDFLARE_PAGE = `<!DOCTYPE html>
<html><head><title>Access denied | api.runpod.io used Cloudflare to restrict access</title></head>
<body><h1>Error 1010</h1><p>The owner of this website (api.runpod.io) has banned your access based on your browser's signature.</p></body></html>`;

/** What Cloudflare answers when the origin took too long: the origin may well have done the work. */
export const TIMEOUT_PAGE = `<!DOCTYPE html>
<html><head><title>api.runpod.io | 524: A timeout occurred</title></head>
<body><h1>A timeout occurred</h1><p>Error code 524. The origin web server timed out responding to this request.</p></body></html>`;


export function send(response: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  response.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/html' : 'application/json', ...headers });
  response.end(text);
}

export async function readBody(request: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Applies the transport part of a fault, common to both APIs. Returns true when it fully answered
 * (or dropped) the request; 'status', 'error' and 'problem' bodies are each API's own.
 */
export async function applyTransportFault(fault: Fault, request: http.IncomingMessage, response: http.ServerResponse): Promise<boolean> {
  switch (fault.kind) {
    case 'html':
      send(response, fault.status, CLOUDFLARE_PAGE);
      return true;
    case 'slow':
      await new Promise((resolve) => setTimeout(resolve, fault.ms));
      return false;
    case 'hang':
      await new Promise<void>((resolve) => request.socket.once('close', () => resolve()));
      return true;
    case 'reset':
      request.socket.destroy();
      return true;
    default:
      return false;
  }
}
