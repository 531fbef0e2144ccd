// Languages: default from the browser, switcher, persistence across reloads, live
// re-render of the chat room without dropping its (the app's one) socket, translated server errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  useServerAndBrowser, openPage, withScreenshots, eventually, waitHeading, openWebSockets,
} from './lib.mjs';
import { call } from '../integration/api-client.mjs';

// A low chat rate so a burst of messages gets a rate_limited error frame.
const ctx = useServerAndBrowser({ CHAT_RATE: '1', AUTH_RATE: '10000' });

const PASSWORD = 'correct horse battery staple';
let seq = 0;

/**
 * Chat rooms need an account: registers one through the API (its language `language`, so
 * logging in does not switch the page), opens `room` and logs in through the form it
 * redirects to. Returns the user.
 */
async function enterRoomLoggedIn(page, room, language) {
  seq += 1;
  const username = `i18n${process.pid % 1000}${seq}${Math.random().toString(36).slice(2, 5)}`;
  const res = await call(ctx.server, 'POST', '/api/auth/register', {
    body: { username, email: `${username}@example.org`, password: PASSWORD, language },
  });
  assert.equal(res.status, 201, res.text);
  await page.goto(`${ctx.server.base}/chat/${room}`);
  await page.waitForSelector('#login-username');
  await page.fill('#login-username', username);
  await page.fill('#login-password', PASSWORD);
  await page.click('#login-submit');
  await page.waitForSelector('#chat-status[data-state="connected"]');
  return res.json.user;
}

async function navTexts(page) {
  return page.locator('.navbar-nav .nav-link').allTextContents();
}

test('the default language comes from the browser, English otherwise', async (t) => {
  const cases = [
    ['fr-FR', 'fr', ['Accueil', 'Jouer', 'Tournoi', 'Discussion', 'À propos'], 'Du Pong en temps réel, dans votre navigateur', 'Accueil · Transcendence'],
    ['ru-RU', 'ru', ['Главная', 'Играть', 'Турнир', 'Чат', 'О проекте'], 'Понг в реальном времени прямо в браузере', 'Главная · Transcendence'],
    ['de-DE', 'en', ['Home', 'Play', 'Tournament', 'Chat', 'About'], 'Real-time Pong, in your browser', 'Home · Transcendence'],
  ];
  for (const [locale, lang, nav, title, docTitle] of cases) {
    const { context, page, problems } = await openPage(ctx.browser, { locale });
    await withScreenshots(t, async (track) => {
      track(page);
      await page.goto(`${ctx.server.base}/`);
      await waitHeading(page, title);
      assert.deepEqual(await navTexts(page), nav, locale);
      assert.equal(await page.getAttribute('html', 'lang'), lang);
      assert.equal(await page.inputValue('#lang-select'), lang);
      assert.equal(await page.title(), docTitle);
      assert.deepEqual(problems, []);
    });
    await context.close();
  }
});

test('switching language re-renders without reload and is remembered', async (t) => {
  const { context, page, problems } = await openPage(ctx.browser, { locale: 'en-US' });
  await withScreenshots(t, async (track) => {
    track(page);
    await page.goto(`${ctx.server.base}/chat`);
    await waitHeading(page, 'Chat rooms');
    await page.evaluate(() => { window.__marker = 1; });
    await page.fill('#room-name', 'typed');

    await page.selectOption('#lang-select', 'fr');
    await waitHeading(page, 'Salons de discussion');
    assert.deepEqual(await navTexts(page), ['Accueil', 'Jouer', 'Tournoi', 'Discussion', 'À propos']);
    assert.equal(await page.getAttribute('html', 'lang'), 'fr');
    assert.equal(await page.title(), 'Discussion · Transcendence');
    assert.equal(await page.getAttribute('#room-name', 'placeholder'), 'par ex. general');
    assert.equal(await page.textContent('label[for="room-name"]'), 'Nom du salon');
    assert.equal(await page.inputValue('#room-name'), 'typed', 'typed text survives the switch');
    assert.equal(await page.evaluate(() => window.__marker), 1, 'switching reloaded the page');
    assert.equal(await page.evaluate(() => localStorage.getItem('lang')), 'fr');

    // Validation errors are translated too.
    await page.fill('#room-name', 'bad name');
    await page.press('#room-name', 'Enter');
    await page.waitForSelector('#room-name.is-invalid');
    assert.equal(await page.textContent('#room-error'), 'Un nom de salon comporte de 1 à 64 lettres, chiffres, « _ » ou « - ».');

    await page.reload();
    await waitHeading(page, 'Salons de discussion');
    assert.equal(await page.getAttribute('html', 'lang'), 'fr');

    await page.selectOption('#lang-select', 'ru');
    await waitHeading(page, 'Комнаты чата');
    assert.deepEqual(await navTexts(page), ['Главная', 'Играть', 'Турнир', 'Чат', 'О проекте']);
    assert.equal(await page.getAttribute('.navbar-toggler', 'aria-label'), 'Показать или скрыть меню');
    await page.click('#nav-home');
    await waitHeading(page, 'Понг в реальном времени прямо в браузере');
    await page.reload();
    await waitHeading(page, 'Понг в реальном времени прямо в браузере');
    assert.equal(await page.getAttribute('html', 'lang'), 'ru');
    await page.goto(`${ctx.server.base}/nowhere`);
    await waitHeading(page, 'Страница не найдена');
    assert.deepEqual(problems, []);
  });
  await context.close();
});

test('switching language in a chat room keeps the socket and the messages', async (t) => {
  const { context, page, problems } = await openPage(ctx.browser, { locale: 'en-US' });
  await withScreenshots(t, async (track) => {
    track(page);
    await eventually(async () => (await openWebSockets(ctx.server.base)) === 0, { message: 'no sockets before' });
    const me = await enterRoomLoggedIn(page, 'polyglot', 'en');
    // The tab's one socket: the chat rides the app socket /ws/.
    await eventually(async () => (await openWebSockets(ctx.server.base)) === 1, { message: 'one socket' });
    await page.fill('#chat-input', 'bonjour');
    await page.press('#chat-input', 'Enter');
    await page.waitForSelector('#chat-log li');
    await page.fill('#chat-input', 'draft text');

    await page.selectOption('#lang-select', 'ru');
    await waitHeading(page, 'Комната polyglot');
    assert.equal(await page.textContent('#chat-status'), 'Подключено');
    assert.equal(await page.getAttribute('#chat-input', 'placeholder'), 'Напишите сообщение…');
    assert.equal(await page.getAttribute('#chat-log', 'aria-label'), 'Сообщения');
    assert.equal(await page.textContent('#chat-send'), 'Отправить');
    assert.equal(await page.inputValue('#chat-input'), 'draft text');
    assert.deepEqual(await page.locator('#chat-log .chat-text').allTextContents(), ['bonjour']);
    // The sender's name stays as it is; the "you" mark is translated.
    assert.equal(await page.textContent('#chat-log .chat-author-name'), me.display_name);
    assert.equal(await page.textContent('#chat-log .chat-you'), 'вы');
    assert.equal(await page.title(), 'Комната polyglot · Transcendence');
    assert.equal(await openWebSockets(ctx.server.base), 1, 'the switch must not open another socket');
    assert.deepEqual(problems, []);
  });
  await context.close();
});

test('server error frames are shown translated', async (t) => {
  const { context, page, problems } = await openPage(ctx.browser, { locale: 'fr-FR' });
  await withScreenshots(t, async (track) => {
    track(page);
    await enterRoomLoggedIn(page, 'flood', 'fr');
    await waitHeading(page, 'Salon flood');
    // CHAT_RATE=1 with a burst of 2: a quick series gets refused at some point.
    for (let i = 0; i < 8; i += 1) {
      await page.fill('#chat-input', `flood ${i}`);
      await page.press('#chat-input', 'Enter');
    }
    await page.waitForSelector('#chat-error[data-code="rate_limited"]:not([hidden])');
    assert.equal(await page.textContent('#chat-error span'), 'Vous envoyez des messages trop vite. Attendez un instant et réessayez.');

    // The shown error follows a language switch.
    await page.selectOption('#lang-select', 'en');
    await waitHeading(page, 'Room flood');
    assert.equal(await page.textContent('#chat-error span'), 'You are sending messages too fast. Wait a moment and try again.');
    await page.click('#chat-error .btn-close');
    await page.waitForSelector('#chat-error', { state: 'hidden' });
    assert.deepEqual(problems, []);
  });
  await context.close();
});
