import { ApiError } from '../api.js';
import { useI18n, type Translate } from '../i18n.js';
import type { StringKey } from '../strings.js';

/** Problem types (RFC 9457 `type`, the API's error codes) the console words itself, in the reader's language. */
const PROBLEM_MESSAGES: Partial<Record<string, StringKey>> = {
  '/problems/duplicate-segment': 'problem_duplicate_segment',
  '/problems/not-a-video': 'problem_not_a_video',
  '/problems/body-too-large': 'problem_body_too_large',
  '/problems/unsupported-media-type': 'problem_unsupported_media_type',
  '/problems/malformed-multipart': 'problem_malformed_multipart',
  '/problems/request-timeout': 'problem_request_timeout',
  '/problems/file-not-found': 'problem_file_not_found',
  '/problems/invalid-plate': 'problem_invalid_plate',
  '/problems/validation': 'problem_validation',
  '/problems/too-many-segments': 'problem_too_many_segments',
  '/problems/unavailable': 'problem_unavailable',
  '/problems/internal': 'problem_internal',
  '/problems/evidence-tampered': 'problem_evidence_tampered',
  '/problems/segment-analysed': 'problem_segment_analysed',
  '/problems/camera-disabled': 'problem_camera_disabled',
  '/problems/camera-has-footage': 'problem_camera_has_footage',
  '/problems/segment-too-long': 'problem_segment_too_long',
  '/problems/footage-missing': 'problem_footage_missing',
  '/problems/own-account': 'problem_own_account',
};

/**
 * What went wrong, by the problem's type where the console knows it (given `t`, the reader's language); the
 * server's own words otherwise.
 */
export function problemText(error: unknown, t?: Translate): string {
  if (error instanceof ApiError) {
    const key = t && error.problem.type ? PROBLEM_MESSAGES[error.problem.type] : undefined;
    return t && key ? t(key) : (error.problem.detail ?? error.problem.title);
  }
  return error instanceof Error ? error.message : String(error);
}

export function ErrorNotice({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useI18n();
  if (error instanceof ApiError && error.status === 403)
    return (
      <p class="notice error" role="alert">
        {t('forbidden')}
      </p>
    );
  if (error instanceof ApiError && error.status === 404)
    return (
      <p class="notice error" role="alert">
        {t('notFound')}
      </p>
    );
  return (
    <p class="notice error" role="alert">
      {t('errorGeneric', { detail: problemText(error, t) })}{' '}
      {onRetry && (
        <button type="button" class="link" onClick={onRetry}>
          {t('retry')}
        </button>
      )}
    </p>
  );
}

export function Loading() {
  const { t } = useI18n();
  return (
    <p class="muted" role="status">
      {t('loading')}
    </p>
  );
}
