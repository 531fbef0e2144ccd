// Entry point: wires translations, navigation bar, router and views together.
import { createI18n } from './app/i18n.js';
import { createRouter } from './app/router.js';
import { focusHeading } from './app/dom.js';
import { localStorageOrNull } from './app/storage.js';
import { renderNav } from './views/nav.js';
import { homeView } from './views/home.js';
import { chatDmView, chatRoomView, chatSystemView, chatView } from './views/chat.js';
import { aboutView } from './views/about.js';
import { notFoundView } from './views/notfound.js';
import { playView } from './views/play.js';
import { tournamentView } from './views/tournament.js';
import { loginView } from './views/login.js';
import { registerView } from './views/register.js';
import { forgotPasswordView } from './views/forgotpassword.js';
import { resetPasswordView } from './views/resetpassword.js';
import { verifyEmailView } from './views/verifyemail.js';
import { settingsView } from './views/accountsettings.js';
import { profileView } from './views/profile.js';
import { friendsView } from './views/friends.js';
import { gameView } from './views/game.js';
import { createInviteCenter } from './views/invites.js';
import { gamesView } from './views/games.js';
import { adminView } from './views/admin.js';
import { profileByNameView } from './views/profile.js';
import { quickPlayBox } from './ui/quickplay.js';
import { createQuickPlay } from './services/queue.js';
import { ROOM_PATTERN } from './domain/chatrules.js';
import { USER_ID_PATTERN } from './domain/accountrules.js';
import { createSession } from './app/session.js';
import { appUrl, createLive } from './services/appsocket.js';
import { createChat } from './services/chat.js';
import { createChatApi } from './services/chatapi.js';

function start() {
  const i18n = createI18n({ storage: localStorageOrNull(window), languages: navigator.languages || [navigator.language] });
  const header = document.getElementById('site-header');
  const outlet = document.getElementById('app');
  const session = createSession();
  const live = createLive(session, { url: appUrl(window.location.host) });
  // The chat outlives the pages: conversations, unread counts, subscriptions (services/chat.js).
  const chat = createChat({ live, api: createChatApi((path, opts) => session.api(path, opts)) });
  const ctx = { i18n, session, live, chat, invites: null, navigate: (url, opts) => router.navigate(url, opts) };
  // Quick play belongs to the tab, not to a page: a match found opens its game anywhere.
  ctx.quickplay = createQuickPlay({
    api: (path, opts) => session.api(path, opts),
    live,
    loggedIn: () => session.state === 'in',
    onMatch: (gameId) => router.navigate(`/game/${gameId}`),
  });

  let nav = null;
  let queueArea = null;
  // Whether the user is an administrator (GET /api/admin/status at each login): the Admin link.
  let admin = false;
  let adminAsked = null;
  async function askAdmin(id) {
    adminAsked = id;
    let next = false;
    try {
      next = Boolean((await session.api('/api/admin/status'))?.admin);
    } catch { /* no link: the page itself says who may use it */ }
    if (adminAsked !== id || next === admin) return;
    admin = next;
    renderChrome();
    nav.setActive(router.path ?? '/');
  }
  function renderChrome() {
    document.documentElement.lang = i18n.lang;
    nav = renderNav(header, i18n, {
      session,
      admin,
      onLogout() {
        // Leave first: a page that needs a session would otherwise send us to /login.
        router.navigate('/');
        session.logout();
      },
    });
    nav.setUnread(chat.totalUnread);
    const noscript = document.querySelector('noscript');
    if (noscript) noscript.remove();
  }

  const router = createRouter({
    routes: [
      { path: '/', view: homeView },
      { path: '/chat', view: chatView },
      { path: '/chat/:room', params: { room: ROOM_PATTERN }, view: chatRoomView },
      { path: '/chat/dm/:id', params: { id: USER_ID_PATTERN }, view: chatDmView },
      { path: '/chat/system/pong', view: chatSystemView },
      { path: '/play', view: playView },
      { path: '/tournament', view: tournamentView },
      { path: '/about', view: aboutView },
      { path: '/login', view: loginView },
      { path: '/register', view: registerView },
      { path: '/forgot-password', view: forgotPasswordView },
      { path: '/reset-password', view: resetPasswordView },
      { path: '/verify-email', view: verifyEmailView },
      { path: '/settings', view: settingsView },
      { path: '/friends', view: friendsView },
      { path: '/users/:id', params: { id: USER_ID_PATTERN }, view: profileView },
      { path: '/game/:id', params: { id: USER_ID_PATTERN }, view: gameView },
      { path: '/games', view: gamesView },
      { path: '/admin', view: adminView },
      { path: '/profile/:name', params: { name: '[^/]{1,200}' }, view: profileByNameView },
    ],
    notFound: notFoundView,
    outlet,
    ctx,
    titleSuffix: () => i18n.t('app.titleSuffix'),
    onRoute(path, { focus }) {
      nav.setActive(path);
      outlet.dataset.route = path;
      queueArea?.classList.toggle('d-none', path === '/games' || path === '/');
      if (focus) focusHeading(outlet);
    },
  });

  // The account's language wins when someone logs in; switching the language while logged
  // in is remembered on the account (PATCH /api/users/me), best effort.
  let applyingAccountLanguage = false;
  let lastUserId = null;
  let lastShown = '';
  session.subscribe(({ state, user }) => {
    // A token refresh changes nothing on screen: keep the header (and its focus) as it is.
    const shown = JSON.stringify([state, user?.id ?? null, user?.display_name ?? null]);
    if (shown === lastShown) return;
    lastShown = shown;
    const id = user?.id ?? null;
    const arrived = id !== null && id !== lastUserId;
    lastUserId = id;
    if (id === null) {
      admin = false;
      adminAsked = null;
    } else if (arrived) {
      askAdmin(id);
    }
    if (arrived && user.language && user.language !== i18n.lang) {
      applyingAccountLanguage = true;
      try {
        if (i18n.setLanguage(user.language)) return;   // onChange re-rendered everything
      } finally {
        applyingAccountLanguage = false;
      }
    }
    renderChrome();
    nav.setActive(router.path ?? '/');
  });

  renderChrome();
  // Invitations to play: a notification area under the navigation bar, on every page.
  const inviteArea = document.createElement('div');
  inviteArea.id = 'invite-area';
  inviteArea.className = 'invite-area';
  inviteArea.setAttribute('role', 'region');
  header.after(inviteArea);
  const invites = createInviteCenter({ root: inviteArea, i18n, session, live, navigate: (url) => router.navigate(url) });
  ctx.invites = invites;   // the chat's invite cards answer through the same flow
  // The nav bar's unread badge follows the chat.
  chat.subscribe(() => nav.setUnread(chat.totalUnread));
  // Quick play's waiting bar (time waited, Cancel) on every page but /games and /, which have their own.
  queueArea = document.createElement('div');
  queueArea.id = 'queue-area';
  queueArea.className = 'queue-area container';
  inviteArea.after(queueArea);
  let queueBar = null;
  const drawQueueBar = () => {
    queueBar?.destroy();
    queueBar = quickPlayBox({ t: i18n.t, qp: ctx.quickplay, id: 'queuebar', compact: true });
    queueArea.replaceChildren(queueBar.element);
  };
  drawQueueBar();
  i18n.onChange((lang) => {
    renderChrome();
    invites.render();
    drawQueueBar();
    router.rerender();
    if (applyingAccountLanguage) return;
    document.getElementById('lang-select')?.focus();
    if (session.state === 'in' && session.user && session.user.language !== lang) {
      session.api('/api/users/me', { method: 'PATCH', json: { language: lang } })
        .then((user) => { if (user && typeof user === 'object') session.setUser(user); })
        .catch(() => { /* kept for this browser only */ });
    }
  });
  router.start();
  session.restore();
}

start();
