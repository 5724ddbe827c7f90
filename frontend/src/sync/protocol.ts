/** Wire types of the live editing protocol (docs/protocol.md, version 1). */
import type { WireChange } from "./changes";

export const PROTOCOL_VERSION = 1;

export interface UserRef {
  id: number;
  name: string;
}

export interface BracketObject {
  id: string;
  open: number;
  close: number;
  depth: number;
  parent: string | null;
  group: string | null;
  label: string | null;
  origin: string;
}

export interface Cursor {
  anchor: number;
  head: number;
}

export interface PresenceEntry {
  session: string;
  user?: UserRef;
  delegation?: string | null;
  cursor?: Cursor | null;
  revision?: number;
  left?: boolean;
}

export interface EditFrame {
  revision: number;
  id: string | null;
  author?: UserRef | null;
  delegation?: string | null;
  changes: WireChange[];
  conflicts?: { group: [number, number]; committed: [number, number]; incoming: [number, number] }[];
}

export interface WelcomeFrame {
  type: "welcome";
  protocol: number;
  document: number;
  session: string;
  revision: number;
  user: UserRef;
  delegation: string | null;
  can_edit: boolean;
  text?: string;
  base?: number;
  edits?: EditFrame[];
  brackets: BracketObject[];
  presence: PresenceEntry[];
  committed: Record<string, number>;
}

export interface BracketsFrame {
  type: "brackets";
  revision: number;
  created: BracketObject[];
  ended: string[];
  changed: BracketObject[];
}

export interface SnapshotFrame {
  type: "snapshot";
  revision: number;
  text: string;
  brackets: BracketObject[];
}

export interface ErrorFrame {
  type: "error";
  code: string;
  message: string;
  fatal: boolean;
  id?: string;
}

export interface EventFrame {
  type: "event";
  revision: number;
  kind: string;
  data: unknown;
  [key: string]: unknown;
}

export type ServerFrame =
  | WelcomeFrame
  | { type: "edits"; edits: EditFrame[] }
  | { type: "ack"; id: string; revision: number; duplicate: boolean }
  | BracketsFrame
  | { type: "presence"; updates: PresenceEntry[] }
  | SnapshotFrame
  | ErrorFrame
  | EventFrame
  | { type: "pong"; nonce: unknown }
  | { type: "result"; id: string; data: unknown };

/** Errors on one edit that the server did not apply and never will as sent. */
export const REFUSED = new Set([
  "locked",
  "forbidden",
  "document_too_large",
  "nesting_too_deep",
  "bad_text",
  "splits_surrogate",
  "unordered",
  "bad_shape",
  "too_large",
]);
/** Errors after which the same edit is sent again, same id. */
export const RETRYABLE = new Set(["internal", "rate_limited", "stale_document"]);
/** Errors after which the client asks for a snapshot and rebases. */
export const RESYNC = new Set(["base_too_old", "bad_base", "out_of_range"]);

export const ERROR_TEXT: Record<string, string> = {
  locked: "This paragraph is agreed ad referendum (locked); only the chair may change it.",
  forbidden: "You may not edit this document.",
  document_too_large: "The document would become too large.",
  nesting_too_deep: "Brackets would nest too deep.",
  bad_text: "The text contains characters that cannot be stored.",
  splits_surrogate: "The edit cut a character in two.",
  unordered: "The edit was malformed.",
  bad_shape: "The edit was malformed.",
  too_large: "The edit is too large to send at once.",
  not_authenticated: "Your session has ended. Sign in again to go on editing.",
  not_found: "This document does not exist or is not visible to you.",
  unsupported_protocol: "This page is out of date: reload it.",
};
