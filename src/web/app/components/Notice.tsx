import { ApiError } from '../api.js';
import { useI18n } from '../i18n.js';

export function problemText(error: unknown): string {
  if (error instanceof ApiError) return error.problem.detail ?? error.problem.title;
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
      {t('errorGeneric', { detail: problemText(error) })}{' '}
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
