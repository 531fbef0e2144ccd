// Entry point: wires translations, navigation bar, router and views together.
import { createI18n } from './i18n.js';
import { createRouter } from './router.js';
import { focusHeading } from './dom.js';
import { renderNav } from './views/nav.js';
import { homeView } from './views/home.js';
import { chatView } from './views/chat.js';
import { chatRoomView } from './views/chatroom.js';
import { aboutView } from './views/about.js';
import { notFoundView } from './views/notfound.js';
import { playView } from './views/play.js';
import { tournamentView } from './views/tournament.js';
import { ROOM_PATTERN } from './chatrules.js';

function storage() {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

function start() {
  const i18n = createI18n({ storage: storage(), languages: navigator.languages || [navigator.language] });
  const header = document.getElementById('site-header');
  const outlet = document.getElementById('app');
  const ctx = { i18n, navigate: (url, opts) => router.navigate(url, opts) };

  let nav = null;
  function renderChrome() {
    document.documentElement.lang = i18n.lang;
    nav = renderNav(header, i18n);
    const noscript = document.querySelector('noscript');
    if (noscript) noscript.remove();
  }

  const router = createRouter({
    routes: [
      { path: '/', view: homeView },
      { path: '/chat', view: chatView },
      { path: '/chat/:room', params: { room: ROOM_PATTERN }, view: chatRoomView },
      { path: '/play', view: playView },
      { path: '/tournament', view: tournamentView },
      { path: '/about', view: aboutView },
    ],
    notFound: notFoundView,
    outlet,
    ctx,
    titleSuffix: () => i18n.t('app.titleSuffix'),
    onRoute(path, { focus }) {
      nav.setActive(path);
      outlet.dataset.route = path;
      if (focus) focusHeading(outlet);
    },
  });

  renderChrome();
  i18n.onChange(() => {
    renderChrome();
    router.rerender();
    document.getElementById('lang-select')?.focus();
  });
  router.start();
}

start();
