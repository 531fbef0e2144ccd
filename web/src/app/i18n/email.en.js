// en strings of the mailed links: "Forgot password?", the reset page, the address confirmation page,
// Settings → Email's confirmation notice (merged by i18n.js).
export default {
  'email.login.forgot': 'Forgot your password?',
  'email.backToLogin': 'Back to the login',

  'email.forgot.title': 'Forgot password',
  'email.forgot.heading': 'Reset your password',
  'email.forgot.intro': 'Enter your account\'s email address. If it is a confirmed address of an account, we mail it a link to choose a new password.',
  'email.forgot.submit': 'Send the link',
  'email.forgot.sent': 'If an account has the confirmed address {email}, a link is on its way to it. It works once, within 30 minutes.',

  'email.reset.title': 'New password',
  'email.reset.heading': 'Choose a new password',
  'email.reset.intro': 'Every session of your account will end: log in again afterwards, with your second factor if it is on.',
  'email.reset.submit': 'Set the password',
  'email.reset.done': 'Your password is changed and every session of your account has ended. Log in with the new password.',
  'email.reset.toLogin': 'Log in',
  'email.reset.askAgain': 'Ask for a new link',

  'email.verify.title': 'Confirm your address',
  'email.verify.heading': 'Confirm your email address',
  'email.verify.done': 'Thank you: your address is confirmed.',
  'email.verify.askAgain': 'Logged in, you can have a new link sent from Settings → Email address.',
  'email.verify.toSettings': 'Go to the settings',

  'email.settings.unverified': 'Your address is not confirmed yet: open the link we mailed to it. Until then it cannot receive sign-in codes or password resets.',
  'email.settings.resend': 'Send the link again',
  'email.settings.sent': 'A new link is on its way to {email}.',
  'email.settings.verified': 'Your address is confirmed.',
  'email.twofa.unverified': 'Codes by email need a confirmed address: confirm yours first (Settings → Email address).',

  'account.error.email.email_codes_on': 'Sign-in codes go to this address: turn codes by email off before changing it.',
  'account.problem.link_invalid': 'This link is not valid. Ask for a new one.',
  'account.problem.link_used': 'This link was already used. Ask for a new one if you need to.',
  'account.problem.link_expired': 'This link has expired. Ask for a new one.',
  'account.problem.email_changed': 'The account\'s email address changed since this link was sent, so it does nothing now.',
  'account.problem.email_unavailable': 'This server does not send mail.',
  'account.problem.email_unverified': 'Confirm your email address first.',
  'account.problem.mail_failed': 'The mail could not be sent. Try again later.',
};
