// fr strings of the mailed links (see email.en.js).
export default {
  'email.login.forgot': 'Mot de passe oublié ?',
  'email.backToLogin': 'Retour à la connexion',

  'email.forgot.title': 'Mot de passe oublié',
  'email.forgot.heading': 'Réinitialiser votre mot de passe',
  'email.forgot.intro': 'Saisissez l\'adresse e-mail de votre compte. Si c\'est l\'adresse confirmée d\'un compte, nous y envoyons un lien pour choisir un nouveau mot de passe.',
  'email.forgot.submit': 'Envoyer le lien',
  'email.forgot.sent': 'Si un compte a l\'adresse confirmée {email}, un lien y est envoyé. Il sert une fois, dans les 30 minutes.',

  'email.reset.title': 'Nouveau mot de passe',
  'email.reset.heading': 'Choisissez un nouveau mot de passe',
  'email.reset.intro': 'Toutes les sessions de votre compte seront fermées : reconnectez-vous ensuite, avec votre second facteur s\'il est activé.',
  'email.reset.submit': 'Enregistrer le mot de passe',
  'email.reset.done': 'Votre mot de passe est changé et toutes les sessions de votre compte sont fermées. Connectez-vous avec le nouveau mot de passe.',
  'email.reset.toLogin': 'Se connecter',
  'email.reset.askAgain': 'Demander un nouveau lien',

  'email.verify.title': 'Confirmer votre adresse',
  'email.verify.heading': 'Confirmer votre adresse e-mail',
  'email.verify.done': 'Merci : votre adresse est confirmée.',
  'email.verify.askAgain': 'Une fois connecté, vous pouvez demander un nouveau lien dans Paramètres → Adresse e-mail.',
  'email.verify.toSettings': 'Aller aux paramètres',

  'email.settings.unverified': 'Votre adresse n\'est pas encore confirmée : ouvrez le lien que nous y avons envoyé. D\'ici là, elle ne peut recevoir ni codes de connexion ni réinitialisation du mot de passe.',
  'email.settings.resend': 'Renvoyer le lien',
  'email.settings.sent': 'Un nouveau lien est envoyé à {email}.',
  'email.settings.verified': 'Votre adresse est confirmée.',
  'email.twofa.unverified': 'Les codes par e-mail demandent une adresse confirmée : confirmez d\'abord la vôtre (Paramètres → Adresse e-mail).',

  'account.error.email.email_codes_on': 'Les codes de connexion vont à cette adresse : désactivez les codes par e-mail avant de la changer.',
  'account.problem.link_invalid': 'Ce lien n\'est pas valide. Demandez-en un nouveau.',
  'account.problem.link_used': 'Ce lien a déjà servi. Demandez-en un nouveau si besoin.',
  'account.problem.link_expired': 'Ce lien a expiré. Demandez-en un nouveau.',
  'account.problem.email_changed': 'L\'adresse e-mail du compte a changé depuis l\'envoi de ce lien : il ne fait plus rien.',
  'account.problem.email_unavailable': 'Ce serveur n\'envoie pas d\'e-mails.',
  'account.problem.email_unverified': 'Confirmez d\'abord votre adresse e-mail.',
  'account.problem.mail_failed': 'L\'e-mail n\'a pas pu être envoyé. Réessayez plus tard.',
};
