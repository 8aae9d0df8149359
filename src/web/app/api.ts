/**
 * Typed client for the motoguard HTTP API. A signed-in user's session rides in its httpOnly cookie, with the
 * session's CSRF token on every request that changes anything; an API key travels only in the Authorization header.
 */
import { EventSource } from 'eventsource';
import type {
  ApiKey,
  AuditTrail,
  BulkReviewInput,
  BulkReviewResult,
  Camera,
  CameraInput,
  CreatedApiKey,
  CameraPatch,
  CameraWithHealth,
  DetectorView,
  EvidenceIntegrity,
  Me,
  Problem,
  Reanalysis,
  ReviewedViolation,
  ReviewInput,
  Role,
  Segment,
  SegmentDetail,
  SegmentFilter,
  SegmentIntake,
  SegmentRegistration,
  SettingDefaults,
  User,
  Stats,
  StatsFilter,
  ViolationDetail,
  ViolationFilter,
  VehicleHistory,
  ViolationPage,
  Zone,
  ZoneInput,
  ZonePatch,
} from './api-types.js';

import type { FieldError } from './field-errors.js';

export type * from './api-types.js';

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title);
  }
  get status(): number {
    return this.problem.status;
  }
  /**
   * Body field errors keyed by dotted path (`polygon`, `schedule.0.start`), each prefix getting them too, worded by
   * `describe` (the console's own words for the API's issue codes, field-errors.ts).
   */
  fieldErrors(describe: (e: FieldError) => string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const e of this.problem.errors ?? []) {
      if (e.in !== 'body') continue;
      const text = describe(e);
      const parts = e.pointer.split('/').filter(Boolean);
      for (let i = parts.length; i >= 1; i--) out[parts.slice(0, i).join('.')] ??= text;
      if (parts.length === 0) out[''] ??= text;
    }
    return out;
  }
}

type Query = Record<string, string | number | undefined>;

function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

async function toProblem(res: Response): Promise<Problem> {
  const type = res.headers.get('content-type') ?? '';
  if (type.includes('json')) {
    const body = (await res.json()) as Partial<Problem> & { message?: string };
    return { ...body, title: body.title ?? body.message ?? res.statusText, status: body.status ?? res.status };
  }
  return { title: res.statusText || 'Request failed', status: res.status };
}

/** How the console proves who it is: the session cookie (sent by the browser) and its CSRF token, or an API key. */
export type Credential = { csrfToken: string } | { key: string };

/** Signs in with a login name and password; the server sets the session cookie. Returns the CSRF token. */
export async function login(username: string, password: string): Promise<string> {
  const res = await fetch('/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (!res.ok) throw new ApiError(await toProblem(res));
  return ((await res.json()) as { csrfToken: string }).csrfToken;
}

/** Who the browser's session cookie signs in, if it holds a live session. */
export async function currentSession(): Promise<Me | null> {
  const res = await fetch('/auth/me', { headers: { accept: 'application/json' } });
  if (!res.ok) return null;
  const me = (await res.json()) as Me;
  return me.kind === 'user' ? me : null;
}

export class ApiClient {
  constructor(
    private readonly credential: Credential,
    private readonly onUnauthorized: () => void = () => {},
  ) {}

  private async send(method: string, path: string, body?: unknown, query?: Query): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if ('key' in this.credential) headers.authorization = `Bearer ${this.credential.key}`;
    else if (method !== 'GET') headers['x-csrf-token'] = this.credential.csrfToken;
    let payload: BodyInit | undefined;
    if (body instanceof FormData) payload = body;
    else if (body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    const res = await fetch(withQuery(path, query), { method, headers, body: payload });
    if (!res.ok) {
      const problem = await toProblem(res);
      if (res.status === 401) this.onUnauthorized();
      throw new ApiError(problem);
    }
    return res;
  }

  private async json<T>(method: string, path: string, body?: unknown, query?: Query): Promise<T> {
    const res = await this.send(method, path, body, query);
    return (res.status === 204 ? undefined : await res.json()) as T;
  }

  me(): Promise<Me> {
    return this.json('GET', '/auth/me');
  }
  logout(): Promise<void> {
    return this.json('POST', '/auth/logout');
  }
  changePassword(currentPassword: string, newPassword: string): Promise<void> {
    return this.json('POST', '/auth/password', { currentPassword, newPassword });
  }

  listUsers(): Promise<User[]> {
    return this.json<{ items: User[] }>('GET', '/users').then((b) => b.items);
  }
  createUser(input: { username: string; displayName: string; password: string; role: Role }): Promise<User> {
    return this.json('POST', '/users', input);
  }
  updateUser(id: string, input: { role?: Role; disabled?: boolean }): Promise<User> {
    return this.json('PATCH', `/users/${encodeURIComponent(id)}`, input);
  }
  unlockUser(id: string): Promise<User> {
    return this.json('POST', `/users/${encodeURIComponent(id)}/unlock`);
  }

  listKeys(): Promise<ApiKey[]> {
    return this.json<{ items: ApiKey[] }>('GET', '/keys').then((b) => b.items);
  }
  createKey(input: { role: Role; label: string }): Promise<CreatedApiKey> {
    return this.json('POST', '/keys', input);
  }
  revokeKey(id: string): Promise<ApiKey> {
    return this.json('POST', `/keys/${encodeURIComponent(id)}/revoke`);
  }

  /** What a setting left out of a create body is given (blank fields in the forms show it). */
  defaults(): Promise<SettingDefaults> {
    return this.json('GET', '/config/defaults');
  }

  listCameras(): Promise<CameraWithHealth[]> {
    return this.json<{ items: CameraWithHealth[] }>('GET', '/cameras').then((b) => b.items);
  }
  getCamera(id: string): Promise<CameraWithHealth> {
    return this.json('GET', `/cameras/${encodeURIComponent(id)}`);
  }
  createCamera(input: CameraInput): Promise<Camera> {
    return this.json('POST', '/cameras', input);
  }
  updateCamera(id: string, input: CameraPatch): Promise<Camera> {
    return this.json('PATCH', `/cameras/${encodeURIComponent(id)}`, input);
  }
  /** A recent frame of the camera, as an image blob. */
  cameraSnapshot(id: string): Promise<Blob> {
    return this.send('GET', `/cameras/${encodeURIComponent(id)}/snapshot`).then((r) => r.blob());
  }

  listZones(cameraId: string): Promise<Zone[]> {
    return this.json<{ items: Zone[] }>('GET', `/cameras/${encodeURIComponent(cameraId)}/zones`).then((b) => b.items);
  }
  createZone(cameraId: string, input: ZoneInput): Promise<Zone> {
    return this.json('POST', `/cameras/${encodeURIComponent(cameraId)}/zones`, input);
  }
  updateZone(zoneId: string, input: ZonePatch): Promise<Zone> {
    return this.json('PATCH', `/zones/${encodeURIComponent(zoneId)}`, input);
  }
  deleteCamera(id: string): Promise<void> {
    return this.json('DELETE', `/cameras/${encodeURIComponent(id)}`);
  }
  deleteZone(zoneId: string): Promise<void> {
    return this.json('DELETE', `/zones/${encodeURIComponent(zoneId)}`);
  }

  registerSegment(input: SegmentRegistration): Promise<SegmentIntake> {
    return this.json('POST', '/segments', input);
  }
  uploadSegment(cameraId: string, file: File, startTime?: string): Promise<SegmentIntake> {
    const form = new FormData();
    form.set('cameraId', cameraId);
    if (startTime) form.set('startTime', startTime);
    // a clue to the capture time when none is given (the file was last written as recording ended)
    else if (file.lastModified > 0) form.set('lastModified', String(file.lastModified));
    form.set('file', file, file.name);
    return this.json('POST', '/segments/upload', form);
  }
  getSegment(id: string): Promise<SegmentDetail> {
    return this.json('GET', `/segments/${encodeURIComponent(id)}`);
  }
  /** What the analysis sees and decides on each frame of a segment, with the zones as they are now. */
  detectorView(segmentId: string): Promise<DetectorView> {
    return this.json('GET', `/segments/${encodeURIComponent(segmentId)}/detector-view`);
  }
  detectorClip(segmentId: string): Promise<Blob> {
    return this.send('GET', `/segments/${encodeURIComponent(segmentId)}/detector-view/clip`).then((r) => r.blob());
  }
  segmentFrame(segmentId: string, sec: number): Promise<Blob> {
    return this.send('GET', `/segments/${encodeURIComponent(segmentId)}/frame`, undefined, { t: sec }).then((r) =>
      r.blob(),
    );
  }
  /** Queue a segment, or all of a camera's, to be analysed again with the zones as they are now. */
  reanalyseSegment(id: string): Promise<Reanalysis> {
    return this.json('POST', `/segments/${encodeURIComponent(id)}/reanalyse`);
  }
  reanalyseCamera(cameraId: string): Promise<Reanalysis> {
    return this.json('POST', `/cameras/${encodeURIComponent(cameraId)}/reanalyse`, {});
  }
  listSegments(query: SegmentFilter): Promise<Segment[]> {
    return this.json<{ items: Segment[] }>('GET', '/segments', undefined, query).then((b) => b.items);
  }

  listViolations(filter: ViolationFilter): Promise<ViolationPage> {
    return this.json('GET', '/violations', undefined, { ...filter });
  }
  getViolation(id: string): Promise<ViolationDetail> {
    return this.json('GET', `/violations/${encodeURIComponent(id)}`);
  }
  review(id: string, input: ReviewInput): Promise<ReviewedViolation> {
    return this.json('POST', `/violations/${encodeURIComponent(id)}/review`, input);
  }
  bulkReview(input: BulkReviewInput): Promise<BulkReviewResult> {
    return this.json('POST', '/reviews/bulk', input);
  }
  /** Re-hashes every evidence file of the violation. */
  verifyViolation(id: string): Promise<EvidenceIntegrity> {
    return this.json('GET', `/violations/${encodeURIComponent(id)}/verify`);
  }
  violationAudit(id: string): Promise<AuditTrail> {
    return this.json('GET', `/violations/${encodeURIComponent(id)}/audit`);
  }
  vehicleHistory(id: string): Promise<VehicleHistory> {
    return this.json('GET', `/violations/${encodeURIComponent(id)}/history`);
  }

  statistics(filter: StatsFilter): Promise<Stats> {
    return this.json('GET', '/stats', undefined, { ...filter });
  }

  /**
   * The alert stream (one `violation` event per violation recorded), as an EventSource over fetch, so that an API
   * key can travel in its header (the browser's own EventSource sends none); a session's cookie goes by itself.
   */
  alertStream(): EventSource {
    const credential = this.credential;
    return new EventSource('/alerts/stream', {
      fetch: (input, init) =>
        fetch(
          input,
          'key' in credential
            ? { ...init, headers: { ...init.headers, authorization: `Bearer ${credential.key}` } }
            : init,
        ),
    });
  }

  /** A confirmed violation's case file (ZIP), made on request. */
  caseFile(id: string): Promise<Blob> {
    return this.send('GET', `/violations/${encodeURIComponent(id)}/case-file`).then((r) => r.blob());
  }
  evidence(id: string): Promise<Blob> {
    return this.send('GET', `/evidence/${encodeURIComponent(id)}`).then((r) => r.blob());
  }
}
