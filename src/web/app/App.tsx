import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiClient, currentSession, login, type Me } from './api.js';
import { I18nContext, initialLang, useI18n, storeLang, timeFormatter, translator, type I18n } from './i18n.js';
import { match, navigate, onLinkClick, useRoute } from './router.js';
import { can, forgetKey, SessionContext, storedKey, storeKey, type Session } from './session.js';
import type { Lang } from './strings.js';
import { Header } from './components/Header.js';
import { Loading } from './components/Notice.js';
import { SignIn } from './pages/SignIn.js';
import { QueuePage } from './pages/QueuePage.js';
import { ViolationPage } from './pages/ViolationPage.js';
import { CamerasPage } from './pages/CamerasPage.js';
import { CameraPage } from './pages/CameraPage.js';
import { FootagePage } from './pages/FootagePage.js';
import { DetectorViewPage } from './pages/DetectorViewPage.js';
import { AccountPage } from './pages/AccountPage.js';
import { KeysPage } from './pages/KeysPage.js';
import { UsersPage } from './pages/UsersPage.js';
import { StatsPage } from './pages/StatsPage.js';

export function App() {
  const [lang, setLangState] = useState<Lang>(initialLang);
  const i18n = useMemo<I18n>(
    () => ({
      lang,
      t: translator(lang),
      formatTime: timeFormatter(lang),
      setLang: (next) => {
        storeLang(next);
        setLangState(next);
      },
    }),
    [lang],
  );
  useEffect(() => storeLang(lang), [lang]);

  const [session, setSession] = useState<Session | null>(null);
  const [checking, setChecking] = useState(true);

  /** Forgets the session here (the server refused it, or it was ended). */
  const drop = () => {
    forgetKey();
    setSession(null);
    navigate('/', true);
  };

  const start = (api: ApiClient, me: Me) =>
    setSession({
      api,
      me,
      signOut: () => void (me.kind === 'user' ? api.logout().catch(() => undefined) : Promise.resolve()).then(drop),
    });

  const signInWithPassword = async (username: string, password: string): Promise<void> => {
    const api = new ApiClient({ csrfToken: await login(username, password) }, drop);
    start(api, await api.me());
  };

  const signInWithKey = async (key: string): Promise<void> => {
    const api = new ApiClient({ key }, drop);
    const me = await api.me();
    storeKey(key);
    start(api, me);
  };

  // a reload keeps the session: the cookie's, else the key this tab holds
  useEffect(() => {
    const resume = async () => {
      const me = await currentSession();
      if (me?.csrfToken) return start(new ApiClient({ csrfToken: me.csrfToken }, drop), me);
      const key = storedKey();
      if (key) await signInWithKey(key).catch(() => forgetKey());
    };
    void resume().finally(() => setChecking(false));
  }, []);

  return (
    <I18nContext.Provider value={i18n}>
      <div class="shell" onClick={onLinkClick}>
        {checking ? (
          <main id="main" class="main">
            <Loading />
          </main>
        ) : session ? (
          <SessionContext.Provider value={session}>
            <Header />
            <main id="main" class="main" tabIndex={-1}>
              <Routes me={session.me} />
            </main>
          </SessionContext.Provider>
        ) : (
          <SignIn onPasswordSignIn={signInWithPassword} onKeySignIn={signInWithKey} />
        )}
      </div>
    </I18nContext.Provider>
  );
}

function Routes({ me }: { me: Me }) {
  const path = useRoute();
  const home = can(me.role, 'review') ? '/queue' : '/cameras';
  useEffect(() => {
    if (path === '/') navigate(home, true);
  }, [path, home]);

  const reviewer = can(me.role, 'review');
  const ops = can(me.role, 'manageCameras');
  let p: Record<string, string> | null;
  if (reviewer && path === '/queue') return <QueuePage mode="queue" />;
  if (reviewer && path === '/second-review') return <QueuePage mode="second" />;
  if (can(me.role, 'readViolations') && (p = match('/violations/:id', path))) return <ViolationPage id={p.id!} />;
  if (ops && path === '/cameras') return <CamerasPage />;
  if (ops && (p = match('/cameras/:id', path))) return <CameraPage id={p.id!} />;
  if (ops && (p = match('/segments/:id/detector', path))) return <DetectorViewPage id={p.id!} />;
  if (can(me.role, 'manageFootage') && path === '/footage') return <FootagePage />;
  if (me.kind === 'user' && path === '/account') return <AccountPage />;
  if (can(me.role, 'administer') && path === '/admin/users') return <UsersPage />;
  if (can(me.role, 'administer') && path === '/admin/keys') return <KeysPage />;
  if (can(me.role, 'viewStats') && path === '/stats') return <StatsPage />;
  return <Forbidden />;
}

function Forbidden() {
  const { t } = useI18n();
  return (
    <p class="notice error" role="alert">
      {t('forbidden')}
    </p>
  );
}
