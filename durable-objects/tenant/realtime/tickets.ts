import { sha256Hex, toBase64Url } from "../../../schemas/encoding";

/**
 * Ticket secrets: 32 random bytes, base64url without padding (43 characters). The object stores
 * only their SHA-256, so a leaked database row cannot open a socket.
 */
export function newTicketSecret(): string {
  return toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
}

export const ticketHash = sha256Hex;
