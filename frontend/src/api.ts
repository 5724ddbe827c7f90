/** The REST API (same origin; the session is an HttpOnly cookie). */

export type RoleName = "secretariat" | "chair" | "vice_chair" | "delegate" | "observer";
export type Stance = "support" | "oppose" | "reservation";

export interface RoleRead {
  role: RoleName;
  conference_id: number | null;
  working_group_id: number | null;
}
export interface DelegationRef {
  id: number;
  country_code: string;
  name: string;
}
export interface UserRead {
  id: number;
  username: string;
  email: string;
  display_name: string;
  affiliation_kind: string;
  affiliation_name: string;
  delegation: DelegationRef | null;
  roles: RoleRead[];
  is_active: boolean;
}
export interface ConferenceRead {
  id: number;
  code: string;
  name: string;
  city: string;
  starts_on: string | null;
  ends_on: string | null;
}
export interface OfficerRead {
  user_id: number;
  display_name: string;
  role: string;
}
export interface WorkingGroupRead {
  id: number;
  conference_id: number;
  parent_id: number | null;
  code: string;
  name: string;
  kind: string;
  officers?: OfficerRead[];
}
export interface RegionalGroupRead {
  id: number;
  code: string;
  name: string;
}
export interface DelegationRead {
  id: number;
  conference_id: number;
  country_code: string;
  name: string;
  regional_groups: RegionalGroupRead[];
}
export interface BracketCounts {
  brackets: number;
  groups: number;
  options: number;
  unmatched_open: number;
  unmatched_close: number;
  max_depth: number;
  diagnostics: number;
}
export interface DocumentSummary {
  id: number;
  working_group_id: number;
  symbol: string;
  title: string;
  kind: string;
  revision: number;
  updated_at: string;
  counts?: BracketCounts | null;
}
export interface DocumentRead extends DocumentSummary {
  text: string;
  can_edit?: boolean;
}
export interface SponsorRead {
  delegation: string;
  role: "proposer" | "cosponsor";
  regional_group: string | null;
  withdrawn: boolean;
}
export interface PositionRead {
  delegation: string;
  stance: Stance;
  note: string;
  wording: string;
  stale: boolean;
  user: string | null;
  at: string;
}
export interface RegionTally {
  regional_group: string;
  support: string[];
  oppose: string[];
  reservation: string[];
}
export interface AlternativeTally {
  id: string;
  label: string | null;
  wording: string;
  open: number;
  close: number;
  origin: string;
  sponsors: SponsorRead[];
  positions: PositionRead[];
  by_region: RegionTally[];
  support: number;
  oppose: number;
  reservation: number;
  stale: number;
  agreeable: boolean;
}
export interface BracketPlace {
  id: string;
  kind: "optional" | "alternatives";
  depth: number;
  line: number;
  alternatives: AlternativeTally[];
}
export interface ProposalRead {
  group: string;
  alternatives: string[];
  proposal: string;
  revision: number;
}
export interface ResolutionRead {
  id: number;
  bracket_id: string;
  action: "keep_alternative" | "delete" | "keep" | "reopen";
  chosen_bracket_id: string | null;
  revision: number;
  text_before: string;
  reopened_at: string | null;
  created_at: string;
}
export interface LockRead {
  id: number;
  start: number;
  end: number;
  text: string;
  locked_revision: number;
  locked_by: number | null;
  created_at: string;
  released?: boolean;
}
export interface CountPoint {
  revision: number;
  at: string;
  brackets: number;
  groups: number;
  options: number;
}
export interface DocumentCounts {
  document_id: number;
  symbol: string;
  points: CountPoint[];
}
export interface IssuerRead {
  user_id: number;
  display_name: string;
}
export interface RevisionRead {
  id: number;
  document_id: number;
  number: number;
  name: string;
  label: string | null;
  revision: number;
  created_at: string;
  issued_by?: IssuerRead | null;
}
export interface VersionRef {
  ref: string;
  kind: "named" | "revision" | "current";
  revision: number;
  number?: number | null;
  name?: string | null;
}
export interface SegmentRead {
  kind: "equal" | "insert" | "delete";
  text: string;
}
export interface ComparisonRead {
  document_id: number;
  from: VersionRef;
  to: VersionRef;
  changed: boolean;
  coarse: boolean;
  counts: { inserted_words: number; deleted_words: number };
  segments: SegmentRead[];
}

/** An API refusal, from an RFC 9457 problem document when there is one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
  ) {
    super(detail || `HTTP ${status}`);
    this.name = "ApiError";
  }
}

/** Called on every 401, so the app can send the user to the sign-in page. */
let onUnauthenticated: (() => void) | null = null;
export function setUnauthenticatedHandler(handler: () => void): void {
  onUnauthenticated = handler;
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const init: RequestInit = {
    method,
    credentials: "same-origin",
    headers: { Accept: "application/json" },
  };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)["Content-Type"] = "application/json";
  }
  let response: Response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError(0, "network", "The server cannot be reached. Check your connection.");
  }
  if (response.status === 204) return undefined as T;
  const type = response.headers.get("content-type") ?? "";
  const data: unknown = type.includes("json") ? await response.json().catch(() => null) : null;
  if (!response.ok) {
    const problem = (data ?? {}) as { code?: string; detail?: unknown; title?: string };
    const detail =
      typeof problem.detail === "string"
        ? problem.detail
        : Array.isArray(problem.detail)
          ? "The request was not valid."
          : (problem.title ?? `HTTP ${response.status}`);
    if (response.status === 401 && path !== "/api/login") onUnauthenticated?.();
    throw new ApiError(response.status, problem.code ?? String(response.status), detail);
  }
  return data as T;
}

const enc = encodeURIComponent;

export const api = {
  login: (username: string, password: string) =>
    request<UserRead>("POST", "/api/login", { username, password }),
  logout: () => request<void>("POST", "/api/logout"),
  me: () => request<UserRead>("GET", "/api/me"),
  conferences: () => request<ConferenceRead[]>("GET", "/api/conferences"),
  conference: (id: number) => request<ConferenceRead>("GET", `/api/conferences/${id}`),
  workingGroups: (conferenceId: number) =>
    request<WorkingGroupRead[]>("GET", `/api/conferences/${conferenceId}/working-groups`),
  delegations: (conferenceId: number) =>
    request<DelegationRead[]>("GET", `/api/conferences/${conferenceId}/delegations`),
  regionalGroups: () => request<RegionalGroupRead[]>("GET", "/api/regional-groups"),
  documents: (workingGroupId: number) =>
    request<DocumentSummary[]>("GET", `/api/working-groups/${workingGroupId}/documents`),
  groupCounts: (workingGroupId: number) =>
    request<DocumentCounts[]>("GET", `/api/working-groups/${workingGroupId}/bracket-counts`),
  document: (id: number) => request<DocumentRead>("GET", `/api/documents/${id}`),
  tallies: (id: number) => request<BracketPlace[]>("GET", `/api/documents/${id}/brackets`),
  propose: (id: number, body: { revision: number; start: number; end: number; text: string }) =>
    request<ProposalRead>("POST", `/api/documents/${id}/proposals`, body),
  addAlternative: (id: number, bracket: string, text: string) =>
    request<ProposalRead>("POST", `/api/documents/${id}/brackets/${enc(bracket)}/alternatives`, {
      text,
    }),
  cosponsor: (id: number, bracket: string) =>
    request<void>("POST", `/api/documents/${id}/brackets/${enc(bracket)}/cosponsors`),
  withdraw: (id: number, bracket: string) =>
    request<void>("POST", `/api/documents/${id}/brackets/${enc(bracket)}/withdraw`),
  setPosition: (id: number, bracket: string, stance: Stance, note: string) =>
    request<PositionRead>("PUT", `/api/documents/${id}/brackets/${enc(bracket)}/position`, {
      stance,
      note,
    }),
  resolve: (
    id: number,
    bracket: string,
    action: "keep_alternative" | "delete" | "keep",
    alternative?: string,
  ) =>
    request<ResolutionRead>("POST", `/api/documents/${id}/brackets/${enc(bracket)}/resolution`, {
      action,
      alternative: alternative ?? null,
    }),
  resolutions: (id: number) => request<ResolutionRead[]>("GET", `/api/documents/${id}/resolutions`),
  reopen: (id: number, resolution: number) =>
    request<ResolutionRead>("POST", `/api/documents/${id}/resolutions/${resolution}/reopen`),
  locks: (id: number) => request<LockRead[]>("GET", `/api/documents/${id}/locks`),
  lock: (id: number, body: { revision: number; start: number; end: number }) =>
    request<LockRead>("POST", `/api/documents/${id}/locks`, body),
  unlock: (id: number, lock: number) =>
    request<LockRead>("DELETE", `/api/documents/${id}/locks/${lock}`),
  counts: (id: number) => request<DocumentCounts>("GET", `/api/documents/${id}/bracket-counts`),
  revisions: (id: number) => request<RevisionRead[]>("GET", `/api/documents/${id}/revisions`),
  issueRevision: (id: number, label: string | null) =>
    request<RevisionRead>("POST", `/api/documents/${id}/revisions`, { label }),
  compare: (id: number, from: string, to: string) =>
    request<ComparisonRead>(
      "GET",
      `/api/documents/${id}/compare?from=${enc(from)}&to=${enc(to)}`,
    ),
};

/** Role checks against /api/me (the server checks again on every request). */
export function chairsGroup(me: UserRead, workingGroupId: number): boolean {
  return me.roles.some(
    (r) => (r.role === "chair" || r.role === "vice_chair") && r.working_group_id === workingGroupId,
  );
}

export function isDelegate(me: UserRead, conferenceId: number | null): boolean {
  return (
    me.delegation !== null &&
    me.roles.some(
      (r) => r.role === "delegate" && (r.conference_id === null || conferenceId === null || r.conference_id === conferenceId),
    )
  );
}
