import { randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { AuthContext } from '../../core/auth/auth-context';

export const TICKET_TTL_SECONDS = 60;

interface Ticket {
  ptyId: string;
  tenantId: string;
  userId: string;
  /** The rights the ticket was issued on: the connection stays open only while they hold. */
  auth: AuthContext;
}

/**
 * Connect tickets: browsers cannot put a key in a WebSocket's headers, and a key in a URL ends up in logs and
 * histories. A ticket is 256 random bits naming one terminal and one user, valid for a minute, good for one
 * connection. Kept in this process, like the terminals themselves.
 */
export class PtyTickets {
  private readonly tickets = new LRUCache<string, Ticket>({ max: 10_000, ttl: TICKET_TTL_SECONDS * 1000 });

  issue(ticket: Ticket): string {
    const value = randomBytes(32).toString('base64url');
    this.tickets.set(value, ticket);
    return value;
  }

  /** The ticket's holder if it is valid for this terminal; it is spent either way. */
  take(value: string | undefined, ptyId: string): Ticket | undefined {
    if (!value) return undefined;
    const ticket = this.tickets.get(value);
    this.tickets.delete(value);
    return ticket?.ptyId === ptyId ? ticket : undefined;
  }
}
