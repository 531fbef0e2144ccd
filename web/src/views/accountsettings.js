// Account settings: avatar, display name, email, password, language, privacy (who sees my presence), security (the second
// factor: ui/twofacard.js), sessions, export, delete. Each part is its own form with its own
// errors; PATCH /api/users/me answers with the updated user, which the session (and so the
// navigation bar) takes over.
import { h } from '../app/dom.js';
import { SUPPORTED } from '../app/i18n.js';
import {
  AVATAR_MAX_BYTES, AVATAR_TYPES, DISPLAY_MAX, EMAIL_MAX, PASSWORD_MIN, avatarProblem, cleanDisplayName,
  describeUserAgent, fieldErrorText, formatBytes, problemText,
} from '../domain/accountrules.js';
import { createEmailApi } from '../services/emailapi.js';
import { createTwofaApi } from '../services/twofaapi.js';
import { alertBox, formErrors, inputField, setBusy } from '../ui/forms.js';
import { createEmailNotice } from '../ui/emailnotice.js';
import { createTwofaCard } from '../ui/twofacard.js';
import { readReturn } from '../domain/oauth42.js';
import { createOauth42Api } from '../services/oauth42api.js';
import { createOauthCard } from '../ui/oauth42.js';
import { loadingBlock, requireLogin } from '../ui/page.js';
import { avatarImg } from '../ui/user.js';

// Form name → its input names, in order (drafts survive a re-render).
const FORMS = {
  profile: ['display_name'],
  email: ['email', 'current_password'],
  password: ['new_password', 'confirm', 'current_password'],
  language: ['language'],
  privacy: ['presence_visibility'],
  delete: ['password'],
};

function settingsInner({ ctx, deps = {} }) {
  const { i18n, session } = ctx;
  const { t } = i18n;
  const win = deps.window ?? window;
  const URL_ = deps.URL ?? win.URL;

  const drafts = {};
  for (const [form, names] of Object.entries(FORMS)) drafts[form] = Object.fromEntries(names.map((n) => [n, '']));
  const user = () => session.user ?? {};
  // Filled from the account on the first render (the session may still be loading now).
  let filled = false;
  let languageTouched = false;
  function fillDrafts() {
    if (filled || !session.user) return;
    filled = true;
    drafts.profile.display_name = user().display_name ?? '';
    drafts.email.email = user().email ?? '';
    drafts.language.language = user().language ?? i18n.lang;
    drafts.privacy.presence_visibility = user().presence_visibility ?? 'everyone';
  }

  // Per form: { error, done: i18n key of the success message, busy }.
  const status = Object.fromEntries([...Object.keys(FORMS), 'avatar', 'sessions', 'export'].map((f) => [f, { error: null, done: null, busy: false }]));
  const avatar = { file: null, previewUrl: null, problem: null, info: '' };
  let sessions = null;           // [{ id, created_at, last_used_at, user_agent, address }] once loaded
  let sessionsLoading = false;
  let destroyed = false;
  let ui = null;
  let offSession = null;
  // Settings → Security keeps its state across renders (recovery codes are shown once).
  let twofa = null;
  // Settings → Email: confirmed or not, "send the link again" (ui/emailnotice.js).
  let emailNotice = null;
  function emailNoticeElement() {
    if (!emailNotice) {
      const twofaApi = createTwofaApi(session.api);
      const emailApi = createEmailApi(session.api);
      emailNotice = createEmailNotice({ t, status: () => twofaApi.status(), resend: () => emailApi.resend() });
      emailNotice.load();
    } else emailNotice.draw();
    return emailNotice.element;
  }
  function twofaCard() {
    if (!twofa) {
      twofa = createTwofaCard({
        t,
        api: createTwofaApi(session.api),
        user: () => session.user,
        clipboard: win.navigator?.clipboard ?? null,
        onChanged: () => { if (!destroyed) loadSessions(); },   // the other sessions ended
      });
      twofa.load();
    } else twofa.draw();
    return twofa.element;
  }

  // Settings → 42 account: link, unlink (only with a password). Back from the provider the page
  // says how the link went (?oauth42=linked, ?oauth_error=…); the address keeps none of it.
  let oauth42 = null;
  function oauthCard() {
    if (!oauth42) {
      const returned = readReturn(win.location.search, '', Date.now());
      if (returned.error || returned.notice) win.history?.replaceState?.(win.history.state, '', win.location.pathname);
      oauth42 = createOauthCard({ t, api: createOauth42Api(session.api), win, returned, onChanged: () => { if (!destroyed) loadSessions(); } });
      oauth42.load();
    } else oauth42.draw();
    return oauth42.element;
  }

  // ---- helpers ----

  function formatDate(ms) {
    if (typeof ms !== 'number' || !Number.isFinite(ms)) return '';
    return new Intl.DateTimeFormat(i18n.lang, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(ms));
  }

  function showStatus(name) {
    if (name === 'avatar') {
      updateAvatar();
      return;
    }
    const part = ui?.[name];
    if (!part) return;
    const s = status[name];
    if (part.errors) part.errors.show(s.error, { focus: false });
    else if (part.alert) {
      part.alert.textContent = s.error ? problemText(t, s.error) : '';
      part.alert.hidden = !s.error;
    }
    if (part.done) {
      part.done.textContent = s.done ? t(s.done) : '';
      part.done.hidden = !s.done;
    }
    setBusy(part.submit, s.busy);
  }

  /** Runs `fn` for form `name` with busy/error/success handling. */
  async function run(name, fn, doneKey = 'account.settings.saved') {
    const s = status[name];
    if (s.busy) return false;
    s.busy = true;
    s.error = null;
    s.done = null;
    showStatus(name);
    let ok = false;
    try {
      await fn();
      s.done = doneKey;
      ok = true;
    } catch (err) {
      s.error = err;
    } finally {
      s.busy = false;
    }
    if (destroyed) return ok;
    showStatus(name);
    if (!ok && ui?.[name]?.errors) ui[name].errors.show(s.error);   // focus the first invalid field
    return ok;
  }

  async function patch(body) {
    const updated = await session.api('/api/users/me', { method: 'PATCH', json: body });
    if (updated && typeof updated === 'object') session.setUser(updated);
    return updated;
  }

  // ---- actions ----

  function saveProfile() {
    const display = cleanDisplayName(drafts.profile.display_name);
    return run('profile', async () => {
      await patch({ display_name: display });
      drafts.profile.display_name = session.user?.display_name ?? display;
      if (ui) ui.profile.fields.display_name.input.value = drafts.profile.display_name;
    });
  }

  function saveEmail() {
    const d = drafts.email;
    return run('email', async () => {
      await patch({ email: d.email.trim(), current_password: d.current_password });
      d.current_password = '';
      if (ui) ui.email.fields.current_password.input.value = '';
      emailNotice?.load();   // a new address is not confirmed yet (its link is on its way)
      twofa?.load();
    });
  }

  async function savePassword() {
    const d = drafts.password;
    if (d.new_password !== d.confirm) {
      status.password.error = { fields: { confirm: 'mismatch' } };
      status.password.done = null;
      showStatus('password');
      ui.password.errors.show(status.password.error);
      return;
    }
    await run('password', async () => {
      // an account made by Log in with 42 sets its first password without a current one
      await patch(d.current_password === '' ? { password: d.new_password } : { password: d.new_password, current_password: d.current_password });
      d.new_password = d.confirm = d.current_password = '';
      if (ui) for (const f of Object.values(ui.password.fields)) f.input.value = '';
      oauth42?.load();   // it may have had no password: unlinking 42 is allowed now
    });
  }

  async function saveLanguage() {
    const lang = drafts.language.language;
    const ok = await run('language', () => patch({ language: lang }));
    if (ok) languageTouched = false;
    // Switching re-renders every view, this one included (its drafts and status survive).
    if (ok) i18n.setLanguage(lang);
  }

  function savePrivacy() {
    return run('privacy', () => patch({ presence_visibility: drafts.privacy.presence_visibility }));
  }

  /** A select field of `form` for `name` with the given values (labels: `${labelPrefix}.${value}`). */
  function selectField(form, name, values, labelPrefix, label) {
    const id = `${form}-${name.replaceAll('_', '-')}`;
    const input = h('select', {
      class: 'form-select', id, name, 'aria-describedby': `${id}-error`,
      onchange: (e) => { drafts[form][name] = e.target.value; },
    }, values.map((v) => h('option', { value: v, selected: v === drafts[form][name] }, t(`${labelPrefix}.${v}`))));
    const f = { input, feedback: h('div', { class: 'invalid-feedback', id: `${id}-error` }) };
    f.group = h('div', { class: 'mb-3' }, h('label', { class: 'form-label', for: id }, label), input, f.feedback);
    return f;
  }

  function chooseAvatar(file) {
    if (avatar.previewUrl) URL_.revokeObjectURL(avatar.previewUrl);
    avatar.previewUrl = null;
    avatar.file = null;
    avatar.problem = null;
    avatar.info = '';
    status.avatar.error = null;
    status.avatar.done = null;
    if (file) {
      avatar.problem = avatarProblem(file);
      avatar.info = `${file.name} · ${formatBytes(file.size, i18n.lang)}`;
      if (!avatar.problem) {
        avatar.file = file;
        avatar.previewUrl = URL_.createObjectURL(file);
      }
    }
    updateAvatar();
  }

  function uploadAvatar() {
    if (!avatar.file) return;
    return run('avatar', async () => {
      const res = await session.api('/api/users/me/avatar', {
        method: 'PUT',
        body: avatar.file,
        headers: { 'Content-Type': avatar.file.type },
      });
      if (res?.avatar_url) session.setUser({ avatar_url: res.avatar_url });
      chooseAvatar(null);
      if (ui) ui.avatar.input.value = '';
    }, 'account.settings.avatar.uploaded');
  }

  function removeAvatar() {
    return run('avatar', async () => {
      await session.api('/api/users/me/avatar', { method: 'DELETE' });
      // The default avatar has its own address (a new version): ask for it.
      const me = await session.api('/api/users/me');
      if (me?.avatar_url) session.setUser({ avatar_url: me.avatar_url });
    }, 'account.settings.avatar.removed');
  }

  async function loadSessions() {
    sessionsLoading = true;
    updateSessions();
    try {
      const res = await session.api('/api/auth/sessions');
      sessions = Array.isArray(res?.sessions) ? res.sessions : [];
      status.sessions.error = null;
    } catch (err) {
      status.sessions.error = err;
    } finally {
      sessionsLoading = false;
    }
    if (!destroyed) updateSessions();
  }

  async function revokeSession(id, button) {
    setBusy(button, true);
    try {
      await session.api(`/api/auth/sessions/${encodeURIComponent(id)}`, { method: 'DELETE' });
      status.sessions.error = null;
      status.sessions.done = 'account.settings.sessions.revoked';
    } catch (err) {
      status.sessions.error = err;
      status.sessions.done = null;
    }
    if (!destroyed) await loadSessions();
  }

  function logoutEverywhere() {
    // Once done the session is over here too: the login gate takes this page to /login.
    return run('sessions', () => session.logoutAll(), null);
  }

  function exportData() {
    return run('export', async () => {
      const res = await session.api('/api/users/me/export', { raw: true });
      const blob = await res.blob();
      const disposition = res.headers.get('content-disposition') ?? '';
      const named = /filename="?([^";]+)"?/i.exec(disposition)?.[1];
      const filename = named && /^[\w.-]+$/.test(named) ? named : `transcendence-${user().username ?? 'account'}.json`;
      const href = URL_.createObjectURL(blob);
      const a = h('a', { href, download: filename, hidden: true });
      win.document.body.append(a);
      a.click();
      a.remove();
      win.setTimeout(() => URL_.revokeObjectURL(href), 60_000);
    }, 'account.settings.export.done');
  }

  function deleteAccount() {
    return run('delete', async () => {
      // an account made by Log in with 42 without a password yet deletes without one
      const pw = drafts.delete.password;
      await session.api('/api/users/me', { method: 'DELETE', json: pw === '' ? {} : { password: pw } });
      drafts.delete.password = '';
      ctx.navigate('/', { replace: true });   // leave first: this page needs a session
      session.ended();
    }, null);
  }

  // ---- rendering ----

  function field(form, name, opts) {
    return inputField({
      id: `${form}-${name.replace(/_/g, '-')}`,
      name,
      value: drafts[form][name],
      onInput: (v) => { drafts[form][name] = v; },
      ...opts,
    });
  }

  function card(id, title, intro, ...body) {
    return h('section', { class: 'card shadow-sm mb-4', id, 'aria-labelledby': `${id}-title` },
      h('div', { class: 'card-body p-4' },
        h('h2', { class: 'h5 card-title', id: `${id}-title` }, title),
        intro ? h('p', { class: 'text-body-secondary small' }, intro) : null,
        ...body));
  }

  function doneBox(id) {
    return alertBox(id, 'success');
  }

  function simpleForm(name, fields, submitLabel, submitClass, onSubmit, extra = {}) {
    const alert = alertBox(`${name}-error`);
    const done = doneBox(`${name}-done`);
    const submit = h('button', { class: `btn ${submitClass}`, type: 'submit', id: `${name}-submit` }, submitLabel);
    const form = h('form', { id: `form-${name}`, novalidate: true, onsubmit: (e) => { e.preventDefault(); onSubmit(); } },
      alert, done, Object.values(fields).map((f) => f.group), submit);
    ui[name] = { fields, alert, done, submit, errors: formErrors(t, { fields, alert, aliases: extra.aliases ?? {} }) };
    return form;
  }

  function avatarSection() {
    const current = avatarImg(session.user, 96, 'settings-avatar');
    current.id = 'settings-avatar';
    current.loading = 'eager';
    const input = h('input', {
      class: 'form-control',
      type: 'file',
      id: 'avatar-file',
      name: 'avatar',
      accept: AVATAR_TYPES.join(','),
      'aria-describedby': 'avatar-help avatar-file-error',
      onchange: (e) => chooseAvatar(e.target.files?.[0] ?? null),
    });
    const preview = h('img', { class: 'avatar rounded-circle avatar-preview', id: 'avatar-preview', alt: t('account.settings.avatar.previewAlt'), width: '96', height: '96', hidden: true });
    const feedback = h('div', { class: 'invalid-feedback', id: 'avatar-file-error' });
    const info = h('div', { class: 'small text-body-secondary text-break', id: 'avatar-info' });
    const upload = h('button', { class: 'btn btn-primary', type: 'button', id: 'avatar-upload', onclick: uploadAvatar }, t('account.settings.avatar.upload'));
    const remove = h('button', { class: 'btn btn-outline-secondary', type: 'button', id: 'avatar-remove', onclick: removeAvatar }, t('account.settings.avatar.remove'));
    const alert = alertBox('avatar-error');
    const done = doneBox('avatar-done');
    preview.addEventListener('error', () => {
      // The browser cannot show it either: most likely not an image at all.
      if (avatar.file && preview.getAttribute('src') === avatar.previewUrl) {
        avatar.file = null;
        avatar.problem = 'undecodable';
        updateAvatar();
      }
    });
    ui.avatar = { current, input, preview, feedback, info, upload, remove, alert, done, submit: upload };
    return h('div', { class: 'd-flex flex-column flex-sm-row gap-4 align-items-sm-start' },
      h('div', { class: 'd-flex gap-3 align-items-center' },
        h('figure', { class: 'text-center mb-0' }, current, h('figcaption', { class: 'small text-body-secondary mt-1' }, t('account.settings.avatar.current'))),
        h('figure', { class: 'text-center mb-0', id: 'avatar-preview-figure', hidden: true }, preview,
          h('figcaption', { class: 'small text-body-secondary mt-1' }, t('account.settings.avatar.preview')))),
      h('div', { class: 'flex-grow-1' },
        alert,
        done,
        h('label', { class: 'form-label', for: 'avatar-file' }, t('account.settings.avatar.choose')),
        input,
        feedback,
        h('div', { class: 'form-text', id: 'avatar-help' },
          t('account.settings.avatar.help', { max: formatBytes(AVATAR_MAX_BYTES, i18n.lang) })),
        info,
        h('div', { class: 'd-flex flex-wrap gap-2 mt-3' }, upload, remove)));
  }

  function updateAvatar() {
    if (!ui) return;
    const a = ui.avatar;
    a.preview.hidden = !avatar.previewUrl;
    a.preview.parentElement.hidden = !avatar.previewUrl;
    if (avatar.previewUrl) a.preview.src = avatar.previewUrl;
    else a.preview.removeAttribute('src');
    const bad = Boolean(avatar.problem && avatar.problem !== 'empty');
    a.input.classList.toggle('is-invalid', bad);
    a.input.setAttribute('aria-invalid', String(bad));
    a.feedback.textContent = bad ? fieldErrorText(t, 'avatar', avatar.problem, { max: formatBytes(AVATAR_MAX_BYTES, i18n.lang) }) : '';
    a.info.textContent = avatar.info;
    a.upload.disabled = !avatar.file || status.avatar.busy;
    const src = session.user?.avatar_url;
    if (src && a.current.getAttribute('src') !== src) a.current.src = src;
    // A server refusal of the file (unsupported_format, too_big…) shows on the file input.
    const err = status.avatar.error;
    const code = err?.fields?.avatar ?? err?.code;
    const fileError = err && ['unsupported_format', 'too_many_pixels', 'undecodable', 'too_big', 'payload_too_large'].includes(code);
    if (fileError) {
      a.input.classList.add('is-invalid');
      a.input.setAttribute('aria-invalid', 'true');
      a.feedback.textContent = fieldErrorText(t, 'avatar', code === 'payload_too_large' ? 'too_big' : code, { max: formatBytes(AVATAR_MAX_BYTES, i18n.lang) });
      a.alert.hidden = true;
    } else {
      a.alert.textContent = err ? problemText(t, err) : '';
      a.alert.hidden = !err;
    }
    a.done.textContent = status.avatar.done ? t(status.avatar.done) : '';
    a.done.hidden = !status.avatar.done;
    setBusy(a.upload, status.avatar.busy);
    if (!status.avatar.busy) a.upload.disabled = !avatar.file;
  }

  function sessionsSection() {
    const list = h('ul', { class: 'list-group mb-3', id: 'sessions-list', 'aria-live': 'polite' });
    const alert = alertBox('sessions-error');
    const done = doneBox('sessions-done');
    const logoutAll = h('button', { class: 'btn btn-outline-danger', type: 'button', id: 'logout-all', onclick: logoutEverywhere }, t('account.settings.sessions.logoutAll'));
    const reload = h('button', { class: 'btn btn-outline-secondary', type: 'button', id: 'sessions-reload', onclick: loadSessions }, t('account.settings.sessions.reload'));
    ui.sessions = { list, alert, done, submit: logoutAll };
    return [alert, done, list, h('div', { class: 'd-flex flex-wrap gap-2' }, logoutAll, reload)];
  }

  function updateSessions() {
    if (!ui) return;
    const { list } = ui.sessions;
    showStatus('sessions');
    if (sessions === null) {
      list.replaceChildren(h('li', { class: 'list-group-item' }, loadingBlock(t)));
      return;
    }
    if (sessions.length === 0) {
      list.replaceChildren(h('li', { class: 'list-group-item text-body-secondary' }, t('account.settings.sessions.none')));
      return;
    }
    list.replaceChildren(...sessions.map((s) => {
      // this browser's own session ends with "Log out", not here: ending it really ends it
      // (its access token and sockets too), which would log this page out mid-list
      let revoke = null;
      if (!s.current) {
        revoke = h('button', { class: 'btn btn-sm btn-outline-danger session-revoke', type: 'button' }, t('account.settings.sessions.revoke'));
        revoke.addEventListener('click', () => revokeSession(s.id, revoke));
      }
      return h('li', { class: 'list-group-item d-flex flex-wrap align-items-center gap-2', 'data-session-id': String(s.id), ...(s.current ? { 'data-current': '' } : {}) },
        h('div', { class: 'flex-grow-1 min-w-0' },
          h('div', { class: 'fw-semibold text-break' }, describeUserAgent(s.user_agent) || t('account.settings.sessions.unknownDevice'),
            s.current ? h('span', { class: 'badge text-bg-success ms-2' }, t('account.settings.sessions.current')) : null),
          h('div', { class: 'small text-body-secondary' },
            t('account.settings.sessions.detail', { address: s.address || '?', created: formatDate(s.created_at), used: formatDate(s.last_used_at) }))),
        revoke);
    }));
    if (sessionsLoading) list.setAttribute('aria-busy', 'true');
    else list.removeAttribute('aria-busy');
  }

  return {
    title: () => t('account.settings.title'),
    render(root) {
      fillDrafts();
      // Until changed here, the language field shows the language in use (the navigation
      // bar's switcher changes it too).
      if (!languageTouched) drafts.language.language = i18n.lang;
      ui = {};
      if (!offSession) offSession = session.subscribe(() => { if (ui?.avatar) updateAvatar(); });
      const u = session.user ?? {};
      const languageSelect = h('select', {
        class: 'form-select',
        id: 'language-language',
        name: 'language',
        'aria-describedby': 'language-language-error',
        onchange: (e) => { drafts.language.language = e.target.value; languageTouched = true; },
      }, SUPPORTED.map((code) => h('option', { value: code, lang: code, selected: code === drafts.language.language }, t(`language.${code}`))));
      const languageField = {
        input: languageSelect,
        feedback: h('div', { class: 'invalid-feedback', id: 'language-language-error' }),
      };
      languageField.group = h('div', { class: 'mb-3' },
        h('label', { class: 'form-label', for: 'language-language' }, t('account.field.language')),
        languageSelect, languageField.feedback);

      root.replaceChildren(
        h('div', { 'data-view': 'settings', class: 'settings-page' },
          h('div', { class: 'mb-4' },
            h('h1', { class: 'h3' }, t('account.settings.heading')),
            h('p', { class: 'text-body-secondary mb-0' },
              t('account.settings.signedInAs'), ' ',
              h('strong', { id: 'settings-username' }, u.username ?? ''),
              ' · ',
              h('a', { href: `/users/${u.id}`, id: 'settings-profile-link' }, t('account.settings.viewProfile')))),
          h('div', { class: 'row g-4' },
            h('div', { class: 'col-lg-7' },
              card('settings-profile', t('account.settings.profile.heading'), null,
                avatarSection(),
                h('hr', { class: 'my-4' }),
                simpleForm('profile', {
                  display_name: field('profile', 'display_name', {
                    label: t('account.field.display_name'), autocomplete: 'nickname',
                    help: t('account.settings.displayName.help', { max: DISPLAY_MAX }), attrs: { maxlength: String(DISPLAY_MAX * 2) },
                  }),
                }, t('account.settings.save'), 'btn-primary', saveProfile)),
              card('settings-email', t('account.settings.email.heading'), t('account.settings.email.intro'),
                emailNoticeElement(),
                simpleForm('email', {
                  email: field('email', 'email', { label: t('account.field.email'), type: 'email', autocomplete: 'email', attrs: { maxlength: String(EMAIL_MAX) } }),
                  current_password: field('email', 'current_password', { label: t('account.field.current_password'), type: 'password', autocomplete: 'current-password' }),
                }, t('account.settings.email.submit'), 'btn-primary', saveEmail)),
              card('settings-password', t('account.settings.password.heading'), null,
                simpleForm('password', {
                  new_password: field('password', 'new_password', {
                    label: t('account.field.new_password'), type: 'password', autocomplete: 'new-password',
                    help: t('register.password.help', { min: PASSWORD_MIN }),
                  }),
                  confirm: field('password', 'confirm', { label: t('account.field.confirm'), type: 'password', autocomplete: 'new-password' }),
                  current_password: field('password', 'current_password', {
                    label: t('account.field.current_password'), type: 'password', autocomplete: 'current-password',
                    help: oauth42?.hasPassword() === false ? t('oauth42.password.noCurrent') : null,
                  }),
                }, t('account.settings.password.submit'), 'btn-primary', savePassword, { aliases: { password: 'new_password' } })),
              card('settings-language', t('account.settings.language.heading'), t('account.settings.language.intro'),
                simpleForm('language', { language: languageField }, t('account.settings.save'), 'btn-primary', saveLanguage)),
              card('settings-privacy', t('account.settings.privacy.heading'), t('account.settings.privacy.intro'),
                simpleForm('privacy', {
                  presence_visibility: selectField('privacy', 'presence_visibility', ['everyone', 'friends'], 'account.presence',
                    t('account.field.presence_visibility')),
                }, t('account.settings.save'), 'btn-primary', savePrivacy))),
            h('div', { class: 'col-lg-5' },
              twofaCard(),
              oauthCard(),
              card('settings-sessions', t('account.settings.sessions.heading'), t('account.settings.sessions.intro'), ...sessionsSection()),
              card('settings-data', t('account.settings.export.heading'), t('account.settings.export.intro'),
                (() => {
                  const alert = alertBox('export-error');
                  const done = doneBox('export-done');
                  const submit = h('button', { class: 'btn btn-outline-primary', type: 'button', id: 'export-data', onclick: exportData }, t('account.settings.export.submit'));
                  ui.export = { alert, done, submit };
                  return h('div', {}, alert, done, submit);
                })()),
              card('settings-delete', t('account.settings.delete.heading'), t('account.settings.delete.intro'),
                simpleForm('delete', {
                  password: field('delete', 'password', { label: t('account.settings.delete.password'), type: 'password', autocomplete: 'current-password' }),
                }, t('account.settings.delete.submit'), 'btn-danger', deleteAccount, { aliases: { current_password: 'password' } }))))),
      );
      ui.sessions.list.closest('section').classList.add('settings-sessions');
      ui.delete.submit.closest('section').classList.add('border-danger-subtle');
      for (const name of ['profile', 'email', 'password', 'language', 'privacy', 'delete', 'export']) showStatus(name);
      updateAvatar();
      updateSessions();
      if (sessions === null && !sessionsLoading) loadSessions();
    },
    destroy() {
      destroyed = true;
      if (offSession) offSession();
      twofa?.destroy();
      oauth42?.destroy();
      if (avatar.previewUrl) URL_.revokeObjectURL(avatar.previewUrl);
      avatar.previewUrl = null;
      ui = null;
    },
  };
}

/** View factory (see router.js): /settings, for logged-in users. */
export const settingsView = requireLogin(settingsInner);
