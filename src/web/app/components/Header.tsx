import { useI18n } from '../i18n.js';
import { href, useRoute } from '../router.js';
import { can, useSession } from '../session.js';
import type { StringKey } from '../strings.js';

export function Header() {
  const { t, lang, setLang } = useI18n();
  const { me, signOut } = useSession();
  const path = useRoute();
  const links: { to: string; label: StringKey; show: boolean }[] = [
    { to: '/queue', label: 'navQueue', show: can(me.role, 'review') },
    { to: '/second-review', label: 'navSecondReview', show: can(me.role, 'review') },
    { to: '/cameras', label: 'navCameras', show: can(me.role, 'manageCameras') },
    { to: '/footage', label: 'navFootage', show: can(me.role, 'manageFootage') },
    { to: '/admin/users', label: 'navUsers', show: can(me.role, 'administer') },
    { to: '/admin/keys', label: 'navKeys', show: can(me.role, 'administer') },
    { to: '/stats', label: 'navStats', show: can(me.role, 'viewStats') },
  ];
  return (
    <header class="topbar">
      <a class="skip" href="#main">
        {t('skipToContent')}
      </a>
      <div class="brand">
        <span class="logo" aria-hidden="true">
          ◆
        </span>{' '}
        {t('appName')}
      </div>
      <nav aria-label={t('appTagline')}>
        <ul>
          {links
            .filter((l) => l.show)
            .map((l) => (
              <li key={l.to}>
                <a href={href(l.to)} aria-current={path.startsWith(l.to) ? 'page' : undefined}>
                  {t(l.label)}
                </a>
              </li>
            ))}
          {can(me.role, 'administer') && (
            // bull-board, served by the API beside the console (src/api/plugins/queue-dashboard.ts)
            <li>
              <a href="/admin/queues" target="_blank" rel="noopener">
                {t('navQueueDashboard')}
              </a>
            </li>
          )}
        </ul>
      </nav>
      <div class="account">
        <label class="lang">
          <span class="sr-only">{t('language')}</span>
          <select value={lang} onChange={(e) => setLang((e.currentTarget.value as 'ko' | 'en') ?? 'ko')}>
            <option value="ko">한국어</option>
            <option value="en">English</option>
          </select>
        </label>
        {me.kind === 'user' ? (
          <a class="who" href={href('/account')} title={t('navAccount')}>
            {t('signedInAs', { label: me.label, role: t(`role_${me.role}`) })}
          </a>
        ) : (
          <span class="who">{t('signedInAs', { label: me.label, role: t(`role_${me.role}`) })}</span>
        )}
        <button type="button" class="secondary" onClick={signOut}>
          {t('signOut')}
        </button>
      </div>
    </header>
  );
}
