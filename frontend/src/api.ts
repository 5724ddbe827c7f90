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
export type OpenKind = "bracket" | "group" | "option" | "unmatched_open" | "unmatched_close";
export interface OpenPlace {
  kind: OpenKind;
  /** 1-based; columns count code points. */
  line: number;
  column: number;
  excerpt: string;
  bracket_id: string | null;
}
export interface AgreementRead {
  document_id: number;
  revision: number;
  agreed: boolean;
  brackets: number;
  open: OpenPlace[];
}
export interface ImportDiagnostic {
  line: number;
  column: number;
  kind: string;
  message: string;
}
export interface ImportRead {
  document_id: number;
  revision: number;
  format: "txt" | "md" | "docx";
  changed: boolean;
  warnings: string[];
  counts: BracketCounts;
  diagnostics: ImportDiagnostic[];
}
export type ExportView = "agreed" | "compilation" | "revision";
export type ExportFormat = "docx" | "pdf" | "html" | "md" | "txt" | "akn";
export interface ExportRequest {
  view: ExportView;
  format: ExportFormat;
  version?: string;
  against?: string;
  force?: boolean;
}
/** A downloaded export: its bytes and the file name the server gave it. */
export interface ExportedFile {
  blob: Blob;
  filename: string;
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
    /** The whole problem document (extension members such as ``open``), if any. */
    readonly problem: Record<string, unknown> | null = null,
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

async function send(method: string, path: string, body: unknown, accept: string): Promise<Response> {
  const init: RequestInit = {
    method,
    credentials: "same-origin",
    headers: { Accept: accept },
  };
  if (body instanceof FormData) {
    init.body = body; // the browser sets the multipart Content-Type with its boundary
  } else if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)["Content-Type"] = "application/json";
  }
  try {
    return await fetch(path, init);
  } catch {
    throw new ApiError(0, "network", "The server cannot be reached. Check your connection.");
  }
}

async function refusal(response: Response, path: string, data?: unknown): Promise<ApiError> {
  if (data === undefined) {
    const type = response.headers.get("content-type") ?? "";
    data = type.includes("json") ? await response.json().catch(() => null) : null;
  }
  const problem = (data !== null && typeof data === "object" ? data : {}) as Record<string, unknown>;
  const detail =
    typeof problem.detail === "string"
      ? problem.detail
      : Array.isArray(problem.detail)
        ? "The request was not valid."
        : typeof problem.title === "string"
          ? problem.title
          : `HTTP ${response.status}`;
  if (response.status === 401 && path !== "/api/login") onUnauthenticated?.();
  const code = typeof problem.code === "string" ? problem.code : String(response.status);
  return new ApiError(response.status, code, detail, data !== null && typeof data === "object" ? problem : null);
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await send(method, path, body, "application/json");
  if (response.status === 204) return undefined as T;
  const type = response.headers.get("content-type") ?? "";
  const data: unknown = type.includes("json") ? await response.json().catch(() => null) : null;
  if (!response.ok) throw await refusal(response, path, data);
  return data as T;
}

/** A file download, fetched first so that a refusal is shown, never navigated to. */
async function download(path: string, fallbackName: string): Promise<ExportedFile> {
  const response = await send("GET", path, undefined, "*/*");
  if (!response.ok) throw await refusal(response, path);
  let blob: Blob;
  try {
    blob = await response.blob();
  } catch {
    throw new ApiError(0, "network", "The download was interrupted. Try again.");
  }
  return { blob, filename: filenameFrom(response.headers.get("content-disposition")) ?? fallbackName };
}

/** The file name of a Content-Disposition header (RFC 6266; ``filename*`` first). */
export function filenameFrom(disposition: string | null): string | null {
  if (!disposition) return null;
  const extended = /filename\*\s*=\s*utf-8''([^;]+)/i.exec(disposition);
  if (extended) {
    try {
      return safeFilename(decodeURIComponent(extended[1]!.trim()));
    } catch {
      /* malformed escapes: try the plain parameter */
    }
  }
  const plain = /filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))/i.exec(disposition);
  if (plain) return safeFilename((plain[1] ?? plain[2] ?? "").replace(/\\(.)/g, "$1"));
  return null;
}

/** No directories, no control characters; null when nothing is left. */
function safeFilename(name: string): string | null {
  const clean = name.replace(/[\u0000-\u001f\u007f/\\]/g, "_").trim();
  return clean && clean !== "." && clean !== ".." ? clean : null;
}

/** The query string of an export (defaults left out, as the server has them). */
export function exportQuery(r: ExportRequest): string {
  const q = new URLSearchParams({ view: r.view, format: r.format });
  if (r.version && r.version !== "current") q.set("version", r.version);
  if (r.view === "revision" && r.against) q.set("against", r.against);
  if (r.force && r.view === "agreed") q.set("force", "true");
  return q.toString();
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
  agreement: (id: number) => request<AgreementRead>("GET", `/api/documents/${id}/agreement`),
  exportFile: (id: number, r: ExportRequest, fallbackName: string) =>
    download(`/api/documents/${id}/export?${exportQuery(r)}`, fallbackName),
  importFile: (id: number, file: File) => {
    const form = new FormData();
    form.append("file", file, file.name);
    return request<ImportRead>("POST", `/api/documents/${id}/import`, form);
  },
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

export function isSecretariat(me: UserRead, conferenceId: number | null): boolean {
  return me.roles.some(
    (r) => r.role === "secretariat" && (r.conference_id === null || conferenceId === null || r.conference_id === conferenceId),
  );
}
